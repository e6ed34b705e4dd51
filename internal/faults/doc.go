// Package faults holds tests, and nothing else, that break what the server
// stands on while it works: PostgreSQL stopped under a write load, SIGTERM and
// SIGKILL in the middle of requests, a full disk under SQLite. Each builds the
// real surveyd binary, runs it as a child process on 127.0.0.1, and checks what
// its clients were told against what the database holds afterwards. It also
// runs the container's health-check commands against that binary.
package faults
