package chart

import (
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestQuestion(t *testing.T) {
	own, rank := 42.0, 62.5
	r := results.Results{Survey: survey.Survey{Title: "DNSSEC practices", Edition: "2026"}, PeerGroup: "eu-eea"}
	numeric := results.Question{Key: "size", Type: survey.Number, Prompt: "How many domains are signed?", N: 8,
		Numeric: &results.Numeric{Mean: 37.5, Q1: 20, Median: 35, Q3: 50,
			Histogram: []survey.Bin{{From: 0, To: 20, Count: 2}, {From: 20, To: 40, Count: 3}, {From: 40, To: 60, Count: 3}}},
		Own: &results.Own{Answer: survey.Value{Number: &own}, PercentileRank: &rank}}
	for _, c := range []struct {
		name string
		q    results.Question
		ok   bool
		want []string
	}{
		{"numeric", numeric, true, []string{"median 35, quartiles 20 to 50, mean 37.5", "Yours: 42 (percentile rank 62.5)", "» 40–60", "3 « yours"}},
		{"suppressed", results.Question{Key: "size", Type: survey.Number, Prompt: "How many?", Suppressed: "fewer than 5 respondents answered",
			Own: numeric.Own}, true, []string{"Suppressed: fewer than 5 respondents answered", "(DNSSEC practices 2026, peer group"}},
		{"text", results.Question{Key: "note", Type: survey.Text, Prompt: "Note", N: 3}, false, nil},
	} {
		img, ok, err := Question(SVG, r, c.q)
		if err != nil || ok != c.ok {
			t.Fatalf("%s: ok %v, %v", c.name, ok, err)
		}
		if !ok {
			continue
		}
		text := check(t, "question-"+c.name, SVG, img, nil)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, text)
			}
		}
		if c.name == "suppressed" && strings.Contains(text, "yours") {
			t.Errorf("a suppressed chart marks the member's answer")
		}
		png, _, err := Question(PNG, r, c.q)
		check(t, "question-"+c.name, PNG, png, err)
	}
}
