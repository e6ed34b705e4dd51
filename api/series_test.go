package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
)

// monthlyStats is a series of monthly counts, k = 3.
const monthlyStats = `{
  "key": "monthly-stats", "title": "Monthly statistics", "recurrence": "monthly", "open_day": 1, "deadline_days": 20,
  "template": {"title": "Monthly statistics", "topics": ["statistics"], "results_policy": {"min_respondents": 3},
    "sections": [{"key": "counts", "title": "Counts", "questions": [
      {"key": "domains", "type": "integer", "prompt": "Domains under management", "required": true, "constraints": {"min": 0}},
      {"key": "new_registrations", "type": "integer", "prompt": "New registrations", "constraints": {"min": 0}},
      {"key": "note", "type": "text", "prompt": "Anything unusual?"}
    ]}]}
}`

// month opens the edition of a period by hand, has the members' counts uploaded
// as CSV, and closes and publishes it unless publish is false.
func month(h *harness, period string, domains map[string]int, publish bool) string {
	h.t.Helper()
	r := h.do("admin", "POST", "/v1/series/monthly-stats/editions", `{"period":"`+period+`"}`)
	if r.status != 201 {
		h.t.Fatalf("edition %s: %d %s", period, r.status, r.body)
	}
	id := r.json(h.t)["id"].(string)
	admin, err := h.store.User(context.Background(), h.vars["admin_id"])
	if err != nil {
		h.t.Fatal(err)
	}
	var rows []store.ImportRow
	for m, d := range domains {
		rows = append(rows, store.ImportRow{Line: len(rows) + 2, Member: m, Answers: map[string]any{"domains": float64(d)}})
	}
	if _, err := h.store.Import(context.Background(), id, rows, true, false, admin); err != nil {
		h.t.Fatalf("counts of %s: %v", period, err)
	}
	if publish {
		for _, step := range []string{"close", "publish"} {
			if r := h.do("admin", "POST", "/v1/surveys/"+id+"/"+step, nil); r.status != 200 {
				h.t.Fatalf("%s %s: %d %s", step, period, r.status, r.body)
			}
		}
	}
	return id
}

func scaled(f float64) map[string]int {
	out := map[string]int{}
	for i, m := range []string{"ma", "mb", "mc", "md", "me", "mf"} {
		out[m] = int(f * float64(100*(i+1)))
	}
	return out
}

