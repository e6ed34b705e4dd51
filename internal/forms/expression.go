package forms

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// token is one lexeme of a SurveyJS or XLSForm expression.
type token struct {
	kind byte // v variable, s string, n number, w word, p punctuation or operator
	text string
}

// canonical writes the tokens back in one spelling, so that two ways of writing
// the same expression compare equal.
func canonical(toks []token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		switch t.kind {
		case 'v':
			parts[i] = "{" + t.text + "}"
		case 's':
			parts[i] = "'" + t.text + "'"
		case 'w':
			parts[i] = strings.ToLower(t.text)
		default:
			parts[i] = t.text
		}
		switch parts[i] {
		case "==":
			parts[i] = "="
		case "!=":
			parts[i] = "<>"
		}
	}
	return strings.Join(parts, " ")
}

// lex splits an expression into tokens. Variables are {name} in SurveyJS and
// ${name} in XLSForm; dollar says which.
func lex(expr string, dollar bool) ([]token, error) {
	var out []token
	rs := []rune(expr)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '{' || (dollar && r == '$'):
			start := i + 1
			if dollar {
				if i+1 >= len(rs) || rs[i+1] != '{' {
					return nil, fmt.Errorf("a $ must start a ${name} reference")
				}
				start = i + 2
			}
			end := start
			for end < len(rs) && rs[end] != '}' {
				end++
			}
			if end == len(rs) {
				return nil, fmt.Errorf("a { is not closed")
			}
			out = append(out, token{'v', strings.TrimSpace(string(rs[start:end]))})
			i = end + 1
		case r == '\'' || r == '"':
			end := i + 1
			for end < len(rs) && rs[end] != r {
				if rs[end] == '\\' {
					return nil, fmt.Errorf("escapes in strings are not supported")
				}
				end++
			}
			if end == len(rs) {
				return nil, fmt.Errorf("a string is not closed")
			}
			out = append(out, token{'s', string(rs[i+1 : end])})
			i = end + 1
		case unicode.IsDigit(r) || (r == '-' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])):
			end := i + 1
			for end < len(rs) && (unicode.IsDigit(rs[end]) || rs[end] == '.') {
				end++
			}
			out = append(out, token{'n', string(rs[i:end])})
			i = end
		case unicode.IsLetter(r) || r == '_':
			end := i + 1
			for end < len(rs) && (unicode.IsLetter(rs[end]) || unicode.IsDigit(rs[end]) || rs[end] == '_' || rs[end] == '-') {
				end++
			}
			out = append(out, token{'w', string(rs[i:end])})
			i = end
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "==", "!=", "<>", ">=", "<=":
				out = append(out, token{'p', two})
				i += 2
				continue
			}
			if !strings.ContainsRune("=<>()[],.", r) {
				return nil, fmt.Errorf("%q is not understood", string(r))
			}
			out = append(out, token{'p', string(r)})
			i++
		}
	}
	return out, nil
}

// splitAnd splits toks at each top-level "and".
func splitAnd(toks []token) ([][]token, error) {
	var parts [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case t.kind == 'p' && (t.text == "(" || t.text == "["):
			depth++
		case t.kind == 'p' && (t.text == ")" || t.text == "]"):
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("a bracket is closed that was not opened")
			}
		case t.kind == 'w' && strings.EqualFold(t.text, "and") && depth == 0:
			parts = append(parts, toks[start:i])
			start = i + 1
		case t.kind == 'w' && strings.EqualFold(t.text, "or") && depth == 0:
			return nil, fmt.Errorf("or is supported only between equal comparisons of one question")
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("a bracket is not closed")
	}
	parts = append(parts, toks[start:])
	for _, p := range parts {
		if len(p) == 0 {
			return nil, fmt.Errorf("and needs something on both sides")
		}
	}
	return parts, nil
}

