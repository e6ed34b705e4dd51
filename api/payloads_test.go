package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
)

// TestResponseSaysWhatToShowAndWhatBlocks: a response read carries the visible
// questions, the missing required ones and what would block a submit, evaluated
// by the server; a dry run of submit changes nothing.
func TestResponseSaysWhatToShowAndWhatBlocks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		const r = "/v1/surveys/{{survey}}/responses/dk"
		h.run([]step{
			{name: "not started", as: "dk", method: "GET", path: r, status: 200, want: map[string]any{
				"visible_questions": "[zone_signed algorithm signed_share]", "missing_required": "[zone_signed]",
				"can_submit": false, "submit_blockers.0.reason": "required_missing", "submit_blockers.0.errors.0.field": "answers.zone_signed",
				"dropped": "[]"}},
			{name: "a dry run names what blocks", as: "dk", method: "POST", path: r + "/submit?dry_run=true", status: 200, want: map[string]any{
				"status": "not_started", "version": 0, "can_submit": false, "submit_blockers.0.reason": "required_missing"}},
			{name: "signed: signed_since shows and is required", as: "dk", method: "PATCH", path: r, body: `{"answers":{"zone_signed":true}}`, status: 200,
				want: map[string]any{"visible_questions": "[zone_signed signed_since algorithm signed_share]", "missing_required": "[signed_since]",
					"can_submit": false}},
			{name: "complete", as: "dk", method: "PATCH", path: r, body: `{"answers":{"signed_since":2012}}`, status: 200,
				want: map[string]any{"version": 2, "missing_required": "[]", "can_submit": true, "submit_blockers": "[]"}},
			{name: "a dry run that would pass", as: "dk", method: "POST", path: r + "/submit?dry_run=true", status: 200,
				want: map[string]any{"status": "draft", "version": 2, "can_submit": true}},
			{name: "and changed nothing", as: "dk", method: "GET", path: r + "/history", status: 200,
				check: func(t *testing.T, h *harness, res response) {
					for _, e := range historyOf(t, res) {
						if e["kind"] == "submit" {
							t.Fatal("a dry run submitted the response")
						}
					}
				}},
			{name: "a bad dry_run", as: "dk", method: "POST", path: r + "/submit?dry_run=maybe", status: 400, errors: []string{"dry_run"}},
			{name: "the viewer of se may read, not submit", as: "se", method: "GET", path: "/v1/surveys/{{survey}}/responses/se", status: 200,
				want: map[string]any{"can_submit": false, "submit_blockers.0.reason": "read_only_role", "submit_blockers.1.reason": "required_missing"}},
			{name: "nor dry-run another member's", as: "se", method: "POST", path: r + "/submit?dry_run=true", status: 403,
				want: map[string]any{"reason": "not_own_member"}},
		})
		stale := h.doWith("dk", http.MethodPost, r+"/submit?dry_run=true", "", http.Header{"If-Match": {`"1"`}})
		if stale.status != 200 {
			t.Fatalf("a stale dry run: %d %s", stale.status, stale.body)
		}
		doc := stale.json(t)
		if reason, _ := lookup(doc, "submit_blockers.0.reason"); reason != "stale_version" || doc["can_submit"] != false {
			t.Fatalf("a stale dry run: %s", stale.body)
		}
		h.clock.Advance(60 * 24 * time.Hour)
		h.run([]step{
			{name: "after the deadline", as: "dk", method: "GET", path: r, status: 200,
				want: map[string]any{"locked": true, "can_submit": false, "submit_blockers.0.reason": "deadline_passed"}},
		})
	})
}

// TestSaveSaysWhatItDropped: answers that conditions hide are named in the body
// of the save that drops them.
func TestSaveSaysWhatItDropped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		const r = "/v1/surveys/{{survey}}/responses/dk"
		h.run([]step{
			{name: "a hidden answer of a fresh response", as: "dk", method: "PATCH", path: r, body: `{"answers":{"signed_since":2012}}`, status: 200,
				want: map[string]any{"status": "not_started", "version": 0, "dropped.0.question": "signed_since", "dropped.0.stored": false,
					"dropped.0.reason": "hidden_by_condition", "dropped.0.depends_on": "zone_signed"}},
			{name: "nothing dropped", as: "dk", method: "PATCH", path: r, body: `{"answers":{"zone_signed":true,"signed_since":2012}}`, status: 200,
				want: map[string]any{"version": 1, "dropped": "[]"}},
			{name: "unsigning drops signed_since", as: "dk", method: "PATCH", path: r, body: `{"answers":{"zone_signed":false}}`, status: 200,
				want: map[string]any{"version": 2, "dropped.0.question": "signed_since", "dropped.0.stored": true}},
			{name: "sent while hidden: not kept, nothing changed", as: "dk", method: "PATCH", path: r, body: `{"answers":{"signed_since":2013}}`, status: 200,
				want: map[string]any{"version": 2, "dropped.0.question": "signed_since", "dropped.0.stored": false}},
			{name: "a read drops nothing", as: "dk", method: "GET", path: r, status: 200, want: map[string]any{"dropped": "[]"}},
		})
	})
}

