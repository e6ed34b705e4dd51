package api_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// svgText is the text a chart shows, or the test fails if it is no SVG.
func svgText(t *testing.T, r response) string {
	t.Helper()
	if r.status != 200 || r.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("chart: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(r.body), []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(r.body), []byte("</svg>")) {
		t.Fatalf("not an SVG document:\n%.300s", r.body)
	}
	return string(r.body)
}

func TestResultsCharts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf", "mg")
		h.run([]step{{name: "a small group", as: "admin", method: "POST", path: "/v1/peer-groups",
			body: `{"key":"pair","name":"Two","members":["ma","mb"]}`, status: 201}})
		h.vars["id"] = surveyWith(h, fmt.Sprintf(statsSurvey, "2026"), figures, true)

		// Bars: ma chose a (3 of 6), so A is marked and B is not.
		text := svgText(t, h.get("ma", "/v1/surveys/{{id}}/results/charts/algo"))
		for _, want := range []string{"Algorithm", "» A", "3 (50%)  « yours", "2 (33.3%)", "6 respondents"} {
			if !strings.Contains(text, want) {
				t.Fatalf("algo chart: no %q in\n%s", want, text)
			}
		}
		if strings.Contains(text, "» B") {
			t.Fatal("an option ma did not choose is marked")
		}
		// Multiple choice: ma chose x and y, both marked.
		text = svgText(t, h.get("ma", "/v1/surveys/{{id}}/results/charts/tools"))
		if strings.Count(text, "« yours</text>") != 2 || !strings.Contains(text, "» X") || !strings.Contains(text, "» Y") || strings.Contains(text, "» Z") {
			t.Fatalf("tools chart marks the wrong options:\n%s", text)
		}
		// Histogram: mf answered 100, the largest, in the last bin.
		text = svgText(t, h.get("mf", "/v1/surveys/{{id}}/results/charts/size"))
		if strings.Count(text, "« yours</text>") != 1 || !strings.Contains(text, "median "+memberMedian(t, h, "mf", "size")+",") || !strings.Contains(text, "Yours: 100") {
			t.Fatalf("size chart:\n%s", text)
		}
		// The secretariat has no answer of its own: nothing is marked.
		if text := svgText(t, h.get("admin", "/v1/surveys/{{id}}/results/charts/algo")); strings.Contains(text, "yours") {
			t.Fatal("the secretariat's chart marks an answer")
		}
		// Suppressed for a member: a notice, with the reason, and no figures.
		text = svgText(t, h.get("ma", "/v1/surveys/{{id}}/results/charts/algo?peer_group=pair"))
		if !strings.Contains(text, "Suppressed: fewer than 3 respondents answered") || strings.Contains(text, "« yours") {
			t.Fatalf("suppressed chart:\n%s", text)
		}
		// PNG, by Accept and by ?format=.
		for _, r := range []response{
			h.get("ma", "/v1/surveys/{{id}}/results/charts/size", "Accept", "image/png"),
			h.get("ma", "/v1/surveys/{{id}}/results/charts/algo?format=png&peer_group=pair"),
		} {
			if r.status != 200 || r.header.Get("Content-Type") != "image/png" {
				t.Fatalf("png: %d %s", r.status, r.header.Get("Content-Type"))
			}
			if img, err := png.Decode(bytes.NewReader(r.body)); err != nil || img.Bounds().Dx() != 800 {
				t.Fatalf("not an 800 px PNG: %v", err)
			}
		}
		// Refusals: the same as the JSON's.
		for _, c := range []struct{ as, path string }{
			{"mg", "/v1/surveys/{{id}}/results"},
			{"ma", "/v1/surveys/srv_00000000000000000000000000/results"},
			{"ma", "/v1/surveys/{{id}}/results?peer_group=nobody"},
		} {
			want := h.get(c.as, c.path).status
			path := strings.Replace(c.path, "/results", "/results/charts/algo", 1)
			if got := h.get(c.as, path).status; got != want || want < 400 {
				t.Fatalf("%s %s: chart %d, JSON %d", c.as, path, got, want)
			}
		}
		h.run([]step{
			{name: "no such question", as: "ma", method: "GET", path: "/v1/surveys/{{id}}/results/charts/colour", status: 404},
			{name: "text has no chart", as: "admin", method: "GET", path: "/v1/surveys/{{id}}/results/charts/note", status: 400, errors: []string{"question"}},
			{name: "nor for a member", as: "ma", method: "GET", path: "/v1/surveys/{{id}}/results/charts/note", status: 400, errors: []string{"question"}},
			{name: "bad format", as: "ma", method: "GET", path: "/v1/surveys/{{id}}/results/charts/algo?format=gif", status: 400, errors: []string{"format"}},
		})
		if r := h.get("ma", "/v1/surveys/{{id}}/results/charts/algo", "Accept", "application/json"); r.status != 406 {
			t.Fatalf("Accept: application/json: %d", r.status)
		}
	})
}

func TestTrendChart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.run([]step{{name: "series", as: "admin", method: "POST", path: "/v1/series", body: monthlyStats, status: 201}})
		month(h, "2026-09", scaled(0.9), true)
		month(h, "2026-10", map[string]int{"ma": 100, "mb": 200}, true) // suppressed for members
		month(h, "2026-11", scaled(1.2), true)

		text := svgText(t, h.get("ma", "/v1/series/monthly-stats/trends/chart?question=domains&from=2026-09&to=2026-11"))
		for _, want := range []string{"Domains under management", "Median of all respondents", "Member ma", "2026-09", "2026-11",
			"Suppressed, so left out: 2026-10 (fewer than 3 respondents answered)"} {
			if !strings.Contains(text, want) {
				t.Fatalf("trend chart: no %q in\n%s", want, text)
			}
		}
		text = svgText(t, h.get("admin", "/v1/series/monthly-stats/trends/chart?question=domains&from=2026-09&to=2026-11"))
		if strings.Contains(text, "Member") || strings.Contains(text, "Suppressed") {
			t.Fatalf("the secretariat's chart, without a member:\n%s", text)
		}
		// Only the suppressed month: a notice for members, since nothing but its own value is left... which stays.
		text = svgText(t, h.get("mc", "/v1/series/monthly-stats/trends/chart?question=domains&from=2026-10&to=2026-10"))
		if !strings.Contains(text, "Suppressed: every period from 2026-10 to 2026-10 is suppressed for you") {
			t.Fatalf("mc answered nothing in October, and the month is suppressed:\n%s", text)
		}
		if r := h.get("ma", "/v1/series/monthly-stats/trends/chart?question=domains&format=png"); r.status != 200 || r.header.Get("Content-Type") != "image/png" {
			t.Fatalf("png: %d", r.status)
		} else if _, err := png.Decode(bytes.NewReader(r.body)); err != nil {
			t.Fatal(err)
		}
		h.run([]step{
			{name: "another member", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends/chart?question=domains&member=mb", status: 403},
			{name: "no question", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends/chart", status: 400, errors: []string{"question"}},
			{name: "text", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends/chart?question=note", status: 400},
			{name: "no such series", as: "ma", method: "GET", path: "/v1/series/weekly/trends/chart?question=domains", status: 404},
		})
	})
}
