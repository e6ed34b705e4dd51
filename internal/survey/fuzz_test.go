package survey

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The fuzz targets of the domain's validation: whatever arrives, the rules
// answer with a reason and never crash, and what they accept reads back as
// itself. `make fuzz` runs each for a while; `go test` runs their seeds and the
// cases found so far in testdata/fuzz.

// FuzzSurveyValidate decodes an arbitrary document into a survey and validates
// it. A survey that passes must be usable: its questions answer and hide
// without crashing.
func FuzzSurveyValidate(f *testing.F) {
	seed, _ := json.Marshal(validSurvey())
	f.Add(seed)
	f.Add([]byte(`{"Title":"t","Sections":[{"Key":"a","Title":"A","Questions":[{"Key":"q","Type":"scale","Prompt":"p","Constraints":{"ScaleSize":0}}]}]}`))
	f.Add([]byte(`{"Title":"t","Sections":[{"Key":"a","Title":"A","Questions":[{"Key":"q","Type":"integer","Prompt":"p","Constraints":{"Min":5,"Max":1}},` +
		`{"Key":"r","Type":"text","Prompt":"p","Condition":{"Question":"q","Operator":"at_least","Value":"x"}}]}]}`))
	f.Add([]byte(`{"Sections":[{"Questions":[{"Condition":{"Question":"q","Operator":"one_of","Values":[null,[],{}]}}]}]}`))
	f.Add([]byte(`{"Policy":{"MinRespondents":-1},"Sections":null}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var sv Survey
		if err := json.Unmarshal(doc, &sv); err != nil {
			return
		}
		if err := sv.Validate(); err != nil {
			return
		}
		answers := map[string]Value{}
		for _, q := range sv.Questions() {
			for _, raw := range []any{true, json.Number("1"), "a", []any{"a"}, nil} {
				if v, reason := q.ParseAnswer(raw); reason == "" {
					answers[q.Key] = v
				}
			}
		}
		sv.Visible(answers)
		sv.MissingRequired(answers)
		sv.RequiredProgress(answers)
	})
}

// FuzzParseAnswer gives every question of a survey with each type and
// constraint an arbitrary JSON value. An accepted answer, written as the API
// returns it and sent back, must be accepted again as the same answer.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{`true`, `"yes"`, `2010`, `2010.5`, `97.5`, `-1e308`, `1e16`, `"rsasha256"`,
		`["label","discount"]`, `["label","label"]`, `[]`, `5`, `"2019-06-30"`, `"2019-02-30"`, `"fine"`, `null`, `{}`, `[1,2]`} {
		f.Add([]byte(s))
	}
	sv := validSurvey()
	f.Fuzz(func(t *testing.T, doc []byte) {
		raw, ok := decode(doc)
		if !ok {
			return
		}
		for _, q := range sv.Questions() {
			checkRoundTrip(t, q, raw)
		}
	})
}

// FuzzParseCell feeds an arbitrary CSV cell to every question, through
// ParseCell and ParseAnswer as an import does.
func FuzzParseCell(f *testing.F) {
	for _, s := range []string{"yes", "0", " 12 ", "1.5e3", "0x10", "Inf", "NaN", "1_000", "label; discount", ";;", "rsasha256", "2019-06-30", "", "\u00a0"} {
		f.Add(s)
	}
	sv := validSurvey()
	f.Fuzz(func(t *testing.T, cell string) {
		for _, q := range sv.Questions() {
			checkRoundTrip(t, q, q.ParseCell(cell))
		}
	})
}

// checkRoundTrip parses raw for q and, if it is accepted, checks that the
// answer written as JSON and read back is accepted as the same answer.
func checkRoundTrip(t *testing.T, q Question, raw any) {
	t.Helper()
	v, reason := q.ParseAnswer(raw)
	if reason != "" {
		return
	}
	out, err := json.Marshal(v.JSON(q.Type))
	if err != nil {
		t.Fatalf("%s: accepted %#v, whose JSON fails: %v", q.Key, raw, err)
	}
	back, ok := decode(out)
	if !ok {
		t.Fatalf("%s: accepted %#v, written as %s, which does not decode", q.Key, raw, out)
	}
	w, reason := q.ParseAnswer(back)
	if reason != "" || !w.Equal(v) {
		t.Fatalf("%s: accepted %#v as %s, but that is read back as %+v (%q)", q.Key, raw, out, w, reason)
	}
}

// decode reads one JSON value as the API's binder does, numbers as json.Number.
func decode(doc []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, false
	}
	return raw, true
}
