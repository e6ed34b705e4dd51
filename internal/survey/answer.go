package survey

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Value is one answer, typed by its question: exactly one field is set.
type Value struct {
	Number  *float64 // integer, number, percentage, scale
	Bool    *bool    // boolean
	Text    *string  // text
	Date    *string  // date, as YYYY-MM-DD
	Options []string // single_choice (one key) and multiple_choice (in the question's order)
}

// Equal reports whether v and w are the same answer.
func (v Value) Equal(w Value) bool {
	return ptrEqual(v.Number, w.Number) && ptrEqual(v.Bool, w.Bool) && ptrEqual(v.Text, w.Text) &&
		ptrEqual(v.Date, w.Date) && slices.Equal(v.Options, w.Options)
}

func ptrEqual[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// JSON returns the value as the client writes it: a number, boolean, string, or
// for multiple choice a list of option keys.
func (v Value) JSON(t QuestionType) any {
	switch {
	case v.Number != nil:
		return *v.Number
	case v.Bool != nil:
		return *v.Bool
	case v.Text != nil:
		return *v.Text
	case v.Date != nil:
		return *v.Date
	case t == MultipleChoice:
		return append([]string{}, v.Options...)
	case len(v.Options) == 1:
		return v.Options[0]
	}
	return nil
}

// MaxMagnitude bounds every number answered: far beyond any count a registry
// keeps, and small enough that sums of many answers stay exact to the unit.
const MaxMagnitude = 1e15

// ParseAnswer checks raw, a value as decoded from JSON (bool, float64 or
// json.Number, string, []any; numbers of CSV cells arrive as json.Number), against
// q and returns it typed, or the reason it does not fit.
func (q Question) ParseAnswer(raw any) (Value, string) {
	switch q.Type {
	case Boolean:
		b, ok := raw.(bool)
		if !ok {
			return Value{}, "must be true or false"
		}
		return Value{Bool: &b}, ""
	case Integer, Number, Percentage, Scale:
		return q.parseNumber(raw)
	case Text:
		s, ok := raw.(string)
		if !ok {
			return Value{}, "must be a string"
		}
		// The API refuses such text before it gets here; the rule is kept here too,
		// so that no path can store a text that reads back as something else.
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return Value{}, "contains a NUL character or invalid UTF-8, which cannot be stored"
		}
		limit := DefaultMaxTextLength
		if q.Constraints.MaxLength != nil {
			limit = *q.Constraints.MaxLength
		}
		if n := len([]rune(s)); n > limit {
			return Value{}, fmt.Sprintf("is %d characters long; at most %d are allowed", n, limit)
		}
		return Value{Text: &s}, ""
	case Date:
		s, ok := raw.(string)
		d, err := time.Parse(time.DateOnly, s)
		if !ok || err != nil {
			return Value{}, "must be a date as YYYY-MM-DD"
		}
		if c := q.Constraints.MinDate; c != nil && s < *c {
			return Value{}, fmt.Sprintf("must be on or after %s", *c)
		}
		if c := q.Constraints.MaxDate; c != nil && s > *c {
			return Value{}, fmt.Sprintf("must be on or before %s", *c)
		}
		s = d.Format(time.DateOnly)
		return Value{Date: &s}, ""
	case SingleChoice:
		s, ok := raw.(string)
		if !ok {
			return Value{}, "must be one option key, as a string"
		}
		if !q.hasOption(s) {
			return Value{}, fmt.Sprintf("%q is not an option; the options are %s", s, q.optionKeys())
		}
		return Value{Options: []string{s}}, ""
	case MultipleChoice:
		return q.parseSelections(raw)
	}
	return Value{}, fmt.Sprintf("the question has an unknown type %q", q.Type)
}

func (q Question) parseNumber(raw any) (Value, string) {
	var f float64
	switch n := raw.(type) {
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil || math.IsInf(f, 0) {
			return Value{}, "must be a finite number"
		}
	case float64:
		f = n
	default:
		return Value{}, "must be a number"
	}
	if math.Abs(f) > MaxMagnitude {
		return Value{}, fmt.Sprintf("must be between -%g and %g", MaxMagnitude, MaxMagnitude)
	}
	whole := f == math.Trunc(f)
	lo, hi := q.Constraints.Min, q.Constraints.Max
	switch q.Type {
	case Integer:
		if !whole {
			return Value{}, "must be a whole number"
		}

	case Percentage:
		if f < 0 || f > 100 {
			return Value{}, "must be a percentage from 0 to 100"
		}
	case Scale:
		top := 0
		if q.Constraints.ScaleSize != nil {
			top = *q.Constraints.ScaleSize
		}
		if !whole || f < 1 || f > float64(top) {
			return Value{}, fmt.Sprintf("must be a whole number from 1 to %d", top)
		}
	}
	if lo != nil && f < *lo {
		return Value{}, fmt.Sprintf("must be at least %v", *lo)
	}
	if hi != nil && f > *hi {
		return Value{}, fmt.Sprintf("must be at most %v", *hi)
	}
	return Value{Number: &f}, ""
}

