package forms

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// xlsLiteral writes a condition value of target in XLSForm: a boolean as the
// name of its yes/no choice, a date with date(), the rest as in SurveyJS.
func xlsLiteral(v any, target survey.Question) (string, error) {
	if b, ok := v.(bool); ok {
		if b {
			return "'yes'", nil
		}
		return "'no'", nil
	}
	lit, err := writeLiteral(v)
	if err == nil && target.Type == survey.Date {
		lit = "date(" + lit + ")"
	}
	return lit, err
}

// xlsRelevant writes c, a condition on target, as an XLSForm relevant. ODK
// treats the answer of a question that is not relevant as empty, as the server
// does, so no condition needs repeating.
func xlsRelevant(c survey.Condition, target survey.Question) (string, error) {
	ref := "${" + c.Question + "}"
	multi := target.Type == survey.MultipleChoice
	eq := func(v any) (string, error) {
		lit, err := xlsLiteral(v, target)
		if multi {
			return "selected(" + ref + ", " + lit + ")", err
		}
		return ref + " = " + lit, err
	}
	switch c.Operator {
	case survey.OpAnswered:
		return ref + " != ''", nil
	case survey.OpEquals:
		return eq(c.Value)
	case survey.OpNotEquals:
		lit, err := xlsLiteral(c.Value, target)
		if multi {
			return ref + " != '' and not(selected(" + ref + ", " + lit + "))", err
		}
		return ref + " != '' and " + ref + " != " + lit, err
	case survey.OpAtLeast:
		lit, err := xlsLiteral(c.Value, target)
		return ref + " >= " + lit, err
	case survey.OpOneOf:
		parts := make([]string, len(c.Values))
		for i, v := range c.Values {
			p, err := eq(v)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return strings.Join(parts, " or "), nil
	}
	return "", fmt.Errorf("the operator %s has no XLSForm form", c.Operator)
}

// splitTop splits toks at each top-level word (and, or).
func splitTop(toks []token, word string) [][]token {
	var parts [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == 'p' && t.text == "(":
			depth++
		case t.kind == 'p' && t.text == ")":
			depth--
		case t.kind == 'w' && strings.EqualFold(t.text, word) && depth == 0:
			parts = append(parts, toks[start:i])
			start = i + 1
		}
	}
	return append(parts, toks[start:])
}

// xlsAtom is one comparison of a relevant: ref op value.
type xlsAtom struct {
	ref, op string
	value   any
	isEmpty bool // compared with ''
}

const xlsForms = "the supported forms are ${q} = v, selected(${q}, v), ${q} != '' and ${q} != v, ${q} != '' and not(selected(${q}, v)), ${q} = a or ${q} = b, ${q} != '', ${q} >= n"

// xlsAtomOf reads ${q} = v, ${q} != v, ${q} >= v, selected(${q}, v) and
// not(selected(${q}, v)).
func xlsAtomOf(toks []token) (xlsAtom, error) {
	c := canonical(toks)
	if len(toks) >= 3 && toks[0].kind == 'v' {
		v, empty, ok := xlsValue(toks[2:])
		if !ok {
			return xlsAtom{}, fmt.Errorf("%s: the value must be a string, a number or date('YYYY-MM-DD')", c)
		}
		switch op := canonical(toks[1:2]); op {
		case "=", "<>", ">=":
			return xlsAtom{ref: toks[0].text, op: op, value: v, isEmpty: empty}, nil
		}
	}
	neg := false
	if len(toks) > 3 && strings.EqualFold(toks[0].text, "not") && toks[1].text == "(" && toks[len(toks)-1].text == ")" {
		neg, toks = true, toks[2:len(toks)-1]
	}
	if len(toks) >= 6 && strings.EqualFold(toks[0].text, "selected") && toks[1].text == "(" && toks[2].kind == 'v' &&
		toks[3].text == "," && toks[len(toks)-1].text == ")" {
		v, _, ok := xlsValue(toks[4 : len(toks)-1])
		if !ok {
			return xlsAtom{}, fmt.Errorf("%s: selected() takes a choice name", c)
		}
		op := "selected"
		if neg {
			op = "notselected"
		}
		return xlsAtom{ref: toks[2].text, op: op, value: v}, nil
	}
	return xlsAtom{}, fmt.Errorf("%s is not understood; %s", c, xlsForms)
}

// xlsValue reads a literal: 'text', a number, or date('YYYY-MM-DD').
func xlsValue(toks []token) (v any, empty, ok bool) {
	if len(toks) == 1 && (toks[0].kind == 's' || toks[0].kind == 'n') {
		v, ok := literal(toks[0])
		return v, toks[0].kind == 's' && toks[0].text == "", ok
	}
	if len(toks) == 4 && strings.EqualFold(toks[0].text, "date") && toks[1].text == "(" && toks[2].kind == 's' && toks[3].text == ")" {
		return toks[2].text, false, true
	}
	return nil, false, false
}