// literal is the value of a string, number or boolean token.
func literal(t token) (any, bool) {
	switch t.kind {
	case 's':
		return t.text, true
	case 'n':
		var f float64
		if err := json.Unmarshal([]byte(t.text), &f); err != nil {
			return nil, false
		}
		return f, true
	case 'w':
		switch strings.ToLower(t.text) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return nil, false
}

// writeLiteral writes a condition value as both formats read it. Option keys,
// dates and texts are quoted; a text holding both quotes cannot be written.
func writeLiteral(v any) (string, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case string:
		switch {
		case !strings.Contains(x, "'"):
			return "'" + x + "'", nil
		case !strings.Contains(x, `"`):
			return `"` + x + `"`, nil
		}
		return "", fmt.Errorf("the value %s holds both kinds of quote, which an expression cannot", x)
	}
	if f, ok := number(v); ok {
		return formatNumber(f), nil
	}
	return "", fmt.Errorf("the value %v cannot be written in an expression", v)
}

// number reads a condition value that is a number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// sjCondition writes c, a condition on target, as a SurveyJS expression (without
// the condition of target itself).
func sjCondition(c survey.Condition, target survey.Question) (string, error) {
	ref := "{" + c.Question + "}"
	multi := target.Type == survey.MultipleChoice
	switch c.Operator {
	case survey.OpAnswered:
		return ref + " notempty", nil
	case survey.OpEquals, survey.OpNotEquals, survey.OpAtLeast:
		lit, err := writeLiteral(c.Value)
		if err != nil {
			return "", err
		}
		switch {
		case c.Operator == survey.OpAtLeast:
			return ref + " >= " + lit, nil
		case c.Operator == survey.OpEquals && multi:
			return ref + " contains " + lit, nil
		case c.Operator == survey.OpEquals:
			return ref + " = " + lit, nil
		case multi:
			return ref + " notempty and " + ref + " notcontains " + lit, nil
		}
		// SurveyJS finds an unanswered question "not equal" to anything; here it hides.
		return ref + " notempty and " + ref + " <> " + lit, nil
	case survey.OpOneOf:
		lits := make([]string, len(c.Values))
		for i, v := range c.Values {
			lit, err := writeLiteral(v)
			if err != nil {
				return "", err
			}
			lits[i] = lit
		}
		return ref + " anyof [" + strings.Join(lits, ", ") + "]", nil
	}
	return "", fmt.Errorf("the operator %s has no SurveyJS form", c.Operator)
}

// parseSJCondition reads a SurveyJS visibleIf. earlier holds the questions
// before the one being read, and visibleIf their own expressions as written in
// the file, so that a repeated condition of the question referred to ("... and
// (its visibleIf)") is recognised. It returns the condition, or why it cannot be
// kept.
func parseSJCondition(expr string, earlier map[string]survey.Question, visibleIf map[string][]string) (*survey.Condition, error) {
	toks, err := lex(expr, false)
	if err != nil {
		return nil, err
	}
	parts, err := splitAnd(toks)
	if err != nil {
		return nil, err
	}
	var own [][]token
	var group []token
	for i, p := range parts {
		if p[0].kind == 'p' && p[0].text == "(" {
			if i != len(parts)-1 || p[len(p)-1].text != ")" {
				return nil, fmt.Errorf("a part in brackets is supported only at the end, repeating the condition of the question referred to")
			}
			group = p[1 : len(p)-1]
			continue
		}
		own = append(own, p)
	}
	c, err := atomsToCondition(own, earlier)
	if err != nil {
		return nil, err
	}
	if group != nil {
		want := visibleIf[c.Question]
		got := canonical(group)
		ok := false
		for _, w := range want {
			if wt, err := lex(w, false); err == nil && canonical(wt) == got {
				ok = true
			}
		}
		if !ok {
			return nil, fmt.Errorf("the part in brackets must repeat the condition of {%s}; other combinations of conditions are not supported", c.Question)
		}
	}
	return c, nil
}

