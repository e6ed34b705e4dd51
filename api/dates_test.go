package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
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
	"mc": {"founded": 2011.0, "since": "2019-03-01"},
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

// TestDateAggregates works a date question's summary out by hand. The answers
// are days 17906, 17947, 17956, 18428, 18687 and 19722 since 1970-01-01: a
// span of 1,816 days.
//
// The secretariat: the earliest and latest answers exactly; the median halfway
// between the third and fourth, day 17956 + 236 = 18192, 2019-10-23; bars of
// 200 days (a tenth of the span, rounded up to 1, 2 or 5 times a power of ten)
// from day 17800 (2018-09-26), holding 3 0 0 1 1 0 0 0 0 1.
//
// A member (k = 3): bars of 500 days (a fifth of the span, rounded up) from
// day 17500 (2017-11-30), holding 3 1 1 0 1, merged to 3 and 3: the first
// bar, 2017-11-30 to 2019-04-13, and the rest, 2019-04-14 to 2024-10-03. The
// median (third of six) is in the first: its middle day, 17500 + 249 = 17749,
// 2018-08-06. No answer is shown.
func TestDateAggregates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		id := publishedSurvey(h, yearsSurvey, years)
		summary := func(as string) string {
			r := h.do(as, "GET", "/v1/surveys/"+id+"/results", nil)
			if r.status != 200 {
				t.Fatalf("results as %s: %d %s", as, r.status, r.body)
			}
			q := questionOf(t, r.json(t), "since")
			b, _ := json.Marshal(q["dates"])
			return string(b)
		}
		secretariat := `{"earliest":{"from":"2019-01-10","to":"2019-01-10"},"histogram":[` +
			`{"count":3,"from":"2018-09-26","to":"2019-04-13"},{"count":0,"from":"2019-04-14","to":"2019-10-30"},` +
			`{"count":0,"from":"2019-10-31","to":"2020-05-17"},{"count":1,"from":"2020-05-18","to":"2020-12-03"},` +
			`{"count":1,"from":"2020-12-04","to":"2021-06-21"},{"count":0,"from":"2021-06-22","to":"2022-01-07"},` +
			`{"count":0,"from":"2022-01-08","to":"2022-07-26"},{"count":0,"from":"2022-07-27","to":"2023-02-11"},` +
			`{"count":0,"from":"2023-02-12","to":"2023-08-30"},{"count":1,"from":"2023-08-31","to":"2024-03-17"}],` +
			`"latest":{"from":"2023-12-31","to":"2023-12-31"},"median":"2019-10-23"}`
		if got := summary("admin"); got != secretariat {
			t.Errorf("the secretariat's dates\n%s\nwant\n%s", got, secretariat)
		}
		member := `{"earliest":{"from":"2017-11-30","to":"2019-04-13"},"histogram":[` +
			`{"count":3,"from":"2017-11-30","to":"2019-04-13"},{"count":3,"from":"2019-04-14","to":"2024-10-03"}],` +
			`"latest":{"from":"2019-04-14","to":"2024-10-03"},"median":"2018-08-06"}`
		got := summary("ma")
		if got != member {
			t.Errorf("a member's dates\n%s\nwant\n%s", got, member)
		}
		for _, answer := range years {
			if d := answer["since"].(string); strings.Contains(got, d) {
				t.Errorf("a member's dates show the answer %s: %s", d, got)
			}
		}
	})
}

// TestDateAggregatesSuppressed: a date question answered by fewer than k respondents
// shows a member no dates at all, the secretariat all of them.
func TestDateAggregatesSuppressed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		few := map[string]map[string]any{"ma": years["ma"], "mb": years["mb"]}
		for m := range years {
			if _, ok := few[m]; !ok {
				few[m] = map[string]any{"founded": years[m]["founded"]}
			}
		}
		id := publishedSurvey(h, yearsSurvey, few)
		r := h.do("ma", "GET", "/v1/surveys/"+id+"/results", nil)
		q := questionOf(t, r.json(t), "since")
		if q["dates"] != nil || q["code"] != "below_threshold" {
			t.Fatalf("two answers of six, k = 3: %v", q)
		}
		r = h.do("admin", "GET", "/v1/surveys/"+id+"/results", nil)
		d := questionOf(t, r.json(t), "since")["dates"].(map[string]any)
		if fmt.Sprintf("%v %v %v", d["earliest"], d["latest"], d["median"]) != "map[from:2019-01-10 to:2019-01-10] map[from:2019-02-20 to:2019-02-20] 2019-01-30" {
			t.Fatalf("the secretariat's dates of two answers: %v", d)
		}
	})
}
