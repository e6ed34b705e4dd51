package survey

import (
	"fmt"
	"reflect"
	"time"
)

// Transition records one step of a survey's lifecycle: who took it, and when.
type Transition struct {
	From Status
	To   Status
	By   string // user id
	At   time.Time
}

// previous is the status a survey must be in to move to the key status.
var previous = map[Status]Status{
	StatusOpen:      StatusDraft,
	StatusClosed:    StatusOpen,
	StatusPublished: StatusClosed,
}

// CheckTransition returns a Conflict error saying why s cannot move to status to at
// now, or nil when it can. Opening needs a question and a deadline in the future.
func (s Survey) CheckTransition(to Status, now time.Time) error {
	from, known := previous[to]
	if !known {
		return Refusef(Invalid, BadTransition, "a survey cannot be moved to %q", to)
	}
	if s.Status != from {
		return Refusef(Conflict, StatusOrder, "the survey is %s; only a %s survey can be %s", s.Status, from, pastTense[to])
	}
	if to != StatusOpen {
		return nil
	}
	var p Problems
	if len(s.Questions()) == 0 {
		p.Add("sections", "a survey needs at least one question to open")
	}
	switch {
	case s.Deadline == nil:
		p.Add("deadline", "a survey needs a deadline to open")
	case !s.Deadline.After(now):
		p.Add("deadline", "the deadline %s has passed; set a later one to open", s.Deadline.UTC().Format(time.RFC3339))
	}
	if len(p) > 0 {
		return &Error{Code: Conflict, Reason: NotReadyToOpen, Message: "the survey cannot open yet", Fields: p}
	}
	return nil
}

var pastTense = map[Status]string{StatusOpen: "opened", StatusClosed: "closed", StatusPublished: "published"}

// CheckEdit returns an error when next may not replace s. A draft may change
// freely. Once open, keys, types, options, constraints, conditions, order, the
// series and the audience are frozen: only texts, topics, the deadline and the
// results policy may change, the policy only to be stricter (never named after
// anonymous, never a lower k); the unit is frozen too, since answers given are in it.
// Every frozen change is named in one Conflict.
func (s Survey) CheckEdit(next Survey, now time.Time) error {
	if s.Status == StatusDraft {
		return nil
	}
	var p Problems
	if next.Series != s.Series {
		p.Add("series", "the series is frozen once the survey is open")
	}
	if next.Audience != s.Audience {
		p.Add("audience", "the audience is frozen once the survey is open")
	}
	if next.WorkGroup != s.WorkGroup {
		p.Add("work_group", "the work group is frozen once the survey is open: its people were told")
	}
	if len(next.Sections) != len(s.Sections) {
		p.Add("sections", "sections cannot be added or removed once the survey is open")
	}
	// Answers were given under the policy: it may become stricter, never looser.
	if s.Policy.Visibility == VisibilityAnonymous && next.Policy.Visibility != VisibilityAnonymous {
		p.Add("results_policy.visibility", "answers were given anonymously; the survey cannot become named")
	}
	if next.Policy.MinRespondents < s.Policy.MinRespondents {
		p.Add("results_policy.min_respondents", "answers were given under k = %d; it may be raised, not lowered", s.Policy.MinRespondents)
	}
	for i := range min(len(next.Sections), len(s.Sections)) {
		frozenSection(&p, fmt.Sprintf("sections[%d]", i), s.Sections[i], next.Sections[i])
	}
	if len(p) > 0 {
		return &Error{Code: Conflict, Reason: StructureFrozen, Message: fmt.Sprintf("the survey is %s: its structure is frozen, only texts may change", s.Status), Fields: p}
	}
	if s.Status == StatusOpen && next.Deadline != nil && !deadlineEqual(s.Deadline, next.Deadline) && !next.Deadline.After(now) {
		return &Error{Code: Invalid, Reason: DeadlineNeeded, Message: "an open survey needs a deadline in the future",
			Fields: []FieldError{{Field: "deadline", Reason: "is in the past"}}}
	}
	if s.Status == StatusOpen && next.Deadline == nil {
		return &Error{Code: Invalid, Reason: DeadlineNeeded, Message: "an open survey needs a deadline",
			Fields: []FieldError{{Field: "deadline", Reason: "cannot be removed while the survey is open"}}}
	}
	return nil
}

