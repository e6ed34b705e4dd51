// Package attack holds no code: its tests play a member that tries to recover
// other members' answers from everything the HTTP API lets it read (decision
// 0010), over randomised councils, peer groups, editions and months.
package attack
