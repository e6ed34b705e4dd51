package results

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/tldcouncil/surveyd/internal/disclosure"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// Cell names one cell of a published edition: a question over all respondents
// (Group "") or over one peer group as it was at publication.
type Cell struct {
	Group    string
	Question string
}

// Edition is one published edition as the disclosure audit sees it.
type Edition struct {
	Survey      survey.Survey
	Groups      map[string][]string      // published peer groups and their members
	Respondents []string                 // the members that submitted a response
	Cells       map[Cell]disclosure.Code // the decisions taken; nil when not audited yet
}

// AnswersOf reads the submitted answers to one question in the given editions
// (by survey id): survey → member → answer. Audit reads the answers a question at
// a time, so that it never holds more than one question's.
type AnswersOf func(q survey.Question, surveyIDs []string) (map[string]map[string]survey.Value, error)

// Kind is how the audit treats a question's answers, or false for questions
// whose cells it does not audit: text (n only) and dates, which members see
// only as bars wide enough to need no audit (decision 0010). Numbers are magnitudes when the question
// says so, and in the editions of a recurring series, whose questions are
// monthly or yearly statistics.
func Kind(sv survey.Survey, q survey.Question) (disclosure.Kind, bool) {
	switch {
	case q.Type == survey.MultipleChoice:
		return disclosure.Multiple, true
	case q.Type.IsChoice() || q.Type == survey.Boolean || q.Type == survey.Scale:
		return disclosure.Choice, true
	case sv.IsMagnitude(q):
		return disclosure.Magnitude, true
	case isNumber(q.Type):
		return disclosure.Numeric, true
	}
	return 0, false
}

func isNumber(t survey.QuestionType) bool {
	return t == survey.Integer || t == survey.Number || t == survey.Percentage
}

// Audit decides which cells of editions[target] members may read, given the
// cells of every edition already audited (which members may have read, and which
// stay as they are). Within the edition, the whole membership comes first and
// then the peer groups from the largest, so that secondary suppression takes the
// least useful cells. Named surveys show every answer by design and suppress
// nothing.
func Audit(editions []Edition, target int, answersOf AnswersOf) (map[Cell]disclosure.Code, error) {
	editions = slices.Clone(editions)
	for i, e := range editions {
		if !slices.IsSorted(e.Respondents) {
			editions[i].Respondents = slices.Sorted(slices.Values(e.Respondents))
		}
	}
	ed := editions[target]
	out := map[Cell]disclosure.Code{}
	scopes := []string{""}
	size := map[string]int{}
	for g := range ed.Groups {
		scopes = append(scopes, g)
		size[g] = len(respondents(ed, g))
	}
	slices.SortFunc(scopes, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "": // all respondents first
			return -1
		case b == "":
			return 1
		}
		return cmp.Or(cmp.Compare(size[b], size[a]), cmp.Compare(a, b))
	})
	members := make([][]string, len(scopes)) // the target's respondents in each scope
	for i, sc := range scopes {
		members[i] = respondents(ed, sc)
	}
	rules := disclosure.Rules{K: ed.Survey.Policy.MinRespondents, P: disclosure.DefaultP}
	for _, q := range ed.Survey.Questions() {
		if _, ok := Kind(ed.Survey, q); !ok {
			continue
		}
		if ed.Survey.Policy.Visibility == survey.VisibilityNamed {
			for _, sc := range scopes {
				out[Cell{sc, q.Key}] = disclosure.Shown
			}
			continue
		}
		// The same key in another edition is the same variable: the attacker
		// assumes answers do not change. Each member's answer is its latest.
		var used []int
		var ids []string
		for i, e := range editions {
			pq, ok := e.Survey.Question(q.Key)
			if !ok || pq.Type != q.Type || (i != target && (e.Cells == nil || e.Survey.Policy.Visibility == survey.VisibilityNamed)) {
				continue
			}
			used = append(used, i)
			ids = append(ids, e.Survey.ID)
		}
		answers, err := answersOf(q, ids)
		if err != nil {
			return nil, err
		}
		for c, code := range auditQuestion(rules, editions, target, q, used, answers, scopes, members) {
			out[c] = code
		}
	}
	return out, nil
}