func deadlineEqual(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func frozenSection(p *Problems, path string, old, next Section) {
	if old.Key != next.Key {
		p.Add(path+".key", "section keys and their order are frozen (was %q)", old.Key)
	}
	if len(old.Questions) != len(next.Questions) {
		p.Add(path+".questions", "questions cannot be added, removed or moved once the survey is open")
	}
	for j := range min(len(old.Questions), len(next.Questions)) {
		frozenQuestion(p, fmt.Sprintf("%s.questions[%d]", path, j), old.Questions[j], next.Questions[j])
	}
}

func frozenQuestion(p *Problems, path string, old, next Question) {
	if old.Key != next.Key {
		p.Add(path+".key", "question keys and their order are frozen (was %q)", old.Key)
		return
	}
	if old.Type != next.Type {
		p.Add(path+".type", "the type is frozen (was %s)", old.Type)
	}
	if old.Required != next.Required {
		p.Add(path+".required", "required is frozen")
	}
	if old.Unit != next.Unit {
		p.Add(path+".unit", "the unit is frozen: answers already given are in %q", old.Unit)
	}
	if !reflect.DeepEqual(old.Constraints, next.Constraints) {
		p.Add(path+".constraints", "constraints are frozen")
	}
	if !reflect.DeepEqual(old.Condition, next.Condition) {
		p.Add(path+".condition", "the condition is frozen")
	}
	if len(old.Options) != len(next.Options) {
		p.Add(path+".options", "options cannot be added or removed")
		return
	}
	for k := range old.Options {
		if old.Options[k].Key != next.Options[k].Key {
			p.Add(fmt.Sprintf("%s.options[%d].key", path, k), "option keys and their order are frozen (was %q)", old.Options[k].Key)
		}
	}
}

// CheckDelete returns a Conflict unless s is a draft: a survey that was ever open
// may have answers.
func (s Survey) CheckDelete() error {
	if s.Status != StatusDraft {
		return Refusef(Conflict, NotDraft, "the survey is %s; only a draft can be deleted", s.Status)
	}
	return nil
}

// NewEdition returns a new draft of the same series with the same sections and
// keys, so that results can be compared edition to edition. The deadline is left
// for the secretariat to set.
func (s Survey) NewEdition(edition string) Survey {
	next := s
	next.ID, next.Status, next.Transitions, next.Deadline, next.Period = "", StatusDraft, nil, nil, ""
	next.Edition = edition
	next.Topics = append([]string{}, s.Topics...)
	next.Sections = cloneSections(s.Sections)
	return next
}

func cloneSections(in []Section) []Section {
	out := make([]Section, len(in))
	for i, sec := range in {
		out[i] = sec
		out[i].Questions = make([]Question, len(sec.Questions))
		for j, q := range sec.Questions {
			q.Options = append([]Option(nil), q.Options...)
			if q.Condition != nil {
				c := *q.Condition
				c.Values = append([]any(nil), c.Values...)
				q.Condition = &c
			}
			out[i].Questions[j] = q
		}
	}
	return out
}

// VisibleToMembers reports whether members may see s at all: never as a draft.
func (s Survey) VisibleToMembers() bool { return s.Status != StatusDraft }

// ReadableBy reports whether u may read s (those who run it always, drafts
// included); addressed says whether u's member is in
// the survey's audience. To anyone who may not, the survey does not exist.
func (s Survey) ReadableBy(u User, addressed bool) bool {
	return u.CanRun(s) || (s.VisibleToMembers() && addressed)
}
