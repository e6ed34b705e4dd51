package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// withOpenSurvey creates dk, se and their users (withMembers), a dk respondent
// token "dk", a viewer of se "se", and opens the DNSSEC survey as {{survey}},
// due at the end of 2026.
func withOpenSurvey(h *harness) {
	h.t.Helper()
	withMembers(h)
	h.run([]step{
		{name: "create", as: "admin", method: "POST", path: "/v1/surveys",
			body: withSurvey(h.t, func(doc map[string]any) { doc["deadline"] = "2026-12-31T23:59:59Z" }), status: 201,
			save: map[string]string{"survey": "id"}},
		{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 200},
	})
}

func historyOf(t *testing.T, r response) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range r.json(t)["items"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

func TestAnswering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		etag := func(want string) func(*testing.T, *harness, response) {
			return func(t *testing.T, h *harness, r response) {
				if got := r.header.Get("ETag"); got != want {
					t.Fatalf("ETag %s, want %s", got, want)
				}
			}
		}
		h.run([]step{
			{name: "not started", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
				want: map[string]any{"status": "not_started", "version": 0, "locked": false, "deadline": "2026-12-31T23:59:59Z"}, check: etag(`"0"`)},
			{name: "submit with required answers missing", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit", status: 422,
				errors: []string{"answers.zone_signed"}},
			{name: "a partial save", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":true,"signed_since":2010}}`, status: 200,
				want: map[string]any{"status": "draft", "version": 1, "answers.zone_signed": true, "answers.signed_since": 2010}, check: etag(`"1"`)},
			{name: "every bad value is named, nothing is written", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"signed_since":2010.5,"algorithm":"rsamd5","signed_share":150,"dnssec_colour":"blue","zone_signed":null}}`, status: 422,
				errors: []string{"answers.signed_since", "answers.algorithm", "answers.signed_share", "answers.dnssec_colour"}},
			{name: "a wrong type", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":"yes"}}`, status: 422, errors: []string{"answers.zone_signed"}},
			{name: "earlier answers are kept", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
				want: map[string]any{"version": 1, "answers.zone_signed": true, "answers.signed_since": 2010}},
			{name: "another answer", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"algorithm":"rsasha256"}}`, status: 200, want: map[string]any{"version": 2}},
			{name: "the same values again change nothing", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"algorithm":"rsasha256","zone_signed":true}}`, status: 200, want: map[string]any{"version": 2}},
			{name: "unsigning hides signed_since", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":false,"signed_share":0}}`, status: 200,
				want: map[string]any{"version": 3, "answers.zone_signed": false},
				check: func(t *testing.T, h *harness, r response) {
					if _, ok := r.json(t)["answers"].(map[string]any)["signed_since"]; ok {
						t.Fatal("the answer to a hidden question is kept")
					}
				}},
			{name: "submit", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit", status: 200,
				want: map[string]any{"status": "submitted", "version": 4}},
			{name: "submitting again changes nothing", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit", status: 200,
				want: map[string]any{"status": "submitted", "version": 4}},
			{name: "amend while submitted", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"signed_share":1.5}}`, status: 200, want: map[string]any{"status": "submitted", "version": 5}},
			{name: "an amendment may not leave it incomplete", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":null}}`, status: 422, errors: []string{"answers.zone_signed"}},
			{name: "withdraw", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/withdraw", status: 200,
				want: map[string]any{"status": "draft", "version": 6, "submitted_at": nil}},
			{name: "withdraw a draft", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/withdraw", status: 409},
			{name: "another member's response, read", as: "se", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 403},
			{name: "another member's response, written", as: "se", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":true}}`, status: 403},
			{name: "a viewer may read its own", as: "se", method: "GET", path: "/v1/surveys/{{survey}}/responses/se", status: 200},
			{name: "but not write it", as: "se", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/se",
				body: `{"answers":{"zone_signed":true}}`, status: 403},
			{name: "the secretariat writes on se's behalf", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/se",
				body: `{"answers":{"zone_signed":true,"signed_since":2008,"signed_share":55.5}}`, status: 200, want: map[string]any{"version": 1}},
			{name: "and submits it", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/responses/se/submit", status: 200,
				want: map[string]any{"status": "submitted"}},
			{name: "on behalf is recorded", as: "se", method: "GET", path: "/v1/surveys/{{survey}}/responses/se/history", status: 200,
				want: map[string]any{"items.0.on_behalf": true, "items.0.by": "{{admin_id}}", "items.3.kind": "submit"}},
		})

		h.run([]step{{name: "history of dk", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk/history", status: 200,
			check: func(t *testing.T, h *harness, r response) {
				var got []string
				for _, e := range historyOf(t, r) {
					got = append(got, fmt.Sprintf("%s %v %v→%v", e["kind"], e["question"], e["old_value"], e["new_value"]))
				}
				want := []string{
					"answer zone_signed <nil>→true", "answer signed_since <nil>→2010", "answer algorithm <nil>→rsasha256",
					"answer zone_signed true→false", "hidden signed_since 2010→<nil>", "answer signed_share <nil>→0",
					"submit <nil> <nil>→<nil>", "answer signed_share 0→1.5", "withdraw <nil> <nil>→<nil>",
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}}})

		h.run([]step{
			{name: "history pages oldest first", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk/history?limit=4", status: 200,
				want: map[string]any{"items.0.question": "zone_signed", "items.3.kind": "answer"}, save: map[string]string{"hc": "next_cursor"}},
			{name: "next page", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk/history?limit=4&cursor={{hc}}", status: 200,
				want: map[string]any{"items.0.kind": "hidden"}},
			{name: "responses for the secretariat", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/responses", status: 200,
				want: map[string]any{"items.0.member": "dk", "items.1.member": "se", "items.1.status": "submitted"}},
			{name: "responses for a member: its own", as: "se", method: "GET", path: "/v1/surveys/{{survey}}/responses", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					items := r.json(t)["items"].([]any)
					if len(items) != 1 || items[0].(map[string]any)["member"] != "se" {
						t.Fatalf("se lists %v", items)
					}
				}},
			{name: "progress", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/progress", status: 200,
				want: map[string]any{"totals.audience": 2, "totals.draft": 1, "totals.submitted": 1, "totals.not_started": 0,
					"members.0.member": "dk", "members.0.status": "draft", "members.0.required_answered": 1, "members.0.required_total": 1,
					"members.1.required_answered": 2, "members.1.required_total": 2}},
			{name: "progress is the secretariat's", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/progress", status: 403},
		})
	})
}

