package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// FuzzReadCSV reads an arbitrary upload with readCSV, then parses every cell it
// returns as the import does, without a server, so that it runs fast enough to
// reach deep into both. An upload is either refused with an invalid problem or
// read into rows whose answers are all questions of the survey, in line order.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("member,signed,since,algorithm,share,domains,incentives,satisfaction,adopted,comments\n" +
		"dk,yes,2010,rsa,97.5,1000,discount;label,4,2019-06-30,fine\nse,no,,ecdsa,10,,label,,,\n"))
	f.Add([]byte("\ufeffmember,signed\r\ndk,true\r\n"))
	f.Add([]byte("member,since\ndk,1990\nse,20.5\nxx,1e400\n"))
	f.Add([]byte("member,incentives,comments\ndk,;;,\"multi\nline\"\n"))
	f.Add([]byte("member,signed,signed\ndk,1,0\n"))
	f.Add([]byte("member,\"unterminated\ndk\n"))
	f.Add([]byte("member,comments\ndk,\xff\x00\n"))
	f.Add([]byte(""))
	var body surveyBody
	if err := json.Unmarshal([]byte(fuzzSurvey), &body); err != nil {
		f.Fatal(err)
	}
	sv := body.toSurvey()
	if err := sv.Validate(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, upload []byte) {
		rows, err := readCSV(bytes.NewReader(upload), sv)
		if err != nil {
			var e *survey.Error
			if !errors.As(err, &e) || e.Code != survey.Invalid {
				t.Fatalf("an upload is refused with %v, not an invalid problem", err)
			}
			return
		}
		last := 0
		for _, row := range rows {
			if row.Line <= last {
				t.Fatalf("row of line %d after line %d", row.Line, last)
			}
			last = row.Line
			for key, raw := range row.Answers {
				q, ok := sv.Question(key)
				if !ok {
					t.Fatalf("line %d answers %q, which is not a question", row.Line, key)
				}
				q.ParseAnswer(raw)
			}
		}
	})
}

// fuzzSurvey has every question type, with constraints and conditions.
const fuzzSurvey = `{"title":"Every type","sections":[{"key":"all","title":"All","questions":[
{"key":"signed","type":"boolean","prompt":"Signed?","required":true},
{"key":"since","type":"integer","prompt":"Since?","constraints":{"min":1995,"max":2026},"condition":{"question":"signed","operator":"equals","value":true}},
{"key":"algorithm","type":"single_choice","prompt":"Algorithm","options":[{"key":"rsa","label":"RSA"},{"key":"ecdsa","label":"ECDSA"}]},
{"key":"share","type":"percentage","prompt":"Share"},
{"key":"domains","type":"number","prompt":"Domains","constraints":{"min":0}},
{"key":"incentives","type":"multiple_choice","prompt":"Incentives","options":[{"key":"discount","label":"Discount"},{"key":"label","label":"Label"}],"constraints":{"min_selections":1,"max_selections":2}},
{"key":"satisfaction","type":"scale","prompt":"Satisfied?","constraints":{"scale_size":5}},
{"key":"adopted","type":"date","prompt":"Adopted on","constraints":{"min_date":"2000-01-01"}},
{"key":"comments","type":"text","prompt":"Comments","constraints":{"max_length":50}}]}]}`
