package survey

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseAnswer(t *testing.T) {
	s := validSurvey()
	q := func(key string) Question { x, _ := s.Question(key); return x }
	for _, tc := range []struct {
		key    string
		raw    any
		reason string // "" when valid
	}{
		{"zone_signed", true, ""},
		{"zone_signed", "yes", "must be true or false"},
		{"signed_since", json.Number("2010"), ""},
		{"signed_since", json.Number("2010.5"), "whole number"},
		{"signed_since", json.Number("1990"), "at least 1995"},
		{"signed_since", "2010", "must be a number"},
		{"signed_share", json.Number("97.5"), ""},
		{"signed_share", json.Number("100.1"), "0 to 100"},
		{"signed_share", json.Number("-1"), "0 to 100"},
		{"algorithm", "rsasha256", ""},
		{"algorithm", "rsamd5", "not an option"},
		{"algorithm", []any{"rsasha256"}, "one option key"},
		{"incentives", []any{"label", "discount"}, ""},
		{"incentives", []any{}, "at least 1"},
		{"incentives", []any{"label", "label"}, "chosen twice"},
		{"incentives", []any{"label", "discount", "none"}, "at most 2"},
		{"incentives", []any{"gold"}, "not an option"},
		{"incentives", "label", "list of option keys"},
		{"satisfaction", json.Number("5"), ""},
		{"satisfaction", json.Number("6"), "from 1 to 5"},
		{"satisfaction", json.Number("2.5"), "from 1 to 5"},
		{"policy_date", "2019-06-30", ""},
		{"policy_date", "1999-12-31", "on or after 2000-01-01"},
		{"policy_date", "2019-02-30", "YYYY-MM-DD"},
		{"policy_date", "30/06/2019", "YYYY-MM-DD"},
		{"comments", "fine", ""},
		{"comments", strings.Repeat("x", 501), "at most 500"},
		{"comments", json.Number("1"), "must be a string"},
	} {
		_, reason := q(tc.key).ParseAnswer(tc.raw)
		if (tc.reason == "") != (reason == "") || !strings.Contains(reason, tc.reason) {
			t.Errorf("%s = %#v: reason %q, want one containing %q", tc.key, tc.raw, reason, tc.reason)
		}
	}
}

func TestMultipleChoiceKeepsTheQuestionsOrder(t *testing.T) {
	q, _ := validSurvey().Question("incentives")
	a, _ := q.ParseAnswer([]any{"label", "discount"})
	b, _ := q.ParseAnswer([]any{"discount", "label"})
	if !a.Equal(b) || a.Options[0] != "discount" {
		t.Fatalf("%v and %v should be the same answer, in the question's order", a.Options, b.Options)
	}
}

func TestApplyAnswersHidesAndReports(t *testing.T) {
	s := validSurvey()
	current, changes, err := s.ApplyAnswers(nil, map[string]any{
		"zone_signed": true, "signed_since": json.Number("2010"), "signed_share": json.Number("80"), "comments": "ok",
	})
	if err != nil || len(changes) != 4 {
		t.Fatalf("first save: %v, %d changes", err, len(changes))
	}
	// Unsigning hides signed_since; a share under 50 hides comments.
	next, changes, err := s.ApplyAnswers(current, map[string]any{"zone_signed": false, "signed_share": json.Number("20")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := next["signed_since"]; ok {
		t.Fatal("signed_since is kept while hidden")
	}
	if _, ok := next["comments"]; ok {
		t.Fatal("comments is kept while hidden")
	}
	kinds := map[string]bool{}
	for _, c := range changes {
		kinds[c.Question] = c.Hidden
	}
	if len(changes) != 4 || kinds["zone_signed"] || kinds["signed_share"] || !kinds["signed_since"] || !kinds["comments"] {
		t.Fatalf("changes %+v: want zone_signed and signed_share changed, signed_since and comments hidden", changes)
	}
	// The same values again change nothing.
	_, changes, err = s.ApplyAnswers(next, map[string]any{"zone_signed": false, "signed_share": json.Number("20.0")})
	if err != nil || len(changes) != 0 {
		t.Fatalf("a repeated save: %v, changes %+v", err, changes)
	}
	// Every bad key and value at once, and nothing applied.
	_, _, err = s.ApplyAnswers(next, map[string]any{"zone_signed": "no", "nope": 1, "algorithm": "md5"})
	e, ok := err.(*Error)
	if !ok || e.Code != Invalid || len(e.Fields) != 3 {
		t.Fatalf("got %v, want three field errors", err)
	}
}

func TestCheckSubmitListsMissingVisibleRequired(t *testing.T) {
	s := validSurvey()
	err := s.CheckSubmit(map[string]Value{})
	if e, ok := err.(*Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "answers.zone_signed" {
		t.Fatalf("nothing answered: %v", err)
	}
	yes := true
	err = s.CheckSubmit(map[string]Value{"zone_signed": {Bool: &yes}})
	if err != nil {
		t.Fatalf("signed_since is not required: %v", err)
	}
	s.Sections[0].Questions[1].Required = true
	err = s.CheckSubmit(map[string]Value{"zone_signed": {Bool: &yes}})
	if e, ok := err.(*Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "answers.signed_since" {
		t.Fatalf("a visible required question unanswered: %v", err)
	}
	no := false
	if err := s.CheckSubmit(map[string]Value{"zone_signed": {Bool: &no}}); err != nil {
		t.Fatalf("a hidden required question is not required: %v", err)
	}
}

func TestParseCell(t *testing.T) {
	s := validSurvey()
	for _, tc := range []struct {
		key, cell string
		ok        bool
	}{
		{"zone_signed", "yes", true}, {"zone_signed", "FALSE", true}, {"zone_signed", "maybe", false},
		{"signed_since", "2010", true}, {"signed_since", "0x7da", false}, {"signed_since", "2,010", false},
		{"incentives", "discount; label", true}, {"incentives", "discount;gold", false},
		{"signed_share", " 97.5 ", true}, {"signed_share", "Inf", false},
	} {
		q, _ := s.Question(tc.key)
		_, reason := q.ParseAnswer(q.ParseCell(tc.cell))
		if (reason == "") != tc.ok {
			t.Errorf("%s %q: reason %q, want ok=%v", tc.key, tc.cell, reason, tc.ok)
		}
	}
}
