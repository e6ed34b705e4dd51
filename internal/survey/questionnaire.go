package survey

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// Status is where a survey stands in its lifecycle.
type Status string

// The lifecycle: draft → open → closed → published.
const (
	StatusDraft     Status = "draft"     // the structure may change; no responses
	StatusOpen      Status = "open"      // members answer; the structure is frozen
	StatusClosed    Status = "closed"    // no more answers; the secretariat reviews
	StatusPublished Status = "published" // members see the results
)

// Statuses lists the statuses in lifecycle order.
var Statuses = []Status{StatusDraft, StatusOpen, StatusClosed, StatusPublished}

// Visibility says whether results name the members that answered.
type Visibility string

// The visibilities of results.
const (
	VisibilityAnonymous Visibility = "anonymous" // aggregates only
	VisibilityNamed     Visibility = "named"     // members see which registry answered what
)

// DefaultMinRespondents is k: aggregates over fewer respondents are suppressed.
const DefaultMinRespondents = 5

// ResultsPolicy governs who sees what of a survey's results.
type ResultsPolicy struct {
	Visibility      Visibility
	MinRespondents  int  // k
	RespondentsOnly bool // a member that did not submit sees no results
}

// DefaultResultsPolicy is the policy of a survey that names none.
func DefaultResultsPolicy() ResultsPolicy {
	return ResultsPolicy{Visibility: VisibilityAnonymous, MinRespondents: DefaultMinRespondents, RespondentsOnly: true}
}

