// Package forms turns a questionnaire into the formats other tools author and
// render forms in, and back: SurveyJS JSON (the form library's own format) and
// XLSForm (the spreadsheet format of ODK and KoboToolbox). Every text goes with
// its translations.
//
// Nothing is lost quietly either way: what one side can say and the other cannot
// is refused with an Invalid error that names the element and why, and a file
// that cannot be read at all is Malformed, named by its place in the file (a
// JSON path, or a sheet and cell). See docs/decisions/0016-questionnaire-formats.md.
package forms

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// MaxFileBytes is the largest file an import takes: the API's body limit.
const MaxFileBytes = 1 << 20

// refusals collects the problems of one conversion, each named by its place.
type refusals struct{ p survey.Problems }

func (r *refusals) add(field, format string, args ...any) { r.p.Add(field, format, args...) }

func (r *refusals) err(message string) error { return r.p.Err(message) }

// validate checks the imported survey by the domain's rules and reports each
// problem at the place in the file it came from; rename maps a domain path
// ("sections[0].questions[2].prompt") to that place.
func validate(s survey.Survey, rename func(string) string, message string) error {
	err := s.Validate()
	e, ok := err.(*survey.Error)
	if !ok {
		return err
	}
	out := &survey.Error{Code: e.Code, Message: message}
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, survey.FieldError{Field: rename(f.Field), Reason: f.Reason})
	}
	return out
}

// domainPath splits a domain path into the indexes of its section and question
// (each -1 when absent), its option index (-1), and the rest after them.
func domainPath(path string) (sec, q, opt int, rest string) {
	sec, q, opt = -1, -1, -1
	rest = path
	take := func(prefix string) int {
		if !strings.HasPrefix(rest, prefix+"[") {
			return -1
		}
		end := strings.Index(rest, "]")
		n, err := strconv.Atoi(rest[len(prefix)+1 : end])
		if err != nil {
			return -1
		}
		rest = strings.TrimPrefix(rest[end+1:], ".")
		return n
	}
	if sec = take("sections"); sec >= 0 {
		if q = take("questions"); q >= 0 {
			opt = take("options")
		}
	}
	return sec, q, opt, rest
}

// formatNumber writes a number as both formats read it: no exponent, no
// trailing zeros.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
