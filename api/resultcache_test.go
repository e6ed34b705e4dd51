package api_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/metrics"
)

// TestResultsCache reads every view of a published edition twice, as the
// secretariat and as members, first with the cache empty (computed from the
// answers) and then from the cache, and wants the same bytes; then proves that
// the second read came from the cache, and that a changed policy is never
// served from a view cached before it.
func TestResultsCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf", "mg")
		if r := h.do("admin", "POST", "/v1/peer-groups", map[string]any{"key": "north", "name": "North",
			"members": []string{"ma", "mb", "mc", "md"}}); r.status != 201 {
			t.Fatalf("peer group: %d %s", r.status, r.body)
		}
		prev := publishedEdition(h, "2025", figures)
		id := publishedEdition(h, "2026", figures)
		exec := func(sql string) int64 {
			t.Helper()
			res, err := h.store.DB().Exec(sql)
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			n, _ := res.RowsAffected()
			return n
		}
		// fresh is another server on the database, whose store has kept no
		// view in memory yet: with the database's cache emptied, it computes.
		fresh := func() *harness { return h.twin(db) }
		readOn := func(srv *harness, as, query string) []byte {
			t.Helper()
			r := srv.do(as, "GET", "/v1/surveys/"+id+"/results"+query, nil)
			if r.status != 200 {
				t.Fatalf("%s reads %s: %d %s", as, query, r.status, r.body)
			}
			return r.body
		}
		read := func(as, query string) []byte { t.Helper(); return readOn(h, as, query) }
		queries := []string{"", "?compare=previous", "?question=size", "?question=algo&compare=previous",
			"?peer_group=north", "?peer_group=north&compare=previous&question=tools"}
		for _, as := range []string{"admin", "ma", "me"} {
			for _, q := range queries {
				exec("DELETE FROM results_cache")
				computed := readOn(fresh(), as, q)
				cached := read(as, q)
				if !bytes.Equal(computed, cached) {
					t.Errorf("%s %q: cached results differ from computed\ncomputed %s\ncached   %s", as, q, computed, cached)
				}
			}
		}
		// A comparison keeps both editions' views, each under its own survey.
		exec("DELETE FROM results_cache")
		readOn(fresh(), "ma", "?compare=previous&peer_group=north")
		for _, sv := range []string{id, prev} {
			var n int
			if err := h.store.DB().QueryRow(`SELECT COUNT(*) FROM results_cache WHERE survey_id = '` + sv + `'`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d views kept of %s after a comparison over a group (%v), want 1", n, sv, err)
			}
		}
		// The second read is the cache's: what the database's cache holds is
		// what another server serves, and this one serves what it kept in
		// memory from its first read, without reading the database again.
		exec("DELETE FROM results_cache")
		first := fresh()
		before := readOn(first, "ma", "")
		if n := exec(`UPDATE results_cache SET body = REPLACE(body, '"respondents":6', '"respondents":999') WHERE survey_id = '` + id + `'`); n != 1 {
			t.Fatalf("%d cached views of the whole for a member, want 1", n)
		}
		if got := readOn(fresh(), "ma", ""); !bytes.Contains(got, []byte(`"respondents":999`)) {
			t.Fatalf("another server's read did not come from the database's cache: %s", got)
		}
		if got := readOn(first, "ma", ""); !bytes.Equal(got, before) {
			t.Fatalf("the first server's second read did not come from its memory: %s", got)
		}
		// A stricter policy: the view cached before is never served again.
		if r := h.do("admin", "PATCH", "/v1/surveys/"+id, `{"results_policy":{"min_respondents":4}}`); r.status != 200 {
			t.Fatalf("stricter policy: %d %s", r.status, r.body)
		}
		after := read("ma", "")
		if bytes.Contains(after, []byte(`"respondents":999`)) {
			t.Fatal("a view cached before the policy changed was served after it")
		}
		if bytes.Equal(after, before) {
			t.Fatal("the results did not change with the policy")
		}
		exec("DELETE FROM results_cache")
		if computed := readOn(fresh(), "ma", ""); !bytes.Equal(computed, after) {
			t.Errorf("after the policy change, served %s\nbut computed %s", after, computed)
		}
		// Nothing is cached for a survey that is not published.
		r := h.do("admin", "POST", "/v1/surveys", `{"title": "Live", "deadline": "2026-12-31T00:00:00Z",
			"sections": [{"key": "s", "title": "S", "questions": [{"key": "q", "type": "number", "prompt": "Q"}]}]}`)
		live := r.json(t)["id"].(string)
		if r := h.do("admin", "POST", "/v1/surveys/"+live+"/open", nil); r.status != 200 {
			t.Fatalf("open: %d %s", r.status, r.body)
		}
		if r := h.do("admin", "GET", "/v1/surveys/"+live+"/results", nil); r.status != 200 {
			t.Fatalf("live results: %d %s", r.status, r.body)
		}
		var n int
		if err := h.store.DB().QueryRow(`SELECT COUNT(*) FROM results_cache WHERE survey_id = '` + live + `'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d views cached of an open survey (%v)", n, err)
		}
	})
}

// TestTwoServersOneDatabase runs two servers, each with its own connections,
// on one database, clients alternating between them: every read reflects every
// write acknowledged before it by either server, and neither serves a view the
// other has made stale.
func TestTwoServersOneDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		a := newHarness(t, db)
		b := a.twin(db)
		servers := []*harness{a, b}
		withRegistries(a, "ma", "mb", "mc", "md", "me", "mf", "mg")

		// Live results: each submission acknowledged by one server is counted
		// by the other's next read.
		r := a.do("admin", "POST", "/v1/surveys", fmt.Sprintf(statsSurvey, "live"))
		live := r.json(t)["id"].(string)
		if r := b.do("admin", "POST", "/v1/surveys/"+live+"/open", nil); r.status != 200 {
			t.Fatalf("open: %d %s", r.status, r.body)
		}
		for i, m := range []string{"ma", "mb", "mc", "md", "me", "mf"} {
			w, rd := servers[i%2], servers[(i+1)%2]
			path := "/v1/surveys/" + live + "/responses/" + m
			if r := w.do("admin", "PATCH", path, map[string]any{"answers": figures[m]}); r.status != 200 {
				t.Fatalf("answers of %s: %d %s", m, r.status, r.body)
			}
			if r := w.do("admin", "POST", path+"/submit", nil); r.status != 200 {
				t.Fatalf("submit %s: %d %s", m, r.status, r.body)
			}
			got := rd.do("admin", "GET", "/v1/surveys/"+live+"/results?question=size", nil).json(t)
			if got["respondents"] != float64(i+1) {
				t.Fatalf("after %d submissions, the other server counts %v respondents", i+1, got["respondents"])
			}
		}
		for _, step := range []string{"close", "publish"} {
			if r := a.do("admin", "POST", "/v1/surveys/"+live+"/"+step, nil); r.status != 200 {
				t.Fatalf("%s: %d %s", step, r.status, r.body)
			}
		}
		// Published: one server computes and keeps the view, the other serves it.
		for _, as := range []string{"admin", "ma"} {
			first := b.do(as, "GET", "/v1/surveys/"+live+"/results", nil)
			second := a.do(as, "GET", "/v1/surveys/"+live+"/results", nil)
			if first.status != 200 || !bytes.Equal(first.body, second.body) {
				t.Fatalf("%s: the two servers disagree: %d %s\n%s", as, first.status, first.body, second.body)
			}
		}
		// A stricter policy through one server: the other's next read follows it.
		before := a.do("ma", "GET", "/v1/surveys/"+live+"/results", nil).body
		if r := b.do("admin", "PATCH", "/v1/surveys/"+live, `{"results_policy":{"min_respondents":4}}`); r.status != 200 {
			t.Fatalf("stricter policy: %d %s", r.status, r.body)
		}
		after := a.do("ma", "GET", "/v1/surveys/"+live+"/results", nil).body
		if bytes.Equal(before, after) || !bytes.Contains(after, []byte(`"min_respondents":4`)) {
			t.Fatalf("the other server still serves the results before the policy changed: %s", after)
		}
		if _, err := a.store.DB().Exec("DELETE FROM results_cache"); err != nil {
			t.Fatal(err)
		}
		if fresh := b.do("ma", "GET", "/v1/surveys/"+live+"/results", nil).body; !bytes.Equal(fresh, after) {
			t.Fatalf("served after the change %s\nbut computed %s", after, fresh)
		}
	})
}

// TestResultsCacheMetrics counts a published view's first read as a miss,
// computed, and the next as a hit, served from the cache.
func TestResultsCacheMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		reg := prometheus.NewRegistry()
		m, err := metrics.New(reg, h.store.DB(), db.Name)
		if err != nil {
			t.Fatal(err)
		}
		h.e = api.New(api.Config{Store: h.store, Now: h.clock.Now, Metrics: m})
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		id := publishedEdition(h, "2026", figures)
		for range 2 {
			if r := h.do("ma", "GET", "/v1/surveys/"+id+"/results", nil); r.status != 200 {
				t.Fatalf("results: %d %s", r.status, r.body)
			}
		}
		want := map[string]float64{
			"surveyd_results_cache_lookups_total{outcome=hit}":          1,
			"surveyd_results_cache_lookups_total{outcome=miss}":         1,
			"surveyd_results_served_total{source=cache,view=survey}":    1,
			"surveyd_results_served_total{source=computed,view=survey}": 1,
		}
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			for _, metric := range f.GetMetric() {
				var labels []string
				for _, l := range metric.GetLabel() {
					labels = append(labels, l.GetName()+"="+l.GetValue())
				}
				got[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = metric.GetCounter().GetValue()
			}
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
	})
}

// TestTrendFiguresCached reads trends twice, with the cache empty and then
// from it, and wants the same bytes; proves that a published period's figures
// are then read from the cache, and that what may still change (an open
// period, a group as it is now) is never kept.
func TestTrendFiguresCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.run([]step{{name: "series", as: "admin", method: "POST", path: "/v1/series", body: monthlyStats, status: 201}})
		month(h, "2026-08", scaled(1), true)
		sep := month(h, "2026-09", scaled(1.5), true)
		oct := month(h, "2026-10", scaled(2), false) // open
		h.run([]step{{name: "group", as: "admin", method: "POST", path: "/v1/peer-groups",
			body: map[string]any{"key": "four", "name": "Four", "members": []string{"ma", "mb", "mc", "md"}}, status: 201}})
		sql := func(query string) int {
			t.Helper()
			var n int
			if err := h.store.DB().QueryRow(query).Scan(&n); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			return n
		}
		// fresh is another server on the database, which has kept nothing in
		// memory yet: with the database's cache emptied, it computes.
		fresh := func() *harness { return h.twin(db) }
		readOn := func(srv *harness, as, query string) []byte {
			t.Helper()
			r := srv.do(as, "GET", "/v1/series/monthly-stats/trends?question=domains&from=2026-08&to=2026-10"+query, nil)
			if r.status != 200 {
				t.Fatalf("%s reads trends%s: %d %s", as, query, r.status, r.body)
			}
			return r.body
		}
		read := func(as, query string) []byte { t.Helper(); return readOn(h, as, query) }
		for _, c := range []struct{ as, query string }{{"admin", ""}, {"admin", "&member=mb"}, {"ma", ""}, {"ma", "&peer_group=four"}} {
			if _, err := h.store.DB().Exec("DELETE FROM results_cache"); err != nil {
				t.Fatal(err)
			}
			computed := readOn(fresh(), c.as, c.query)
			cached := read(c.as, c.query)
			if !bytes.Equal(computed, cached) {
				t.Errorf("%s%s: cached trend differs from computed\ncomputed %s\ncached   %s", c.as, c.query, computed, cached)
			}
		}
		// Kept: the two published months over everyone; never the open month.
		if _, err := h.store.DB().Exec("DELETE FROM results_cache"); err != nil {
			t.Fatal(err)
		}
		first := fresh()
		before := readOn(first, "admin", "")
		if n := sql(`SELECT COUNT(*) FROM results_cache WHERE view = 'trend question=domains group='`); n != 2 {
			t.Errorf("%d trend figures kept over everyone, want the 2 published months", n)
		}
		if n := sql(`SELECT COUNT(*) FROM results_cache WHERE survey_id = '` + oct + `'`); n != 0 {
			t.Errorf("%d views kept of the open month", n)
		}
		// The secretariat's trend over the group as it is now is not kept either.
		kept := sql(`SELECT COUNT(*) FROM results_cache`)
		readOn(fresh(), "admin", "&peer_group=four")
		if now := sql(`SELECT COUNT(*) FROM results_cache`); now != kept {
			t.Errorf("a trend over a group as it is now kept %d views", now-kept)
		}
		// What the cache holds is what is served.
		if _, err := h.store.DB().Exec(`UPDATE results_cache SET body = '{"n":6,"total":4242,"median":7}' WHERE view = 'trend question=domains group=' AND survey_id = '` + sep + `'`); err != nil {
			t.Fatal(err)
		}
		if got := readOn(fresh(), "admin", ""); !bytes.Contains(got, []byte(`"total":4242`)) {
			t.Fatalf("another server did not read September's figures from the database's cache: %s", got)
		}
		if got := readOn(first, "admin", ""); !bytes.Equal(got, before) {
			t.Fatalf("the first server did not read September's figures from its memory: %s", got)
		}
		// The open month follows every change of an answer.
		if !bytes.Contains(read("admin", ""), []byte(`"period":"2026-10","survey_id":"`+oct+`","n":6,"total":4200,`)) {
			t.Fatalf("the open month before a change: %s", read("admin", ""))
		}
		h.run([]step{
			{name: "withdraws October", as: "admin", method: "POST", path: "/v1/surveys/" + oct + "/responses/ma/withdraw", status: 200},
			{name: "answers again", as: "admin", method: "PATCH", path: "/v1/surveys/" + oct + "/responses/ma", body: `{"answers":{"domains":5}}`, status: 200},
			{name: "and submits", as: "admin", method: "POST", path: "/v1/surveys/" + oct + "/responses/ma/submit", status: 200},
		})
		if got := read("admin", ""); !bytes.Contains(got, []byte(`"period":"2026-10","survey_id":"`+oct+`","n":6,"total":4005,`)) {
			t.Fatalf("the open month after a change: %s", got)
		}
	})
}
