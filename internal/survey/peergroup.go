package survey

import "time"

// PeerGroup is a named set of members kept by the secretariat, used as the audience
// of a survey and as a filter of results.
type PeerGroup struct {
	Key         string
	Name        string
	Description string
	Members     []string // member codes, sorted
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CheckMembers reports every code in members that is repeated or not in known, by
// its index in the list as the client sent it.
func CheckMembers(members []string, known map[string]bool) error {
	var p Problems
	seen := make(map[string]bool, len(members))
	for i, code := range members {
		field := "members[" + itoa(i) + "]"
		switch {
		case seen[code]:
			p.Add(field, "member %q is listed twice", code)
		case !known[code]:
			p.Add(field, "no member has the code %q", code)
		}
		seen[code] = true
	}
	return p.Err("the peer group names members that cannot be in it")
}