func TestStaleWritesAndDeadlines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		patch := func(name, as, member, ifMatch, body string, status int) response {
			t.Helper()
			req := httptest.NewRequest("PATCH", h.expand("/v1/surveys/{{survey}}/responses/"+member), strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+h.tokens[as])
			if ifMatch != "" {
				req.Header.Set("If-Match", ifMatch)
			}
			rec := httptest.NewRecorder()
			h.e.ServeHTTP(rec, req)
			res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			h.checkAgainstSpec(req, res)
			if res.status != status {
				t.Fatalf("%s: status %d, want %d\n%s", name, res.status, status, res.body)
			}
			return res
		}
		patch("first save", "dk", "dk", `"0"`, `{"answers":{"zone_signed":true}}`, 200)
		patch("save on version 1", "dk", "dk", `"1"`, `{"answers":{"signed_since":2011}}`, 200)
		patch("a stale version", "dk", "dk", `"1"`, `{"answers":{"signed_since":1999}}`, 412)
		patch("a garbled If-Match", "dk", "dk", `"one"`, `{"answers":{"signed_since":1999}}`, 400)
		h.run([]step{{name: "the stale write changed nothing", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
			want: map[string]any{"version": 2, "answers.signed_since": 2011}}})

		// The deadline passes: responses lock, and the lock is recorded.
		h.clock.Advance(60 * 24 * time.Hour)
		r := patch("after the deadline", "dk", "dk", "", `{"answers":{"signed_since":2012}}`, 409)
		if !strings.Contains(string(r.body), "2026-12-31T23:59:59Z") {
			t.Fatalf("the 409 does not name the deadline: %s", r.body)
		}
		n, err := h.store.LockDue(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("LockDue: %d, %v; want one response locked", n, err)
		}
		if n, _ := h.store.LockDue(context.Background()); n != 0 {
			t.Fatalf("a second LockDue locked %d again", n)
		}
		h.run([]step{
			{name: "locked", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200, want: map[string]any{"locked": true}},
			{name: "the lock is in the history", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk/history", status: 200,
				want: map[string]any{"items.2.kind": "lock", "items.2.by": nil, "items.2.at": "2026-12-31T23:59:59Z"}},
			{name: "members may not extend", as: "dk", method: "PUT", path: "/v1/surveys/{{survey}}/extensions/dk", body: `{"deadline":"2027-01-15T00:00:00Z"}`, status: 403},
			{name: "an extension in the past", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}/extensions/dk", body: `{"deadline":"2026-12-31T00:00:00Z"}`, status: 422,
				errors: []string{"deadline"}},
			{name: "extend dk", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}/extensions/dk", body: `{"deadline":"2027-03-01T00:00:00Z"}`, status: 200,
				want: map[string]any{"member": "dk", "granted_by": "{{admin_id}}"}},
			{name: "extensions", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/extensions", status: 200, want: map[string]any{"items.0.member": "dk"}},
			{name: "dk may write again", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"signed_since":2012}}`, status: 200, want: map[string]any{"locked": false, "deadline": "2027-03-01T00:00:00Z"}},
			{name: "se may not", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/se",
				body: `{"answers":{"zone_signed":true}}`, status: 409},
			{name: "close", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/close", status: 200},
			{name: "a closed survey takes no answers, extension or not", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"signed_since":2013}}`, status: 409},
		})
	})
}

