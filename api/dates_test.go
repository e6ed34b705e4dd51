package api_test

import (
	"fmt"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// yearsSurvey has an integer question of years and a date question.
const yearsSurvey = `{
  "title": "Registry history", "deadline": "2026-12-31T00:00:00Z",
  "results_policy": {"min_respondents": 3},
  "sections": [{"key": "all", "title": "All", "questions": [
    {"key": "founded", "type": "integer", "prompt": "Year founded"},
    {"key": "since", "type": "date", "prompt": "DNSSEC signed since"}
  ]}]
}`

// years are six members' answers (see TestWholeNumberBins and TestDateAggregates).
var years = map[string]map[string]any{
	"ma": {"founded": 2009.0, "since": "2019-01-10"},
	"mb": {"founded": 2010.0, "since": "2019-02-20"},
	"mc": {"founded": 2011.0, "since": "2020-06-01"},
	"md": {"founded": 2014.0, "since": "2020-06-15"},
	"me": {"founded": 2015.0, "since": "2021-03-01"},
	"mf": {"founded": 2020.0, "since": "2023-12-31"},
}

// TestWholeNumberBins checks that the secretariat's histogram of an integer
// question has whole-number edges: 2009..2020 is widened by a twentieth of the
// span (0.55, at least one step of 1) and rounded outwards to 2008..2021, then
// cut in bars of ⌈13/10⌉ = 2 years: [2008, 2010) … [2020, 2022).
func TestWholeNumberBins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		id := publishedSurvey(h, yearsSurvey, years)
		r := h.do("admin", "GET", "/v1/surveys/"+id+"/results", nil)
		if r.status != 200 {
			t.Fatalf("results: %d %s", r.status, r.body)
		}
		num := questionOf(t, r.json(t), "founded")["numeric"].(map[string]any)
		var bars []string
		for _, b := range num["histogram"].([]any) {
			m := b.(map[string]any)
			from, to := m["from"].(float64), m["to"].(float64)
			if from != float64(int(from)) || to != float64(int(to)) {
				t.Errorf("bar [%v, %v) has an edge that is not a whole number", from, to)
			}
			bars = append(bars, fmt.Sprintf("%v-%v:%v", from, to, m["count"]))
		}
		want := "[2008-2010:1 2010-2012:2 2012-2014:0 2014-2016:2 2016-2018:0 2018-2020:0 2020-2022:1]"
		if fmt.Sprint(bars) != want {
			t.Errorf("bars %v, want %s", bars, want)
		}
	})
}