// parseRelevant reads an XLSForm relevant into a condition on an earlier question.
func parseRelevant(expr string, earlier map[string]survey.Question) (*survey.Condition, error) {
	toks, err := lex(expr, true)
	if err != nil {
		return nil, err
	}
	var atoms []xlsAtom
	ors := splitTop(toks, "or")
	ands := splitTop(toks, "and")
	if len(ors) > 1 && len(ands) > 1 {
		return nil, fmt.Errorf("and and or cannot be mixed; %s", xlsForms)
	}
	parts := ands
	if len(ors) > 1 {
		parts = ors
	}
	for _, p := range parts {
		if len(p) == 0 {
			return nil, fmt.Errorf("and/or needs something on both sides")
		}
		a, err := xlsAtomOf(p)
		if err != nil {
			return nil, err
		}
		if len(atoms) > 0 && a.ref != atoms[0].ref {
			return nil, fmt.Errorf("a condition may refer to one question only, not to ${%s} and ${%s}", atoms[0].ref, a.ref)
		}
		atoms = append(atoms, a)
	}
	key := atoms[0].ref
	target, ok := earlier[key]
	if !ok {
		return nil, fmt.Errorf("${%s} is not an earlier question of this survey", key)
	}
	value := func(v any) any { // a boolean is asked as yes/no
		if target.Type == survey.Boolean {
			switch v {
			case "yes":
				return true
			case "no":
				return false
			}
		}
		return v
	}
	isEq := func(a xlsAtom) bool { return (a.op == "=" || a.op == "selected") && !a.isEmpty }
	c := &survey.Condition{Question: key}
	switch {
	case len(ors) > 1:
		for _, a := range atoms {
			if !isEq(a) {
				return nil, fmt.Errorf("or is supported only between equal comparisons of one question; %s", xlsForms)
			}
			c.Values = append(c.Values, value(a.value))
		}
		c.Operator = survey.OpOneOf
	case len(atoms) == 1 && atoms[0].op == "<>" && atoms[0].isEmpty:
		c.Operator = survey.OpAnswered
	case len(atoms) == 1 && isEq(atoms[0]):
		c.Operator, c.Value = survey.OpEquals, value(atoms[0].value)
	case len(atoms) == 1 && atoms[0].op == ">=":
		c.Operator, c.Value = survey.OpAtLeast, atoms[0].value
	case len(atoms) == 2 && atoms[0].op == "<>" && atoms[0].isEmpty && (atoms[1].op == "<>" || atoms[1].op == "notselected") && !atoms[1].isEmpty:
		c.Operator, c.Value = survey.OpNotEquals, value(atoms[1].value)
	case len(atoms) == 1 && (atoms[0].op == "<>" || atoms[0].op == "notselected"):
		return nil, fmt.Errorf("this also holds while ${%s} is unanswered, which here hides the question; write ${%s} != '' and ...", key, key)
	default:
		return nil, fmt.Errorf("%s", xlsForms)
	}
	if (c.Operator == survey.OpEquals || c.Operator == survey.OpOneOf) && target.Type == survey.MultipleChoice {
		for _, a := range atoms {
			if a.op != "selected" {
				return nil, fmt.Errorf("${%s} is a select_multiple: use selected(${%s}, v)", key, key)
			}
		}
	}
	return c, nil
}

// xlsConstraint writes the constraints of q as an XLSForm constraint on ".".
func xlsConstraint(q survey.Question) string {
	c := q.Constraints
	var parts []string
	bound := func(op string, v *float64) {
		if v != nil {
			parts = append(parts, ". "+op+" "+formatNumber(*v))
		}
	}
	bound(">=", c.Min)
	bound("<=", c.Max)
	if c.MinDate != nil {
		parts = append(parts, ". >= date('"+*c.MinDate+"')")
	}
	if c.MaxDate != nil {
		parts = append(parts, ". <= date('"+*c.MaxDate+"')")
	}
	if c.MaxLength != nil {
		parts = append(parts, "string-length(.) <= "+strconv.Itoa(*c.MaxLength))
	}
	if c.MinSelections != nil {
		parts = append(parts, "count-selected(.) >= "+strconv.Itoa(*c.MinSelections))
	}
	if c.MaxSelections != nil {
		parts = append(parts, "count-selected(.) <= "+strconv.Itoa(*c.MaxSelections))
	}
	return strings.Join(parts, " and ")
}

// parseConstraint reads an XLSForm constraint into c, for a question of type t.
func parseConstraint(expr string, t survey.QuestionType, c *survey.Constraints) error {
	const forms = "the supported forms are . >= n, . <= n, . >= date('YYYY-MM-DD'), string-length(.) <= n, count-selected(.) >= n, count-selected(.) <= n, joined by and"
	toks, err := lex(expr, true)
	if err != nil {
		return err
	}
	for _, p := range splitTop(toks, "and") {
		subject := ""
		switch {
		case len(p) >= 3 && p[0].text == ".":
			subject, p = ".", p[1:]
		case len(p) >= 6 && p[1].text == "(" && p[2].text == "." && p[3].text == ")":
			subject, p = strings.ToLower(p[0].text), p[4:]
		default:
			return fmt.Errorf("%s is not understood; %s", canonical(p), forms)
		}
		op := canonical(p[:1])
		if op != ">=" && op != "<=" {
			return fmt.Errorf("%s: only >= and <= bound an answer here", canonical(p))
		}
		v, _, ok := xlsValue(p[1:])
		if !ok {
			return fmt.Errorf("%s: a bound is a number or date('YYYY-MM-DD')", canonical(p))
		}
		f, isNum := v.(float64)
		s, isStr := v.(string)
		n := int(f)
		whole := isNum && float64(n) == f
		switch {
		case subject == "." && isStr && t == survey.Date && op == ">=":
			c.MinDate = &s
		case subject == "." && isStr && t == survey.Date:
			c.MaxDate = &s
		case subject == "." && isNum && op == ">=":
			c.Min = &f
		case subject == "." && isNum:
			c.Max = &f
		case subject == "string-length" && whole && op == "<=":
			c.MaxLength = &n
		case subject == "count-selected" && whole && op == ">=":
			c.MinSelections = &n
		case subject == "count-selected" && whole:
			c.MaxSelections = &n
		default:
			return fmt.Errorf("%s cannot bound a %s question; %s", canonical(p), t, forms)
		}
	}
	return nil
}
