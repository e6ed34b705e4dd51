package forms

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestSurveyJSRoundTrip(t *testing.T) {
	want := sample()
	doc, err := ToSurveyJS(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromSurveyJS(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		a, _ := json.MarshalIndent(got, "", " ")
		b, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("the round trip changed the survey:\n got %s\nwant %s", a, b)
	}
}

// TestSurveyJSImportTakesCreatorStyle reads a file as the SurveyJS Creator writes
// it: plain string choices, bounds as strings, layout properties, no rateMax.
func TestSurveyJSImportTakesCreatorStyle(t *testing.T) {
	got, err := FromSurveyJS([]byte(`{
	  "title": "Suspensions", "showProgressBar": "top",
	  "pages": [{"name": "basics", "title": {"default": "Basics", "fr": "Bases"}, "elements": [
	    {"type": "dropdown", "name": "policy", "title": "Policy?", "choices": ["yes", "no"], "isRequired": true, "startWithNewLine": false},
	    {"type": "text", "name": "count", "title": "How many?", "inputType": "number", "min": "0", "visibleIf": "{policy} == 'yes'"},
	    {"type": "rating", "name": "ease", "title": "Ease"},
	    {"type": "comment", "name": "notes", "title": "Notes", "visibleIf": "{count} notempty and {count} >= 10"}
	  ]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	qs := got.Questions()
	if len(qs) != 4 || qs[0].Type != survey.SingleChoice || qs[0].Options[0].Key != "yes" || qs[0].Options[0].Label != "yes" || !qs[0].Required {
		t.Errorf("policy: %+v", qs[0])
	}
	if qs[1].Type != survey.Number || *qs[1].Constraints.Min != 0 || qs[1].Condition.Operator != survey.OpEquals || qs[1].Condition.Value != "yes" {
		t.Errorf("count: %+v", qs[1])
	}
	if qs[2].Type != survey.Scale || *qs[2].Constraints.ScaleSize != 5 {
		t.Errorf("ease: %+v", qs[2])
	}
	if qs[3].Type != survey.Text || qs[3].Condition.Operator != survey.OpAtLeast || qs[3].Condition.Value != 10.0 {
		t.Errorf("notes: %+v", qs[3])
	}
	if got.Sections[0].TitleTranslations["fr"] != "Bases" {
		t.Errorf("page title translations: %v", got.Sections[0].TitleTranslations)
	}
}

// TestSurveyJSImportRefuses checks that what cannot be kept is refused by name.
func TestSurveyJSImportRefuses(t *testing.T) {
	page := func(elements string) string {
		return `{"title": "T", "pages": [{"name": "p", "title": "P", "elements": [` + elements + `]}]}`
	}
	yesNo := `{"type": "radiogroup", "name": "a", "title": "A", "choices": ["yes", "no"]}`
	for _, tc := range []struct {
		name, file string
		code       survey.Code
		field      string
		reason     string
	}{
		{"not JSON", `{"title": `, survey.Malformed, "", "not valid JSON"},
		{"not an object", `[1, 2]`, survey.Malformed, "", "JSON object"},
		{"two values", `{} {}`, survey.Malformed, "", "more than one"},
		{"unknown question type", page(`{"type": "matrix", "name": "m", "title": "M"}`), survey.Invalid, "pages[0].elements[0].type", "matrix"},
		{"input type", page(`{"type": "text", "name": "e", "title": "E", "inputType": "email"}`), survey.Invalid, "pages[0].elements[0].inputType", "email"},
		{"validators", page(`{"type": "text", "name": "e", "title": "E", "validators": [{"type": "email"}]}`), survey.Invalid, "pages[0].elements[0].validators", "would be lost"},
		{"other item", page(`{"type": "radiogroup", "name": "a", "title": "A", "choices": ["x", "y"], "showOtherItem": true}`), survey.Invalid, "pages[0].elements[0].showOtherItem", "would be lost"},
		{"panel", page(`{"type": "panel", "name": "x", "elements": []}`), survey.Invalid, "pages[0].elements[0].type", "panel"},
		{"page condition", `{"title": "T", "pages": [{"name": "p", "title": "P", "visibleIf": "{a} = 1", "elements": []}]}`, survey.Invalid, "pages[0].visibleIf", "would be lost"},
		{"numeric choice", page(`{"type": "radiogroup", "name": "a", "title": "A", "choices": [1, 2]}`), survey.Invalid, "pages[0].elements[0].choices[0]", "key"},
		{"choice key not snake", page(`{"type": "radiogroup", "name": "a", "title": "A", "choices": ["Yes", "No"]}`), survey.Invalid, "pages[0].elements[0].choices[0].value", "snake_case"},
		{"no title", page(`{"type": "boolean", "name": "b"}`), survey.Invalid, "pages[0].elements[0].title", "required"},
		{"or", page(yesNo + `, {"type": "boolean", "name": "b", "title": "B", "visibleIf": "{a} = 'yes' or {a} = 'no'"}`), survey.Invalid, "pages[0].elements[1].visibleIf", "or"},
		{"two questions", page(yesNo + `, {"type": "boolean", "name": "b", "title": "B"}, {"type": "boolean", "name": "c", "title": "C", "visibleIf": "{a} = 'yes' and {b} = true"}`), survey.Invalid, "pages[0].elements[2].visibleIf", "one question"},
		{"bare not equal", page(yesNo + `, {"type": "boolean", "name": "b", "title": "B", "visibleIf": "{a} <> 'yes'"}`), survey.Invalid, "pages[0].elements[1].visibleIf", "unanswered"},
		{"later question", page(`{"type": "boolean", "name": "b", "title": "B", "visibleIf": "{a} = 'yes'"}, ` + yesNo), survey.Invalid, "pages[0].elements[0].visibleIf", "earlier"},
		{"unknown option in condition", page(yesNo + `, {"type": "boolean", "name": "b", "title": "B", "visibleIf": "{a} = 'maybe'"}`), survey.Invalid, "pages[0].elements[1].visibleIf", "not an option"},
		{"rating from 0", page(`{"type": "rating", "name": "r", "title": "R", "rateMin": 0, "rateMax": 10}`), survey.Invalid, "pages[0].elements[0].rateMin", "from 1"},
		{"rate values", page(`{"type": "rating", "name": "r", "title": "R", "rateValues": [1, 2]}`), survey.Invalid, "pages[0].elements[0].rateValues", "would be lost"},
		{"survey title translated", `{"title": {"default": "T", "fr": "T"}, "pages": []}`, survey.Invalid, "title", "English only"},
		{"other default language", `{"title": "T", "locale": "fr", "pages": []}`, survey.Invalid, "locale", "English"},
		{"bad language", page(`{"type": "boolean", "name": "b", "title": {"default": "B", "français": "B"}}`), survey.Invalid, "pages[0].elements[0].title.français", "language tag"},
		{"translation without English", page(`{"type": "boolean", "name": "b", "title": "B", "description": {"fr": "aide"}}`), survey.Invalid, "pages[0].elements[0].description.fr", "English"},
		{"NUL", page(`{"type": "boolean", "name": "b", "title": "B\u0000"}`), survey.Invalid, "pages[0].elements[0].title", "NUL"},
		{"keep hidden answers", `{"title": "T", "clearInvisibleValues": "none", "pages": []}`, survey.Invalid, "clearInvisibleValues", "never kept"},
		{"survey-level elements", `{"title": "T", "elements": []}`, survey.Invalid, "elements", "would be lost"},
		{"duplicate name", page(yesNo + `, ` + yesNo), survey.Invalid, "pages[0].elements[1].name", "used twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromSurveyJS([]byte(tc.file))
			checkRefusal(t, err, tc.code, tc.field, tc.reason)
		})
	}
}

// checkRefusal checks that err has the code and, when field is set, names the
// field with a reason that says reason.
func checkRefusal(t *testing.T, err error, code survey.Code, field, reason string) {
	t.Helper()
	e, ok := err.(*survey.Error)
	if !ok {
		t.Fatalf("got %v, want a %s error", err, code)
	}
	if e.Code != code {
		t.Fatalf("got %s (%v), want %s", e.Code, e, code)
	}
	if field == "" {
		if !strings.Contains(e.Message, reason) {
			t.Fatalf("got %q, want it to say %q", e.Message, reason)
		}
		return
	}
	for _, f := range e.Fields {
		if f.Field == field && strings.Contains(f.Reason, reason) {
			return
		}
	}
	t.Fatalf("no problem at %s saying %q; got %+v", field, reason, e.Fields)
}

func TestSurveyJSExportRefusesAValueItCannotQuote(t *testing.T) {
	s := sample()
	s.Sections[2].Questions = append(s.Sections[2].Questions, survey.Question{Key: "quoted", Type: survey.Text, Prompt: "Q",
		Condition: &survey.Condition{Question: "comments", Operator: survey.OpEquals, Value: `it's "odd"`}})
	_, err := ToSurveyJS(s)
	checkRefusal(t, err, survey.Invalid, "sections[2].questions[4].condition", "both kinds of quote")
}