// atomsToCondition turns the comparisons joined by "and" into one condition.
func atomsToCondition(atoms [][]token, earlier map[string]survey.Question) (*survey.Condition, error) {
	const forms = "the supported forms are {q} = v, {q} contains v, {q} notempty and {q} <> v, {q} notempty and {q} notcontains v, {q} anyof [v, ...], {q} notempty and {q} >= n"
	if len(atoms) == 0 || len(atoms) > 2 {
		return nil, fmt.Errorf("%s", forms)
	}
	type atom struct {
		op     string
		values []any
	}
	var key string
	var got []atom
	for _, a := range atoms {
		if a[0].kind != 'v' || len(a) < 2 {
			return nil, fmt.Errorf("each comparison starts with a {question}; %s", forms)
		}
		if key != "" && a[0].text != key {
			return nil, fmt.Errorf("a condition may refer to one question only, not to {%s} and {%s}", key, a[0].text)
		}
		key = a[0].text
		op := canonical(a[1:2])
		rest := a[2:]
		switch op {
		case "notempty":
			if len(rest) != 0 {
				return nil, fmt.Errorf("notempty takes no value")
			}
			got = append(got, atom{op: op})
		case "=", "<>", "contains", "notcontains", ">=":
			if len(rest) != 1 {
				return nil, fmt.Errorf("%s takes one value", op)
			}
			v, ok := literal(rest[0])
			if !ok {
				return nil, fmt.Errorf("%s must be compared with a string, number, true or false", op)
			}
			got = append(got, atom{op: op, values: []any{v}})
		case "anyof":
			if len(rest) < 3 || rest[0].text != "[" || rest[len(rest)-1].text != "]" {
				return nil, fmt.Errorf("anyof takes a list such as ['a', 'b']")
			}
			var vals []any
			for i, t := range rest[1 : len(rest)-1] {
				if i%2 == 1 {
					if t.text != "," {
						return nil, fmt.Errorf("the values of anyof are separated by commas")
					}
					continue
				}
				v, ok := literal(t)
				if !ok {
					return nil, fmt.Errorf("the values of anyof must be strings, numbers, true or false")
				}
				vals = append(vals, v)
			}
			got = append(got, atom{op: op, values: vals})
		default:
			return nil, fmt.Errorf("the operator %q is not supported; %s", op, forms)
		}
	}
	target, ok := earlier[key]
	if !ok {
		return nil, fmt.Errorf("{%s} is not an earlier question of this survey", key)
	}
	multi := target.Type == survey.MultipleChoice
	c := &survey.Condition{Question: key}
	switch {
	case len(got) == 1 && got[0].op == "notempty":
		c.Operator = survey.OpAnswered
	case len(got) == 1 && got[0].op == "=" && !multi:
		c.Operator, c.Value = survey.OpEquals, got[0].values[0]
	case len(got) == 1 && got[0].op == "contains" && multi:
		c.Operator, c.Value = survey.OpEquals, got[0].values[0]
	case len(got) == 1 && got[0].op == "anyof":
		c.Operator, c.Values = survey.OpOneOf, got[0].values
	case len(got) == 1 && got[0].op == ">=":
		c.Operator, c.Value = survey.OpAtLeast, got[0].values[0]
	case len(got) == 2 && got[0].op == "notempty" && (got[1].op == "<>" && !multi || got[1].op == "notcontains" && multi):
		c.Operator, c.Value = survey.OpNotEquals, got[1].values[0]
	case len(got) == 2 && got[0].op == "notempty" && got[1].op == ">=":
		c.Operator, c.Value = survey.OpAtLeast, got[1].values[0]
	case len(got) == 1 && (got[0].op == "<>" || got[0].op == "notcontains"):
		return nil, fmt.Errorf("{%s} %s v also holds while {%s} is unanswered, which here hides the question; write {%s} notempty and {%s} %s v", key, got[0].op, key, key, key, got[0].op)
	case multi && got[len(got)-1].op == "=":
		return nil, fmt.Errorf("{%s} is a multiple choice: compare it with contains or anyof", key)
	case !multi && (got[len(got)-1].op == "contains" || got[len(got)-1].op == "notcontains"):
		return nil, fmt.Errorf("{%s} is not a multiple choice: compare it with = or <>", key)
	default:
		return nil, fmt.Errorf("%s", forms)
	}
	return c, nil
}