func TestMonthlySeries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.run([]step{
			{name: "create the series", as: "admin", method: "POST", path: "/v1/series", body: monthlyStats, status: 201,
				want: map[string]any{"key": "monthly-stats", "recurrence": "monthly", "latest_published_period": nil}},
			{name: "members may not", as: "ma", method: "POST", path: "/v1/series", body: monthlyStats, status: 403},
			{name: "the same key again", as: "admin", method: "POST", path: "/v1/series", body: monthlyStats, status: 409},
			{name: "an impossible month", as: "admin", method: "POST", path: "/v1/series/monthly-stats/editions", body: `{"period":"2026-13"}`, status: 422, errors: []string{"period"}},
			{name: "a short year", as: "admin", method: "POST", path: "/v1/series/monthly-stats/editions", body: `{"period":"26-01"}`, status: 422, errors: []string{"period"}},
			{name: "a year for a monthly series", as: "admin", method: "POST", path: "/v1/series/monthly-stats/editions", body: `{"period":"2026"}`, status: 422, errors: []string{"period"}},
			{name: "an unknown series", as: "admin", method: "POST", path: "/v1/series/weekly/editions", body: `{"period":"2026-10"}`, status: 404},
		})
		month(h, "2025-10", scaled(0.5), true)
		month(h, "2026-09", scaled(0.9), true)
		h.vars["october"] = month(h, "2026-10", scaled(1), true)
		h.vars["november"] = month(h, "2026-11", scaled(1.2), false)
		h.run([]step{
			{name: "the same period twice", as: "admin", method: "POST", path: "/v1/series/monthly-stats/editions", body: `{"period":"2026-10"}`, status: 409},
			{name: "the series shows what is published", as: "ma", method: "GET", path: "/v1/series/monthly-stats", status: 200,
				want: map[string]any{"latest_published_period": "2026-10", "editions.3.period": "2026-11", "editions.3.status": "open"}},
			// October: 100..600, total 2100, median 350; September: 90..540, total 1890; October 2025: 50..300, total 1050.
			{name: "a member's trend", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&from=2026-09&to=2026-11", status: 200,
				want: map[string]any{"member": "ma", "open_period": "2026-11", "points.1.period": "2026-10", "points.1.n": 6, "points.1.total": 2100, "points.1.median": nil, "points.1.code": nil,
					"points.1.member_value": 100, "points.1.member_share": 0.047619, "points.1.total_mom": 0.111111, "points.1.member_mom": 0.111111,
					"points.1.total_yoy": 1, "points.1.member_yoy": 1},
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["points"].([]any)); n != 2 {
						t.Fatalf("a member sees %d periods; November is not published", n)
					}
				}},
			{name: "the secretariat sees the open month too", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&from=2026-09&to=2026-11&member=mb", status: 200,
				want: map[string]any{"points.2.period": "2026-11", "points.2.total": 2520, "points.2.member_value": 240}},
			{name: "another member's values", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&member=mb", status: 403},
			{name: "from after to", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&from=2026-10&to=2026-09", status: 400, errors: []string{"from"}},
			{name: "an impossible period", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&to=2026-13", status: 400, errors: []string{"to"}},
			{name: "an unknown metric", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=visitors", status: 404},
			{name: "a text is no metric", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=note", status: 400},
			{name: "an unknown member", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&member=zz", status: 404},
			{name: "an unknown series", as: "admin", method: "GET", path: "/v1/series/weekly/trends?question=domains", status: 404},
		})
		// Pushes from a registry's system: the same numbers twice change nothing.
		push := func(name, path, body string, status int, want map[string]any) {
			h.run([]step{{name: name, as: "admin", method: "PATCH", path: path, body: body, status: status, want: want}})
		}
		push("push", "/v1/surveys/{{november}}/responses/ma", `{"answers":{"domains":125,"new_registrations":7}}`, 200, map[string]any{"version": 2})
		push("push again", "/v1/surveys/{{november}}/responses/ma", `{"answers":{"domains":125,"new_registrations":7}}`, 200, map[string]any{"version": 2})
		h.run([]step{{name: "one save in the history", as: "admin", method: "GET", path: "/v1/surveys/{{november}}/responses/ma/history", status: 200,
			check: func(t *testing.T, h *harness, r response) {
				if n := len(historyOf(t, r)); n != 4 { // the upload's answer and submit, then the push's two answers
					t.Fatalf("%d history events after a repeated push", n)
				}
			}}})
		push("a negative count", "/v1/surveys/{{november}}/responses/ma", `{"answers":{"domains":-1}}`, 422, nil)
		push("a fractional count", "/v1/surveys/{{november}}/responses/ma", `{"answers":{"domains":12.5}}`, 422, nil)
		push("a period that is not open", "/v1/surveys/{{october}}/responses/ma", `{"answers":{"domains":1}}`, 409, nil)
		// A jump by more than ten times is taken, and flagged for the secretariat.
		push("a jump", "/v1/surveys/{{november}}/responses/mb", `{"answers":{"domains":5000}}`, 200, nil)
		h.run([]step{{name: "flagged in progress", as: "admin", method: "GET", path: "/v1/surveys/{{november}}/progress", status: 200,
			check: func(t *testing.T, h *harness, r response) {
				for _, m := range r.json(t)["members"].([]any) {
					mp := m.(map[string]any)
					flags, _ := mp["flags"].([]any)
					switch {
					case mp["member"] == "mb" && (len(flags) != 1 || fmt.Sprint(flags[0]) != "map[previous:200 question:domains value:5000]"):
						t.Fatalf("mb's flags %v", flags)
					case mp["member"] != "mb" && len(flags) != 0:
						t.Fatalf("%s is flagged: %v", mp["member"], flags)
					}
				}
			}}})
	})
}

func TestTrendConfidentiality(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.run([]step{{name: "series", as: "admin", method: "POST", path: "/v1/series", body: monthlyStats, status: 201}})
		month(h, "2026-09", map[string]int{"ma": 10, "mb": 20}, true)
		month(h, "2026-10", scaled(1), true)
		for key, members := range map[string][]string{"four": {"ma", "mb", "mc", "md"}, "five": {"ma", "mb", "mc", "md", "me"}} {
			h.run([]step{{name: "group " + key, as: "admin", method: "POST", path: "/v1/peer-groups",
				body: map[string]any{"key": key, "name": key, "members": members}, status: 201}})
		}
		h.run([]step{
			{name: "two answers in September are too few", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&from=2026-09&to=2026-10", status: 200,
				want: map[string]any{"open_period": nil, "points.0.n": nil, "points.0.total": nil, "points.0.code": "below_threshold", "points.0.member_value": 10, "points.0.member_share": nil,
					"points.1.n": 6, "points.1.total_mom": nil}},
			{name: "a group created after the period was published is not in it", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&from=2026-10&to=2026-10&peer_group=four", status: 200,
				want: map[string]any{"points.0.n": nil, "points.0.total": nil, "points.0.code": "below_threshold"}},
			{name: "the secretariat sees it all", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&from=2026-10&to=2026-10&peer_group=four", status: 200,
				want: map[string]any{"points.0.n": 4, "points.0.total": 1000}},
			{name: "an unknown peer group", as: "ma", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&peer_group=atlantis", status: 404},
			{name: "a member that did not submit a period sees none of it", as: "mc", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains&from=2026-09&to=2026-10", status: 200,
				want: map[string]any{"points.0.code": "not_submitted",
					"points.0.n": nil, "points.1.n": 6, "points.1.member_value": 300}},
			{name: "a series for one group", as: "admin", method: "POST", path: "/v1/series",
				body: strings.Replace(strings.Replace(monthlyStats, `"monthly-stats"`, `"group-stats"`, 1), `"topics": ["statistics"],`, `"topics": ["statistics"], "audience": {"peer_group": "four"},`, 1), status: 201},
			{name: "is not there for a member outside it", as: "mf", method: "GET", path: "/v1/series/group-stats/trends?question=domains", status: 404},
			{name: "but is for one inside", as: "ma", method: "GET", path: "/v1/series/group-stats/trends?question=domains", status: 200},
			{name: "and its group cannot be deleted", as: "admin", method: "DELETE", path: "/v1/peer-groups/four", status: 409},
		})
	})
}