// Survey is one edition of a questionnaire: its definition and where it stands.
type Survey struct {
	ID          string
	Title       string
	Description string
	Topics      []string
	Series      string // key linking editions of one questionnaire; "" for none
	Edition     string // label of this edition within its series ("2026", "2026-10")
	Period      string // the period of a recurring series' edition ("2026-10"); "" otherwise
	Audience    string // peer group key; "" for all active members
	WorkGroup   string // the work group whose chairs run it and whose people answer it; "" for none
	Deadline    *time.Time
	Policy      ResultsPolicy
	Sections    []Section
	Status      Status
	Transitions []Transition
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Section is an ordered group of questions.
type Section struct {
	Key         string
	Title       string
	Description string
	Questions   []Question

	TitleTranslations       Translations // the title in other languages than English
	DescriptionTranslations Translations
}

// QuestionType is the kind of value a question takes.
type QuestionType string

// The question types.
const (
	SingleChoice   QuestionType = "single_choice"
	MultipleChoice QuestionType = "multiple_choice"
	Boolean        QuestionType = "boolean"
	Integer        QuestionType = "integer"
	Number         QuestionType = "number"
	Percentage     QuestionType = "percentage" // 0–100
	Scale          QuestionType = "scale"      // 1..ScaleSize
	Text           QuestionType = "text"
	Date           QuestionType = "date" // YYYY-MM-DD
)

// QuestionTypes lists every question type.
var QuestionTypes = []QuestionType{SingleChoice, MultipleChoice, Boolean, Integer, Number, Percentage, Scale, Text, Date}

// IsChoice reports whether answers pick among options.
func (t QuestionType) IsChoice() bool { return t == SingleChoice || t == MultipleChoice }

// IsNumeric reports whether answers are numbers.
func (t QuestionType) IsNumeric() bool {
	return t == Integer || t == Number || t == Percentage || t == Scale
}

func (t QuestionType) valid() bool {
	for _, q := range QuestionTypes {
		if q == t {
			return true
		}
	}
	return false
}

// DefaultMaxTextLength bounds text answers whose question sets no max_length.
const DefaultMaxTextLength = 10_000

// Question is one question of a survey. Its key is stable across the editions of a
// series, so that results of the same key can be compared.
type Question struct {
	Key      string
	Type     QuestionType
	Prompt   string
	Help     string
	Required bool
	Unit     string
	// Magnitude says that the answers are amounts, such as counts of domains or
	// revenue, which one large member can dominate: results apply the p % rule
	// to them (decision 0010). Integer and number questions only.
	Magnitude   bool
	Options     []Option
	Constraints Constraints
	Condition   *Condition

	PromptTranslations Translations // the prompt in other languages than English
	HelpTranslations   Translations
}

// Option is one choice of a choice question; its key is stable, its label may change.
type Option struct {
	Key   string
	Label string

	LabelTranslations Translations // the label in other languages than English
}

// Constraints bound the answers of a question; nil means unbounded.
type Constraints struct {
	Min           *float64 // numeric types
	Max           *float64
	MinDate       *string // date: YYYY-MM-DD
	MaxDate       *string
	MaxLength     *int // text
	MinSelections *int // multiple_choice
	MaxSelections *int
	ScaleSize     *int // scale: answers are 1..ScaleSize
}

// Operator is how a condition compares an earlier answer.
type Operator string

// The condition operators.
const (
	OpEquals    Operator = "equals"     // the answer is Value (for multiple choice: includes it)
	OpNotEquals Operator = "not_equals" // the answer is not Value (multiple choice: excludes it)
	OpOneOf     Operator = "one_of"     // the answer is one of Values (multiple choice: includes one)
	OpAnswered  Operator = "answered"   // the question has an answer
	OpAtLeast   Operator = "at_least"   // a numeric answer is Value or more
)

// Condition makes a question visible only when an earlier answer fits. Values are
// as decoded from JSON (bool, json.Number or float64, string).
type Condition struct {
	Question string
	Operator Operator
	Value    any
	Values   []any
}

// Questions returns the questions of all sections in order.
func (s Survey) Questions() []Question {
	var out []Question
	for _, sec := range s.Sections {
		out = append(out, sec.Questions...)
	}
	return out
}

// Question returns the question with the key.
func (s Survey) Question(key string) (Question, bool) {
	for _, sec := range s.Sections {
		for _, q := range sec.Questions {
			if q.Key == key {
				return q, true
			}
		}
	}
	return Question{}, false
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$`)

// ValidSnakeKey reports whether key is snake_case, as section, question and option
// keys must be.
func ValidSnakeKey(key string) bool { return len(key) <= 64 && snakeCase.MatchString(key) }

// Limits of a definition, so that one survey cannot grow without bound.
const (
	maxTitle     = 300
	maxText      = 10_000
	maxTopics    = 20
	maxSections  = 50
	maxQuestions = 500
	maxOptions   = 100
	maxScaleSize = 100
)

// Validate checks the definition of s as a whole and reports every problem by its
// path in the document (sections[1].questions[3].key).
func (s Survey) Validate() error {
	var p Problems
	checkText(&p, "title", s.Title, maxTitle, true)
	checkText(&p, "description", s.Description, maxText, false)
	if len(s.Topics) > maxTopics {
		p.Add("topics", "at most %d topics", maxTopics)
	}
	seenTopic := map[string]bool{}
	for i, t := range s.Topics {
		field := fmt.Sprintf("topics[%d]", i)
		switch {
		case !ValidKey(t) || len(t) > 64:
			p.Add(field, "a topic is a lowercase tag such as dnssec or registration-data")
		case seenTopic[t]:
			p.Add(field, "topic %q is listed twice", t)
		}
		seenTopic[t] = true
	}
	if s.Series != "" && (!ValidKey(s.Series) || len(s.Series) > 64) {
		p.Add("series", "a series key is lowercase words joined by - or _, such as dnssec-annual")
	}
	checkText(&p, "edition", s.Edition, 64, false)
	if s.Audience != "" && !ValidKey(s.Audience) {
		p.Add("audience.peer_group", "not a peer group key")
	}
	checkPolicy(&p, s.Policy)
	if len(s.Sections) > maxSections {
		p.Add("sections", "at most %d sections", maxSections)
	}
	seenSection := map[string]bool{}
	earlier := map[string]Question{} // questions before the one being checked
	count := 0
	for i, sec := range s.Sections {
		path := fmt.Sprintf("sections[%d]", i)
		switch {
		case !ValidSnakeKey(sec.Key):
			p.Add(path+".key", "a key is snake_case: lowercase letters and digits joined by _, starting with a letter")
		case seenSection[sec.Key]:
			p.Add(path+".key", "section key %q is used twice", sec.Key)
		}
		seenSection[sec.Key] = true
		checkText(&p, path+".title", sec.Title, maxTitle, true)
		checkText(&p, path+".description", sec.Description, maxText, false)
		checkTranslations(&p, path+".title_translations", sec.TitleTranslations, sec.Title, maxTitle)
		checkTranslations(&p, path+".description_translations", sec.DescriptionTranslations, sec.Description, maxText)
		for j, q := range sec.Questions {
			qpath := fmt.Sprintf("%s.questions[%d]", path, j)
			count++
			checkQuestion(&p, qpath, q, earlier)
			if _, dup := earlier[q.Key]; !dup && q.Key != "" {
				earlier[q.Key] = q
			}
		}
	}
	if count > maxQuestions {
		p.Add("sections", "at most %d questions in all", maxQuestions)
	}
	return p.Err("the survey definition is not valid")
}

func checkText(p *Problems, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		p.Add(field, "is required")
	case len([]rune(s)) > max:
		p.Add(field, "must have at most %d characters", max)
	}
}

func checkPolicy(p *Problems, pol ResultsPolicy) {
	if pol.Visibility != VisibilityAnonymous && pol.Visibility != VisibilityNamed {
		p.Add("results_policy.visibility", "must be anonymous or named")
	}
	if pol.MinRespondents < 1 || pol.MinRespondents > 1000 {
		p.Add("results_policy.min_respondents", "must be from 1 to 1000")
	}
}

func checkQuestion(p *Problems, path string, q Question, earlier map[string]Question) {
	switch {
	case !ValidSnakeKey(q.Key):
		p.Add(path+".key", "a key is snake_case: lowercase letters and digits joined by _, starting with a letter")
	default:
		if _, dup := earlier[q.Key]; dup {
			p.Add(path+".key", "question key %q is used twice", q.Key)
		}
	}
	if !q.Type.valid() {
		p.Add(path+".type", "unknown question type %q; one of %s", q.Type, joinTypes())
		return // the rest depends on the type
	}
	checkText(p, path+".prompt", q.Prompt, maxText, true)
	checkText(p, path+".help", q.Help, maxText, false)
	checkText(p, path+".unit", q.Unit, 50, false)
	checkTranslations(p, path+".prompt_translations", q.PromptTranslations, q.Prompt, maxText)
	checkTranslations(p, path+".help_translations", q.HelpTranslations, q.Help, maxText)
	if q.Unit != "" && !q.Type.IsNumeric() {
		p.Add(path+".unit", "only numeric questions have a unit")
	}
	if q.Magnitude && q.Type != Integer && q.Type != Number {
		p.Add(path+".magnitude", "only integer and number questions are amounts")
	}
	checkOptions(p, path, q)
	checkConstraints(p, path+".constraints", q)
	if q.Condition != nil {
		checkCondition(p, path+".condition", *q.Condition, earlier)
	}
}

func joinTypes() string {
	names := make([]string, len(QuestionTypes))
	for i, t := range QuestionTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func checkOptions(p *Problems, path string, q Question) {
	if !q.Type.IsChoice() {
		if len(q.Options) > 0 {
			p.Add(path+".options", "only single_choice and multiple_choice questions have options")
		}
		return
	}
	if len(q.Options) < 2 {
		p.Add(path+".options", "a choice question needs at least 2 options")
	}
	if len(q.Options) > maxOptions {
		p.Add(path+".options", "at most %d options", maxOptions)
	}
	seen := map[string]bool{}
	for i, o := range q.Options {
		opath := fmt.Sprintf("%s.options[%d]", path, i)
		switch {
		case !ValidSnakeKey(o.Key):
			p.Add(opath+".key", "a key is snake_case: lowercase letters and digits joined by _, starting with a letter")
		case seen[o.Key]:
			p.Add(opath+".key", "option key %q is used twice", o.Key)
		}
		seen[o.Key] = true
		checkText(p, opath+".label", o.Label, maxTitle, true)
		checkTranslations(p, opath+".label_translations", o.LabelTranslations, o.Label, maxTitle)
	}
}

func checkConstraints(p *Problems, path string, q Question) {
	c := q.Constraints
	only := func(set bool, field string, ok bool, which string) {
		if set && !ok {
			p.Add(path+"."+field, "applies only to %s questions", which)
		}
	}
	numeric := q.Type == Integer || q.Type == Number || q.Type == Percentage
	only(c.Min != nil, "min", numeric, "integer, number and percentage")
	only(c.Max != nil, "max", numeric, "integer, number and percentage")
	only(c.MinDate != nil, "min_date", q.Type == Date, "date")
	only(c.MaxDate != nil, "max_date", q.Type == Date, "date")
	only(c.MaxLength != nil, "max_length", q.Type == Text, "text")
	only(c.MinSelections != nil, "min_selections", q.Type == MultipleChoice, "multiple_choice")
	only(c.MaxSelections != nil, "max_selections", q.Type == MultipleChoice, "multiple_choice")
	only(c.ScaleSize != nil, "scale_size", q.Type == Scale, "scale")

	if numeric {
		for _, b := range []struct {
			field string
			v     *float64
		}{{"min", c.Min}, {"max", c.Max}} {
			field, v := b.field, b.v
			switch {
			case v == nil:
			case math.IsNaN(*v) || math.IsInf(*v, 0) || math.Abs(*v) > MaxMagnitude:
				p.Add(path+"."+field, "must be a number between -%g and %g", MaxMagnitude, MaxMagnitude)
			case q.Type == Integer && *v != math.Trunc(*v):
				p.Add(path+"."+field, "must be a whole number for an integer question")
			case q.Type == Percentage && (*v < 0 || *v > 100):
				p.Add(path+"."+field, "must be from 0 to 100 for a percentage")
			}
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			p.Add(path+".min", "min (%v) is greater than max (%v)", *c.Min, *c.Max)
		}
	}
	if q.Type == Date {
		var lo, hi time.Time
		for _, b := range []struct {
			field string
			v     *string
		}{{"min_date", c.MinDate}, {"max_date", c.MaxDate}} {
			field, v := b.field, b.v
			if v == nil {
				continue
			}
			d, err := time.Parse(time.DateOnly, *v)
			if err != nil {
				p.Add(path+"."+field, "must be a date as YYYY-MM-DD")
			} else if field == "min_date" {
				lo = d
			} else {
				hi = d
			}
		}
		if !lo.IsZero() && !hi.IsZero() && lo.After(hi) {
			p.Add(path+".min_date", "min_date is after max_date")
		}
	}
	if c.MaxLength != nil && (*c.MaxLength < 1 || *c.MaxLength > DefaultMaxTextLength) {
		p.Add(path+".max_length", "must be from 1 to %d", DefaultMaxTextLength)
	}
	if q.Type == MultipleChoice {
		n := len(q.Options)
		if c.MinSelections != nil && (*c.MinSelections < 0 || *c.MinSelections > n) {
			p.Add(path+".min_selections", "must be from 0 to the number of options (%d)", n)
		}
		if c.MaxSelections != nil && (*c.MaxSelections < 1 || *c.MaxSelections > n) {
			p.Add(path+".max_selections", "must be from 1 to the number of options (%d)", n)
		}
		if c.MinSelections != nil && c.MaxSelections != nil && *c.MinSelections > *c.MaxSelections {
			p.Add(path+".min_selections", "min_selections (%d) is greater than max_selections (%d)", *c.MinSelections, *c.MaxSelections)
		}
	}
	if q.Type == Scale {
		if c.ScaleSize == nil {
			p.Add(path+".scale_size", "a scale question needs scale_size, the top of its 1..N scale")
		} else if *c.ScaleSize < 2 || *c.ScaleSize > maxScaleSize {
			p.Add(path+".scale_size", "must be from 2 to %d", maxScaleSize)
		}
	}
}

func checkCondition(p *Problems, path string, c Condition, earlier map[string]Question) {
	target, ok := earlier[c.Question]
	if !ok {
		p.Add(path+".question", "must name an earlier question of this survey; %q is not one", c.Question)
		return
	}
	if !target.Type.valid() {
		return // the target's own type is reported; comparing with it says nothing more
	}
	switch c.Operator {
	case OpEquals, OpNotEquals:
		if len(c.Values) > 0 {
			p.Add(path+".values", "%s compares with value, not values", c.Operator)
		}
		if reason := conditionValueFits(target, c.Value); reason != "" {
			p.Add(path+".value", "%s", reason)
		}
	case OpOneOf:
		if c.Value != nil {
			p.Add(path+".value", "one_of compares with values, not value")
		}
		if len(c.Values) == 0 {
			p.Add(path+".values", "one_of needs a list of values")
		}
		for i, v := range c.Values {
			if reason := conditionValueFits(target, v); reason != "" {
				p.Add(fmt.Sprintf("%s.values[%d]", path, i), "%s", reason)
			}
		}
	case OpAnswered:
		if c.Value != nil || len(c.Values) > 0 {
			p.Add(path+".value", "answered takes no value")
		}
	case OpAtLeast:
		if len(c.Values) > 0 {
			p.Add(path+".values", "at_least compares with value, not values")
		}
		if !target.Type.IsNumeric() {
			p.Add(path+".operator", "at_least applies only to numeric questions; %s is %s", target.Key, target.Type)
		} else if reason := conditionValueFits(target, c.Value); reason != "" {
			p.Add(path+".value", "%s", reason)
		}
	default:
		p.Add(path+".operator", "unknown operator %q; one of equals, not_equals, one_of, answered, at_least", c.Operator)
	}
}

// conditionValueFits says why v cannot be compared with answers to q, or "".
func conditionValueFits(q Question, v any) string {
	if v == nil {
		return "a value is required"
	}
	switch q.Type {
	case SingleChoice, MultipleChoice:
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("must be an option key of %s", q.Key)
		}
		for _, o := range q.Options {
			if o.Key == s {
				return ""
			}
		}
		return fmt.Sprintf("%q is not an option of %s", s, q.Key)
	case Boolean:
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("must be true or false, as %s is a boolean question", q.Key)
		}
	case Integer, Number, Percentage, Scale:
		if _, ok := toFloat(v); !ok {
			return fmt.Sprintf("must be a number, as %s is a %s question", q.Key, q.Type)
		}
	case Text:
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("must be a string, as %s is a text question", q.Key)
		}
	case Date:
		s, ok := v.(string)
		if _, err := time.Parse(time.DateOnly, s); !ok || err != nil {
			return fmt.Sprintf("must be a date as YYYY-MM-DD, as %s is a date question", q.Key)
		}
	}
	return ""
}

// toFloat reads a JSON-decoded number.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int:
		return float64(n), true
	}
	return 0, false
}

// IsMagnitude reports whether the answers to q in s are amounts to which the p %
// rule applies (decision 0010): questions marked so, and every number of the
// editions of a recurring series, whose questions are monthly or yearly
// statistics.
func (s Survey) IsMagnitude(q Question) bool {
	return (q.Type == Integer || q.Type == Number) && (q.Magnitude || s.Period != "")
}