// auditQuestion decides the cells of one question of editions[target], over
// the editions used (those that have the question and whose cells members may
// read) and their answers to it.
func auditQuestion(rules disclosure.Rules, editions []Edition, target int, q survey.Question, used []int,
	answers map[string]map[string]survey.Value, scopes []string, members [][]string) map[Cell]disclosure.Code {
	kind, _ := Kind(editions[target].Survey, q)
	n := 0
	for _, i := range used {
		n = max(n, len(answers[editions[i].Survey.ID]))
	}
	// Sized for the largest edition at once: growing a map of a hundred
	// thousand answers leaves its smaller tables behind as garbage.
	dq := disclosure.Question{Kind: kind, Options: optionKeys(q), Answers: make(map[string]disclosure.Answer, n)}
	answered := func(of map[string]survey.Value, ms []string) disclosure.Cell {
		var c disclosure.Cell
		for _, m := range ms {
			if _, ok := of[m]; ok {
				c.Members = append(c.Members, m)
			}
		}
		return c
	}
	var frozen []disclosure.Cell
	for _, i := range used {
		e := editions[i]
		for m, v := range answers[e.Survey.ID] {
			dq.Answers[m] = answerOf(q, v)
		}
		if i == target {
			continue
		}
		for c, code := range e.Cells {
			if c.Question != q.Key || code != disclosure.Shown {
				continue
			}
			frozen = append(frozen, answered(answers[e.Survey.ID], respondents(e, c.Group)))
		}
	}
	// The target's own answers win over earlier ones.
	own := answers[editions[target].Survey.ID]
	for m, v := range own {
		dq.Answers[m] = answerOf(q, v)
	}
	candidates := make([]disclosure.Cell, len(scopes))
	for i := range scopes {
		candidates[i] = answered(own, members[i])
	}
	out := make(map[Cell]disclosure.Code, len(scopes))
	for i, code := range disclosure.Suppress(rules, dq, frozen, candidates) {
		out[Cell{scopes[i], q.Key}] = code
	}
	return out
}

// respondents are the members of a scope of e that submitted a response, in
// order; e.Respondents must be in order.
func respondents(e Edition, scope string) []string {
	if scope == "" {
		return e.Respondents
	}
	var ms []string
	for _, m := range e.Groups[scope] {
		if _, ok := slices.BinarySearch(e.Respondents, m); ok {
			ms = append(ms, m)
		}
	}
	slices.Sort(ms)
	return ms
}

// optionKeys are the keys a question's answers are counted by.
func optionKeys(q survey.Question) []string {
	switch q.Type {
	case survey.Boolean:
		return []string{"true", "false"}
	case survey.Scale:
		var keys []string
		if q.Constraints.ScaleSize != nil {
			for i := 1; i <= *q.Constraints.ScaleSize; i++ {
				keys = append(keys, strconv.Itoa(i))
			}
		}
		return keys
	}
	keys := make([]string, len(q.Options))
	for i, o := range q.Options {
		keys[i] = o.Key
	}
	return keys
}

func answerOf(q survey.Question, v survey.Value) disclosure.Answer {
	var a disclosure.Answer
	switch {
	case v.Bool != nil:
		a.Options = []string{strconv.FormatBool(*v.Bool)}
	case q.Type == survey.Scale && v.Number != nil:
		a.Options = []string{strconv.Itoa(int(*v.Number))}
	case q.Type.IsChoice():
		a.Options = v.Options
	case v.Number != nil:
		a.Number = *v.Number
	}
	return a
}

// Reason is the text that goes with a code, for people.
func Reason(code disclosure.Code, k int) string {
	switch code {
	case disclosure.BelowThreshold:
		return fmt.Sprintf("fewer than %d respondents answered", k)
	case disclosure.Dominance:
		return "one respondent's answer makes up so much of the total that it could be estimated to within 10 %"
	case disclosure.Unanimous:
		return "all respondents, or all but one, gave the same answer, so it would reveal theirs"
	case disclosure.WouldDisclose:
		return "together with figures already shown (the whole, other peer groups, other editions or periods) it would reveal the answers of fewer than " + strconv.Itoa(k) + " respondents"
	case NotSubmitted:
		return "these results are for the members that submitted a response, and yours did not"
	case OrderStatistic:
		return "an order statistic such as the median would be one respondent's answer"
	}
	return string(code)
}

// Codes of suppression that the audit does not decide.
const (
	NotSubmitted   disclosure.Code = "not_submitted"   // respondents-only results, and the member did not submit
	OrderStatistic disclosure.Code = "order_statistic" // a median or quartile that could be one member's answer
)
