package survey

import (
	"encoding/json"
	"time"
)

// AuditEntry is one change in the audit trail: who made it, when, in which
// request, of which kind to which object, and the object before and after (JSON
// null for none), secrets left out.
type AuditEntry struct {
	ID         string
	At         time.Time
	Actor      string // user id, or "system"
	RequestID  string
	Kind       string // such as survey.created, survey.opened, token.revoked
	ObjectType string
	ObjectID   string
	Member     string // the member it concerns; "" for none
	Before     json.RawMessage
	After      json.RawMessage
}

// AuditScope returns the member whose entries u may read: "" (all) for the
// secretariat, its own member for anybody else.
func (u User) AuditScope() string {
	if u.IsSecretariat() {
		return ""
	}
	return u.Member
}