// TestSurveyListCarriesStanding: a member's list says where its response
// stands and whether it may read results; the secretariat's counts responses.
func TestSurveyListCarriesStanding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		h.vars["first"] = h.vars["survey"]
		h.run([]step{
			{name: "a second survey", as: "admin", method: "POST", path: "/v1/surveys",
				body: withSurvey(h.t, func(doc map[string]any) { doc["deadline"] = "2026-12-31T23:59:59Z"; doc["edition"] = "2027" }), status: 201,
				save: map[string]string{"second": "id"}},
			{name: "open it", as: "admin", method: "POST", path: "/v1/surveys/{{second}}/open", status: 200},
			{name: "a third survey", as: "admin", method: "POST", path: "/v1/surveys",
				body: withSurvey(h.t, func(doc map[string]any) { doc["deadline"] = "2026-12-31T23:59:59Z"; doc["edition"] = "2028" }), status: 201,
				save: map[string]string{"third": "id"}},
			{name: "open the third", as: "admin", method: "POST", path: "/v1/surveys/{{third}}/open", status: 200},
			{name: "dk answers the first", as: "dk", method: "PATCH", path: "/v1/surveys/{{first}}/responses/dk", body: `{"answers":{"zone_signed":false}}`, status: 200},
			{name: "submits the second", as: "dk", method: "PATCH", path: "/v1/surveys/{{second}}/responses/dk", body: `{"answers":{"zone_signed":false}}`, status: 200},
			{name: "submit", as: "dk", method: "POST", path: "/v1/surveys/{{second}}/responses/dk/submit", status: 200},
			{name: "submits the third", as: "dk", method: "PATCH", path: "/v1/surveys/{{third}}/responses/dk", body: `{"answers":{"zone_signed":false}}`, status: 200},
			{name: "submit the third", as: "dk", method: "POST", path: "/v1/surveys/{{third}}/responses/dk/submit", status: 200},
			{name: "and withdraws it", as: "dk", method: "POST", path: "/v1/surveys/{{third}}/responses/dk/withdraw", status: 200},
			{name: "an extension for dk on the first", as: "admin", method: "PUT", path: "/v1/surveys/{{first}}/extensions/dk",
				body: `{"deadline":"2027-01-15T00:00:00Z"}`, status: 200},
		})
		byID := func(t *testing.T, r response) map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, it := range r.json(t)["items"].([]any) {
				m := it.(map[string]any)
				out[m["id"].(string)] = m
			}
			return out
		}
		r := h.do("dk", http.MethodGet, "/v1/surveys", nil)
		items := byID(t, r)
		for _, c := range []struct {
			id, status, deadline string
			extended             bool
		}{
			{h.vars["first"], "draft", "2027-01-15T00:00:00Z", true},
			{h.vars["second"], "submitted", "2026-12-31T23:59:59Z", false},
			{h.vars["third"], "withdrawn", "2026-12-31T23:59:59Z", false},
		} {
			got := items[c.id]["response"].(map[string]any)
			if got["status"] != c.status || got["deadline"] != c.deadline || got["extended"] != c.extended {
				t.Errorf("survey %s: response %v, want %s until %s (extended %v)", c.id, got, c.status, c.deadline, c.extended)
			}
			if res := items[c.id]["results"].(map[string]any); res["readable"] != false || res["reason"] != "not_published" {
				t.Errorf("survey %s: results %v, want not readable: not_published", c.id, res)
			}
			if _, ok := items[c.id]["response_counts"]; ok {
				t.Errorf("a member sees response counts")
			}
		}
		// se's viewer has written nothing anywhere.
		for id, it := range byID(t, h.do("se", http.MethodGet, "/v1/surveys", nil)) {
			if st := it["response"].(map[string]any)["status"]; st != "not_started" {
				t.Errorf("se on %s: %v, want not_started", id, st)
			}
		}
		// The secretariat's list counts.
		items = byID(t, h.do("admin", http.MethodGet, "/v1/surveys", nil))
		for id, want := range map[string]string{h.vars["first"]: "map[draft:1 submitted:0]", h.vars["second"]: "map[draft:0 submitted:1]",
			h.vars["third"]: "map[draft:1 submitted:0]"} {
			if got := fmtOf(items[id]["response_counts"]); got != want {
				t.Errorf("counts of %s: %s, want %s", id, got, want)
			}
			if _, ok := items[id]["response"]; ok {
				t.Errorf("the secretariat gets a member's standing")
			}
		}

		// Once published, the respondent may read the results, the others not.
		admin, err := h.store.User(context.Background(), h.vars["admin_id"])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.Submit(context.Background(), store.Write{SurveyID: h.vars["second"], Member: "se",
			Answers: map[string]any{"zone_signed": false}, By: admin}); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(60 * 24 * time.Hour)
		for _, id := range []string{h.vars["second"], h.vars["third"]} {
			for _, step := range []string{"close", "publish"} {
				if r := h.do("admin", http.MethodPost, "/v1/surveys/"+id+"/"+step, nil); r.status != 200 {
					t.Fatalf("%s: %d %s", step, r.status, r.body)
				}
			}
		}
		items = byID(t, h.do("dk", http.MethodGet, "/v1/surveys", nil))
		if got := fmtOf(items[h.vars["second"]]["results"]); got != "map[readable:true reason:<nil>]" {
			t.Errorf("results of the submitted survey: %s", got)
		}
		if got := fmtOf(items[h.vars["third"]]["results"]); got != "map[readable:false reason:not_respondent]" {
			t.Errorf("results of the withdrawn survey: %s", got)
		}
	})
}

func fmtOf(v any) string { return fmt.Sprint(v) }