// TestConcurrentEditors: two writers holding the same version at once; exactly
// one of them wins and the other gets 412.
func TestConcurrentEditors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		h.run([]step{{name: "start", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
			body: `{"answers":{"zone_signed":true}}`, status: 200}})
		for round := range 5 {
			version := fmt.Sprintf(`"%d"`, round+1)
			statuses := make(chan int, 2)
			start := make(chan struct{})
			for i := range 2 {
				go func() {
					<-start
					body := fmt.Sprintf(`{"answers":{"signed_since":%d}}`, 2000+2*round+i)
					req := httptest.NewRequest("PATCH", h.expand("/v1/surveys/{{survey}}/responses/dk"), strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+h.tokens["dk"])
					req.Header.Set("If-Match", version)
					rec := httptest.NewRecorder()
					h.e.ServeHTTP(rec, req)
					statuses <- rec.Code
				}()
			}
			close(start)
			a, b := <-statuses, <-statuses
			if !(a == 200 && b == 412 || a == 412 && b == 200) {
				t.Fatalf("round %d: statuses %d and %d, want one 200 and one 412", round, a, b)
			}
		}
		h.run([]step{{name: "five wins, five versions", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
			want: map[string]any{"version": 6}}})
	})
}

func TestWritesOutsideTheOpenSurvey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "a draft", as: "admin", method: "POST", path: "/v1/surveys", body: dnssecSurvey, status: 201, save: map[string]string{"draft": "id"}},
			{name: "no answers to a draft", as: "admin", method: "PATCH", path: "/v1/surveys/{{draft}}/responses/dk",
				body: `{"answers":{"zone_signed":true}}`, status: 409},
			{name: "a member cannot even see it", as: "dk", method: "PATCH", path: "/v1/surveys/{{draft}}/responses/dk",
				body: `{"answers":{"zone_signed":true}}`, status: 404},
			{name: "an unknown member", as: "admin", method: "PATCH", path: "/v1/surveys/{{draft}}/responses/zz",
				body: `{"answers":{"zone_signed":true}}`, status: 409},
		})
	})
}

func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		post := func(name, query, body string, status int, fields ...string) response {
			t.Helper()
			req := httptest.NewRequest("POST", h.expand("/v1/surveys/{{survey}}/imports"+query), strings.NewReader(body))
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Authorization", "Bearer "+h.tokens["admin"])
			rec := httptest.NewRecorder()
			h.e.ServeHTTP(rec, req)
			res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			h.checkAgainstSpec(req, res)
			if res.status != status {
				t.Fatalf("%s: status %d, want %d\n%s", name, res.status, status, res.body)
			}
			for _, f := range fields {
				if !problemNames(res.json(t), f) {
					t.Fatalf("%s: the problem does not name %q\n%s", name, f, res.body)
				}
			}
			return res
		}
		good := "member,zone_signed,signed_since,algorithm,signed_share\ndk,yes,2010,rsasha256,97.5\nse,no,,,12\n"
		post("dry run", "?dry_run=true&submit=true", good, 200)
		h.run([]step{{name: "the dry run wrote nothing", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/responses", status: 200,
			check: func(t *testing.T, h *harness, r response) {
				if n := len(r.json(t)["items"].([]any)); n != 0 {
					t.Fatalf("%d responses after a dry run", n)
				}
			}}})
		bad := "member,zone_signed,signed_since,colour\ndk,perhaps,2010.5,red\n"
		post("an unknown column", "", bad, 422, "line 1, column 4")
		bad = "member,zone_signed,signed_since\ndk,perhaps,2010.5\nzz,yes,2010\ndk,yes,2010\n"
		post("bad cells, unknown members, duplicate rows", "", bad, 422,
			"line 2, column zone_signed", "line 2, column signed_since", "line 3, column member", "line 4, column member")
		post("a ragged row", "", "member,zone_signed\ndk,yes,extra\n", 422, "line 2")
		post("no member column", "", "zone_signed\nyes\n", 422, "line 1, column 1")
		bad = "member,zone_signed,signed_since\ndk,yes,2010\nse,yes,1900\n"
		post("one bad row fails the upload", "?submit=true", bad, 422, "line 3, column signed_since")
		h.run([]step{{name: "nothing of it was written", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
			want: map[string]any{"status": "not_started"}}})
		r := post("upload", "?submit=true", good, 200)
		if got := r.json(t); got["rows"] != 2.0 || got["changed"] != 2.0 || got["submitted"] != 2.0 {
			t.Fatalf("import result %s", r.body)
		}
		h.run([]step{
			{name: "dk as uploaded", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
				want: map[string]any{"status": "submitted", "answers.signed_share": 97.5, "answers.algorithm": "rsasha256"}},
			{name: "recorded as on behalf", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk/history", status: 200,
				want: map[string]any{"items.0.on_behalf": true}},
		})
		r = post("the same upload again", "?submit=true", good, 200)
		if got := r.json(t); got["changed"] != 0.0 {
			t.Fatalf("a repeated upload changed %v responses", got["changed"])
		}
		req := httptest.NewRequest("POST", h.expand("/v1/surveys/{{survey}}/imports"), strings.NewReader(good))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.tokens["admin"])
		rec := httptest.NewRecorder()
		h.e.ServeHTTP(rec, req)
		if rec.Code != 415 {
			t.Fatalf("an upload that is not text/csv: %d", rec.Code)
		}
	})
}
