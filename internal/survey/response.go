package survey

import (
	"errors"
	"sort"
	"time"
)

// ResponseStatus is where a member's response stands.
type ResponseStatus string

// The statuses of a response. A member that has written nothing has no stored
// response; it is shown as not started.
const (
	ResponseNotStarted ResponseStatus = "not_started"
	ResponseDraft      ResponseStatus = "draft"
	ResponseSubmitted  ResponseStatus = "submitted"
)

// Response is the one response of a member to a survey, shared by the member's
// users. Version changes on every write, so that editors can detect each other.
type Response struct {
	ID          string
	SurveyID    string
	Member      string
	Status      ResponseStatus
	Version     int
	Answers     map[string]Value
	SubmittedAt *time.Time
	UpdatedBy   string // user id; "" when not started
	UpdatedAt   *time.Time
	Dropped     []Drop // set by a write only: the answers it removed or did not keep
}

// Drop is an answer that a write removed, or did not keep, because a condition
// hides its question.
type Drop struct {
	Question  string
	DependsOn string // the question whose answer the hiding condition is about
	Stored    bool   // the answer was stored before, and is now removed
}

// Standing is where a member's response to a survey stands, as a list of
// surveys shows it to the member's users.
type Standing struct {
	Status    ResponseStatus
	Withdrawn bool       // a draft that was submitted once and then withdrawn
	Extension *time.Time // the member's own deadline, if it was given one
}

// EventKind names what happened to a response.
type EventKind string

// The kinds of history events.
const (
	EventAnswer   EventKind = "answer"   // an answer was set, changed or cleared
	EventHidden   EventKind = "hidden"   // an answer was removed because its question became hidden
	EventSubmit   EventKind = "submit"   // the response was submitted
	EventWithdraw EventKind = "withdraw" // a submitted response went back to draft
	EventLock     EventKind = "lock"     // the deadline passed; the response no longer takes writes
)

// Event is one entry of a response's history.
type Event struct {
	ID       string
	Kind     EventKind
	Question string // for answer and hidden
	Old, New any    // the values as clients write them (see Value.JSON); nil for none
	By       string // user id; "" for the system (lock)
	OnBehalf bool   // written by the secretariat for the member
	At       time.Time
}

// MemberProgress is where one member of a survey's audience stands.
type MemberProgress struct {
	Member           string
	Name             string
	Status           ResponseStatus
	RequiredAnswered int // required questions answered, of those visible
	RequiredTotal    int
	LastActivity     *time.Time
	Deadline         *time.Time // the member's own, with any extension
	Flags            []Flag     // values to check against the previous period
}

// Flag marks a number that changed by more than a factor of ten from the member's
// value in the previous period: accepted, but worth a look.
type Flag struct {
	Question        string
	Value, Previous float64
}

// jumpFactor is how far a value may move from the previous period unflagged.
const jumpFactor = 10

// Flags compares the member's numbers with its numbers of the previous period.
func (s Survey) Flags(now, previous map[string]Value) []Flag {
	var out []Flag
	for _, q := range s.Questions() {
		if q.Type != Integer && q.Type != Number {
			continue
		}
		v, ok := now[q.Key]
		p, had := previous[q.Key]
		if !ok || !had || v.Number == nil || p.Number == nil || *p.Number <= 0 {
			continue
		}
		if *v.Number > jumpFactor**p.Number || *v.Number*jumpFactor < *p.Number {
			out = append(out, Flag{Question: q.Key, Value: *v.Number, Previous: *p.Number})
		}
	}
	return out
}

// Extension is a later deadline granted to one member.
type Extension struct {
	Member    string
	Deadline  time.Time
	GrantedBy string
	GrantedAt time.Time
}

// Change is one answer that a save changes; nil Old or New means absent.
type Change struct {
	Question string
	Old, New *Value
	Hidden   bool // removed because the question became hidden
}

// CanReadResponse reports whether u may read the member's response: the
// secretariat, and the member's own respondents and viewers.
func (u User) CanReadResponse(member string) bool {
	return u.IsSecretariat() || (u.Member != "" && u.Member == member)
}

// CheckWriteResponse returns a Forbidden error unless u may write the member's
// response: the member's respondents, and the secretariat on its behalf.
func (u User) CheckWriteResponse(member string) error {
	switch {
	case u.IsSecretariat():
		return nil
	case u.Member != member:
		return Refusef(Forbidden, NotOwnMember, "this is the response of member %s; you may write only your own member's", member)
	case u.Role != RoleRespondent:
		return Refusef(Forbidden, ReadOnlyRole, "a %s may read the response but not change it; respondents write", u.Role)
	}
	return nil
}