// TestTrendsKeepToTheKindOfPeriod: a series without recurrence may have editions
// of months and of years; a trend over years shows years only.
func TestTrendsKeepToTheKindOfPeriod(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc")
		body := strings.Replace(strings.Replace(monthlyStats, `"monthly-stats"`, `"adhoc"`, 1), `"recurrence": "monthly"`, `"recurrence": "none"`, 1)
		h.run([]step{
			{name: "series", as: "admin", method: "POST", path: "/v1/series", body: body, status: 201},
			{name: "a year", as: "admin", method: "POST", path: "/v1/series/adhoc/editions", body: `{"period":"2025"}`, status: 201, save: map[string]string{"year": "id"}},
			{name: "a month", as: "admin", method: "POST", path: "/v1/series/adhoc/editions", body: `{"period":"2025-06"}`, status: 201, save: map[string]string{"month": "id"}},
			{name: "answer the year", as: "admin", method: "PATCH", path: "/v1/surveys/{{year}}/responses/ma", body: `{"answers":{"domains":10}}`, status: 200},
			{name: "answer the month", as: "admin", method: "PATCH", path: "/v1/surveys/{{month}}/responses/ma", body: `{"answers":{"domains":20}}`, status: 200},
			{name: "submit the month", as: "admin", method: "POST", path: "/v1/surveys/{{month}}/responses/ma/submit", status: 200},
			{name: "years only", as: "admin", method: "GET", path: "/v1/series/adhoc/trends?question=domains&from=2024&to=2026", status: 200,
				want: map[string]any{"points.0.period": "2025", "points.0.n": 0, "points.0.total": nil, "points.0.median": nil},
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["points"].([]any)); n != 1 {
						t.Fatalf("%d points, want the year alone: %s", n, r.body)
					}
				}},
			{name: "months only", as: "admin", method: "GET", path: "/v1/series/adhoc/trends?question=domains&from=2025-01&to=2025-12&member=ma", status: 200,
				want: map[string]any{"points.0.period": "2025-06", "points.0.total": 20, "points.0.member_value": 20}},
			{name: "an earlier year, made later", as: "admin", method: "POST", path: "/v1/series/adhoc/editions", body: `{"period":"2024"}`, status: 201, save: map[string]string{"early": "id"}},
			{name: "closed", as: "admin", method: "POST", path: "/v1/surveys/{{early}}/close", status: 200},
			{name: "2025 compares with 2024, the period before it", as: "admin", method: "GET", path: "/v1/surveys/{{year}}/results?compare=previous", status: 200,
				want: map[string]any{"comparison.edition": "2024"}},
		})
	})
}