func (q Question) parseSelections(raw any) (Value, string) {
	list, ok := raw.([]any)
	if !ok {
		return Value{}, "must be a list of option keys"
	}
	chosen := map[string]bool{}
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return Value{}, "must be a list of option keys, as strings"
		}
		if !q.hasOption(s) {
			return Value{}, fmt.Sprintf("%q is not an option; the options are %s", s, q.optionKeys())
		}
		if chosen[s] {
			return Value{}, fmt.Sprintf("%q is chosen twice", s)
		}
		chosen[s] = true
	}
	if c := q.Constraints.MinSelections; c != nil && len(list) < *c {
		return Value{}, fmt.Sprintf("choose at least %d options", *c)
	}
	if c := q.Constraints.MaxSelections; c != nil && len(list) > *c {
		return Value{}, fmt.Sprintf("choose at most %d options", *c)
	}
	// Keep the question's order, so that equal selections are equal values.
	out := []string{}
	for _, o := range q.Options {
		if chosen[o.Key] {
			out = append(out, o.Key)
		}
	}
	return Value{Options: out}, ""
}

func (q Question) hasOption(key string) bool {
	for _, o := range q.Options {
		if o.Key == key {
			return true
		}
	}
	return false
}

func (q Question) optionKeys() string {
	keys := make([]string, len(q.Options))
	for i, o := range q.Options {
		keys[i] = o.Key
	}
	return strings.Join(keys, ", ")
}

// Holds reports whether the condition is met by the answer (nil for none) of the
// question it refers to.
func (c Condition) Holds(target Question, answer *Value) bool {
	if c.Operator == OpAnswered {
		return answer != nil
	}
	if answer == nil {
		return false
	}
	switch c.Operator {
	case OpEquals:
		return matches(target, *answer, c.Value)
	case OpNotEquals:
		return !matches(target, *answer, c.Value)
	case OpOneOf:
		for _, v := range c.Values {
			if matches(target, *answer, v) {
				return true
			}
		}
		return false
	case OpAtLeast:
		lo, ok := toFloat(c.Value)
		return ok && answer.Number != nil && *answer.Number >= lo
	}
	return false
}

// matches reports whether answer is the condition value v; a multiple-choice
// answer matches each option it includes.
func matches(q Question, answer Value, v any) bool {
	switch {
	case answer.Bool != nil:
		b, ok := v.(bool)
		return ok && b == *answer.Bool
	case answer.Number != nil:
		f, ok := toFloat(v)
		return ok && f == *answer.Number
	case answer.Text != nil:
		s, ok := v.(string)
		return ok && s == *answer.Text
	case answer.Date != nil:
		s, ok := v.(string)
		return ok && s == *answer.Date
	}
	s, ok := v.(string)
	return ok && slices.Contains(answer.Options, s)
}

// Visible returns the keys of the questions of s that are shown given the answers:
// a question with a condition is shown when the question it refers to is shown and
// its answer meets the condition. Hidden questions count as unanswered.
func (s Survey) Visible(answers map[string]Value) map[string]bool {
	visible := map[string]bool{}
	byKey := map[string]Question{}
	for _, q := range s.Questions() {
		byKey[q.Key] = q
		if q.Condition == nil {
			visible[q.Key] = true
			continue
		}
		c := q.Condition
		var answer *Value
		if v, ok := answers[c.Question]; ok && visible[c.Question] {
			answer = &v
		}
		visible[q.Key] = visible[c.Question] && c.Holds(byKey[c.Question], answer)
	}
	return visible
}

// MissingRequired returns, in survey order, the keys of the required questions
// that are visible and unanswered.
func (s Survey) MissingRequired(answers map[string]Value) []string {
	visible := s.Visible(answers)
	var missing []string
	for _, q := range s.Questions() {
		if _, ok := answers[q.Key]; q.Required && visible[q.Key] && !ok {
			missing = append(missing, q.Key)
		}
	}
	return missing
}

// RequiredProgress counts the required questions that are visible, and how many of
// them are answered.
func (s Survey) RequiredProgress(answers map[string]Value) (answered, total int) {
	visible := s.Visible(answers)
	for _, q := range s.Questions() {
		if q.Required && visible[q.Key] {
			total++
			if _, ok := answers[q.Key]; ok {
				answered++
			}
		}
	}
	return answered, total
}

// jsonNumber matches a number as JSON writes it, and nothing else that
// strconv.ParseFloat would take (hex, infinity, underscores).
var jsonNumber = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$`)

// ParseCell turns a CSV cell written for q into the form ParseAnswer takes:
// booleans as true/false (or yes/no, 1/0), numbers as JSON writes them, multiple
// choices as option keys separated by semicolons, everything else as it stands.
func (q Question) ParseCell(cell string) any {
	cell = strings.TrimSpace(cell)
	switch q.Type {
	case Boolean:
		switch strings.ToLower(cell) {
		case "true", "yes", "1":
			return true
		case "false", "no", "0":
			return false
		}
	case Integer, Number, Percentage, Scale:
		if jsonNumber.MatchString(cell) {
			return json.Number(cell)
		}
	case MultipleChoice:
		keys := []any{}
		for _, k := range strings.Split(cell, ";") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
		return keys
	}
	return cell
}