// CheckVersion returns a PreconditionFailed error when a writer's If-Match
// version (nil for none) is not the response's version.
func CheckVersion(version int, ifMatch *int) error {
	if ifMatch != nil && *ifMatch != version {
		return Refusef(PreconditionFailed, StaleVersion,
			"the response is at version %d, not %d: someone else saved meanwhile; reload it and apply your changes again", version, *ifMatch)
	}
	return nil
}

// EffectiveDeadline is the member's deadline: the survey's, or its extension for
// that member when later.
func (s Survey) EffectiveDeadline(extension *time.Time) *time.Time {
	if extension != nil && (s.Deadline == nil || extension.After(*s.Deadline)) {
		return extension
	}
	return s.Deadline
}

// CheckWritable returns a Conflict error unless a member's response to s takes
// writes at now: the survey is open and the member's deadline has not passed.
func (s Survey) CheckWritable(now time.Time, extension *time.Time) error {
	if s.Status != StatusOpen {
		return Refusef(Conflict, NotOpen, "the survey is %s; answers are taken only while it is open", s.Status)
	}
	if d := s.EffectiveDeadline(extension); d != nil && !now.Before(*d) {
		return Refusef(Conflict, DeadlinePassed, "the deadline %s has passed; the response is locked", d.UTC().Format(time.RFC3339))
	}
	return nil
}

// ApplyAnswers returns current with patch applied: each key of patch is a question
// of s, and each value (as ParseAnswer takes it) fits its question, or is nil to
// clear the answer. Every bad key and value is reported in one Invalid error and
// nothing is applied. Answers to questions that the new answers hide are removed.
// The changes list every answer that differs, in survey order; an unchanged value
// is no change.
func (s Survey) ApplyAnswers(current map[string]Value, patch map[string]any) (map[string]Value, []Change, error) {
	var p Problems
	next := make(map[string]Value, len(current)+len(patch))
	for k, v := range current {
		next[k] = v
	}
	byKey := map[string]Question{}
	for _, q := range s.Questions() {
		byKey[q.Key] = q
	}
	for _, key := range sortedKeys(patch) {
		q, ok := byKey[key]
		if !ok {
			p.Add("answers."+key, "is not a question of this survey")
			continue
		}
		if patch[key] == nil {
			delete(next, key)
			continue
		}
		v, reason := q.ParseAnswer(patch[key])
		if reason != "" {
			p.Add("answers."+key, "%s", reason)
			continue
		}
		next[key] = v
	}
	if err := p.Err("some answers do not fit their questions; nothing was saved"); err != nil {
		return nil, nil, err
	}
	visible := s.Visible(next)
	var changes []Change
	for _, q := range s.Questions() {
		old, had := current[q.Key]
		nv, has := next[q.Key]
		hidden := has && !visible[q.Key]
		if hidden {
			delete(next, q.Key)
			has = false
		}
		switch {
		case had && has && old.Equal(nv):
		case had || has:
			// An answer that goes because its question is now hidden is recorded as
			// such, not as the user's change.
			c := Change{Question: q.Key, Hidden: hidden}
			if had {
				c.Old = &old
			}
			if has {
				c.New = &nv
			}
			changes = append(changes, c)
		}
	}
	return next, changes, nil
}

// Dropped lists, in survey order, the answers that a save of patch over current,
// giving next (see ApplyAnswers), removed or did not keep because their
// questions are hidden in next.
func (s Survey) Dropped(current map[string]Value, patch map[string]any, next map[string]Value) []Drop {
	visible := s.Visible(next)
	var out []Drop
	for _, q := range s.Questions() {
		_, stored := current[q.Key]
		sent, inPatch := patch[q.Key]
		if inPatch && sent == nil {
			continue // cleared by the request itself
		}
		if visible[q.Key] || q.Condition == nil || !(stored || inPatch) {
			continue
		}
		out = append(out, Drop{Question: q.Key, DependsOn: q.Condition.Question, Stored: stored})
	}
	return out
}

// SubmitBlockers returns every reason why u could not submit the member's
// response, holding answers, at now: u may not write it, the survey does not take
// answers (not open, or the member's deadline, with its extension, has passed),
// required visible questions are unanswered. None means a submit would succeed.
func (s Survey) SubmitBlockers(u User, member string, now time.Time, extension *time.Time, answers map[string]Value) []*Error {
	var out []*Error
	for _, err := range []error{u.CheckWriteResponse(member), s.CheckWritable(now, extension), s.CheckSubmit(answers)} {
		var e *Error
		if errors.As(err, &e) {
			out = append(out, e)
		}
	}
	return out
}

// CheckSubmit returns an Invalid error listing every required, visible question
// without an answer.
func (s Survey) CheckSubmit(answers map[string]Value) error {
	var p Problems
	for _, key := range s.MissingRequired(answers) {
		p.Add("answers."+key, "is required")
	}
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Reason: RequiredMissing, Message: "required answers are missing; every one is listed", Fields: p}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
