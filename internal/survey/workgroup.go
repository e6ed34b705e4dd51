package survey

import (
	"slices"
	"time"
)

// WorkGroup is one of the council's standing groups (technical, legal, …) that
// take up questions of best practice. Its chairs may run the group's surveys as
// the secretariat does; its people are who answers those surveys for their member.
type WorkGroup struct {
	Key         string
	Name        string
	Description string
	Chairs      []string // user ids, sorted
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// WorkGroupUpdate holds the fields of a work group that may change; nil leaves
// a field alone.
type WorkGroupUpdate struct {
	Name        *string
	Description *string
	Chairs      *[]string
}

// Apply returns g with the set fields of up.
func (up WorkGroupUpdate) Apply(g WorkGroup) WorkGroup {
	if up.Name != nil {
		g.Name = *up.Name
	}
	if up.Description != nil {
		g.Description = *up.Description
	}
	if up.Chairs != nil {
		g.Chairs = append([]string{}, *up.Chairs...)
	}
	return g
}

// CheckChairs reports every chair that is repeated or may not chair: a chair is
// an active user of a member registry (the secretariat has every right already).
// users holds the users named, by id.
func CheckChairs(chairs []string, users map[string]User) error {
	var p Problems
	seen := make(map[string]bool, len(chairs))
	for i, id := range chairs {
		field := "chairs[" + itoa(i) + "]"
		u, known := users[id]
		switch {
		case seen[id]:
			p.Add(field, "user %q is listed twice", id)
		case !known:
			p.Add(field, "no user has the id %q", id)
		case u.Member == "":
			p.Add(field, "user %q is of the secretariat, which runs every survey already", id)
		case !u.Active:
			p.Add(field, "user %q is deactivated", id)
		}
		seen[id] = true
	}
	return p.Err("the work group names chairs who cannot chair it")
}

// CheckPerson returns an Invalid error unless u may be one of a work group's
// people: an active user of a member registry.
func CheckPerson(u User) error {
	var p Problems
	switch {
	case u.Member == "":
		p.Add("user", "a work group's people are users of member registries; %s is of the secretariat", u.ID)
	case !u.Active:
		p.Add("user", "user %s is deactivated", u.ID)
	}
	return p.Err("the user cannot be one of the group's people")
}

// CanRun reports whether u may author, open, close and publish sv, and read its
// progress and live results, as the secretariat does: the secretariat for every
// survey, a chair for the surveys of the work groups it chairs (u.Chairs).
// It is the one rule of scoped authoring; the API and the pages both ask it.
func (u User) CanRun(sv Survey) bool {
	return u.IsSecretariat() || u.Chairs(sv.WorkGroup)
}

// Chairs reports whether u chairs the work group; nobody chairs "".
func (u User) Chairs(group string) bool {
	return group != "" && u.Member != "" && slices.Contains(u.Chaired, group)
}

// CheckRun returns a Forbidden error unless u may run sv (see CanRun).
func (u User) CheckRun(sv Survey) error {
	if u.CanRun(sv) {
		return nil
	}
	if sv.WorkGroup != "" {
		return Refusef(Forbidden, NotChair, "only the secretariat and the chairs of work group %s may do this", sv.WorkGroup)
	}
	return Refusef(Forbidden, SecretariatOnly, "only the secretariat may do this")
}

// CheckAuthorIn returns a Forbidden error unless u may put a survey in the work
// group ("" for none): the secretariat anywhere, a chair only in its groups.
func (u User) CheckAuthorIn(group string) error {
	switch {
	case u.IsSecretariat():
		return nil
	case group == "" && len(u.Chaired) > 0:
		return Refusef(Forbidden, NotChair, "a chair authors surveys in its work groups; name one as work_group")
	case u.Chairs(group):
		return nil
	case len(u.Chaired) > 0:
		return Refusef(Forbidden, NotChair, "you do not chair work group %s", group)
	}
	return Refusef(Forbidden, SecretariatOnly, "only the secretariat may do this")
}

// MayAuthor reports whether u may author any survey at all: the secretariat,
// and the chairs of a work group.
func (u User) MayAuthor() bool { return u.IsSecretariat() || (u.Member != "" && len(u.Chaired) > 0) }

// Told is one mail queued to one of a member's people about a survey, as the
// survey's progress shows it.
type Told struct {
	UserID   string
	Email    string
	Kind     MailKind
	Template string
	State    JobState // pending, running, done, failed, cancelled
	At       time.Time
}
