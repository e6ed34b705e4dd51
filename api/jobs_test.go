package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestJobsList: the secretariat sees the jobs by state, with the error of a
// failed one, page by page; members may not look.
func TestJobsList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		ctx := context.Background()
		if err := h.store.Enqueue(ctx, survey.Job{Kind: "broken"}, survey.Job{Kind: jobs.KindTick, Key: "tick:1"},
			survey.Job{Kind: "later", RunAt: h.clock.Now().Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		w := jobs.New(h.store, jobs.Options{Name: "test"})
		if n, err := w.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("ran %d jobs (%v), want the tick and the broken one", n, err)
		}
		h.run([]step{
			{name: "failed ones", as: "admin", method: "GET", path: "/v1/jobs?state=failed", status: 200,
				want: map[string]any{"items.0.kind": "broken", "items.0.state": "failed", "items.0.attempts": 1,
					"items.0.last_error": `no handler for jobs of kind "broken"`}},
			{name: "pending", as: "admin", method: "GET", path: "/v1/jobs?state=pending&kind=later", status: 200,
				want: map[string]any{"items.0.kind": "later", "items.0.last_error": nil}},
			{name: "done", as: "admin", method: "GET", path: "/v1/jobs?state=done&kind=tick", status: 200,
				want: map[string]any{"items.0.key": "tick:1"}},
			{name: "page one", as: "admin", method: "GET", path: "/v1/jobs?limit=2", status: 200,
				save: map[string]string{"next": "next_cursor"}},
			{name: "page two", as: "admin", method: "GET", path: "/v1/jobs?limit=2&cursor={{next}}", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					items, _ := r.json(t)["items"].([]any)
					if len(items) == 0 {
						t.Fatalf("the second page is empty: %s", r.body)
					}
				}},
			{name: "bad state", as: "admin", method: "GET", path: "/v1/jobs?state=lost", status: 400, errors: []string{"state"}},
			{name: "member", as: "dk", method: "GET", path: "/v1/jobs", status: 403},
		})
	})
}
