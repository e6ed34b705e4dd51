package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// sendRaw sends a request built by the test, with whatever headers and body it
// has, through the real server, and checks the response against openapi.yaml.
func (h *harness) sendRaw(req *http.Request) response {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	h.checkAgainstSpec(req, res)
	return res
}

// request builds a request as the named token, with a JSON body when body is not nil.
func (h *harness) request(as, method, path string, body io.Reader) *http.Request {
	h.t.Helper()
	req := httptest.NewRequest(method, h.expand(path), body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+h.tokens[as])
	}
	return req
}

func wantProblem(t *testing.T, r response, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	if field != "" && !problemNames(r.json(t), field) {
		t.Fatalf("the problem does not name %q\n%s", field, r.body)
	}
}

// TestTextThatCannotBeKept: invalid UTF-8 and lone surrogates are refused with a
// 400 naming the field, where encoding/json would have stored U+FFFD.
func TestTextThatCannotBeKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		for _, c := range []struct{ name, body, field string }{
			{"invalid UTF-8", "{\"name\":\"Punktum \xff\"}", "name"},
			{"a lone high surrogate", `{"name":"Punktum \ud800"}`, "name"},
			{"a lone low surrogate", `{"name":"\udc00 Punktum"}`, "name"},
			{"a high surrogate before another escape", `{"name":"\ud83d\u0041"}`, "name"},
			{"invalid UTF-8 in a key", "{\"n\xffame\":\"x\"}", ""},
		} {
			r := h.sendRaw(h.request("admin", "PATCH", "/v1/members/dk", strings.NewReader(c.body)))
			wantProblem(t, r, 400, c.field)
		}
		h.run([]step{
			{name: "nothing was written", as: "admin", method: "GET", path: "/v1/members/dk", status: 200,
				want: map[string]any{"name": "Punktum dk"}},
			{name: "a surrogate pair is one character, and is kept", as: "admin", method: "PATCH", path: "/v1/members/dk",
				body: `{"name":"Punktum \ud83d\ude00 \\ud800"}`, status: 200, want: map[string]any{"name": "Punktum 😀 \\ud800"}},
			{name: "through the step runner", as: "admin", method: "PATCH", path: "/v1/members/dk", body: `{"name":"\ud800"}`, status: 400,
				errors: []string{"name"}},
		})
	})
}

// TestStrictBodies: duplicate keys, a whole-body null, too deep and too long.
func TestStrictBodies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		deep := `{"answers":{"zone_signed":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}`
		long := `{"name":"` + strings.Repeat("é", 100_001) + `"}`
		h.run([]step{
			{name: "a key twice", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"fi","name":"Traficom","country":"FI","membership":"full","name":"Other"}`, status: 400, errors: []string{"name"}},
			{name: "a key twice, once escaped", as: "admin", method: "PATCH", path: "/v1/members/dk",
				body: `{"name":"A","n\u0061me":"B"}`, status: 400, errors: []string{"name"}},
			{name: "a key twice, in another case", as: "admin", method: "POST", path: "/v1/users",
				body: `{"email":"x@example.org","role":"viewer","member":"dk","Role":"secretariat"}`, status: 400, errors: []string{"Role"}},
			{name: "a nested key twice", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":true,"zone_signed":false}}`, status: 400, errors: []string{"answers.zone_signed"}},
			{name: "the member was not created", as: "admin", method: "GET", path: "/v1/members/fi", status: 404},
			{name: "the same key in two objects is fine", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":true}}`, status: 200, want: map[string]any{"version": 1}},
			{name: "a whole-body null patch of a response", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `null`, status: 400},
			{name: "of a member", as: "admin", method: "PATCH", path: "/v1/members/dk", body: `null`, status: 400},
			{name: "of a user", as: "admin", method: "PATCH", path: "/v1/users/{{dk_user}}", body: ` null `, status: 400},
			{name: "of a survey", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}", body: `null`, status: 400},
			{name: "an array", as: "admin", method: "PATCH", path: "/v1/members/dk", body: `[]`, status: 400},
			{name: "too deep", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk", body: deep, status: 400,
				errors: []string{"answers.zone_signed" + strings.Repeat("[0]", 30)}}, // the 33rd level: the object, answers, 31 arrays
			{name: "too long a string", as: "admin", method: "PATCH", path: "/v1/members/dk", body: long, status: 400, errors: []string{"name"}},
			{name: "nothing of it was written", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
				want: map[string]any{"version": 1, "answers.zone_signed": true}},
		})
	})
}

// TestBodyLimit: 1 MiB exactly is read, one byte more is a 413.
func TestBodyLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		padded := func(size int) []byte {
			b := []byte(`{"name":"Punktum"}`)
			return append(b, bytes.Repeat([]byte(" "), size-len(b))...)
		}
		if r := h.sendRaw(h.request("admin", "PATCH", "/v1/members/dk", bytes.NewReader(padded(1<<20)))); r.status != 200 {
			t.Fatalf("a body of 1,048,576 bytes: status %d\n%s", r.status, r.body)
		}
		r := h.sendRaw(h.request("admin", "PATCH", "/v1/members/dk", bytes.NewReader(padded(1<<20+1))))
		wantProblem(t, r, 413, "")
		// Without a Content-Length, the limit holds while reading.
		chunked := h.request("admin", "PATCH", "/v1/members/dk", io.MultiReader(bytes.NewReader(padded(1<<20+1))))
		wantProblem(t, h.sendRaw(chunked), 413, "")
	})
}

// TestBodiesWhereNoneBelongs: a body sent to a route that reads none is refused,
// and nothing happens.
func TestBodiesWhereNoneBelongs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		h.run([]step{
			{name: "save", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":true,"signed_since":2010}}`, status: 200},
			{name: "a submit with answers", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit",
				body: `{"answers":{"zone_signed":false}}`, status: 400, errors: []string{"body"}},
			{name: "a submit with a malformed body", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit",
				body: `{not json`, status: 400, errors: []string{"body"}},
			{name: "was neither saved nor submitted", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
				want: map[string]any{"status": "draft", "version": 1, "answers.zone_signed": true}},
			{name: "an empty object is a body too", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/withdraw",
				body: `{}`, status: 400, errors: []string{"body"}},
			{name: "close with a body", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/close", body: `{"force":true}`, status: 400,
				errors: []string{"body"}},
			{name: "still open", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}", status: 200, want: map[string]any{"status": "open"}},
			{name: "open with a body", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", body: `{}`, status: 400, errors: []string{"body"}},
			{name: "a GET with a body", as: "admin", method: "GET", path: "/v1/me", body: `{}`, status: 400, errors: []string{"body"}},
			{name: "a DELETE with a body", as: "admin", method: "DELETE", path: "/v1/tokens/{{dk_token}}", body: `{}`, status: 400, errors: []string{"body"}},
			{name: "the token still works", as: "dk", method: "GET", path: "/v1/me", status: 200},
			{name: "submit without a body", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit", status: 200,
				want: map[string]any{"status": "submitted"}},
		})
		// A chunked body of no bytes is no body; one of some bytes is one.
		empty := h.request("admin", "GET", "/v1/me", io.MultiReader())
		if r := h.sendRaw(empty); r.status != 200 {
			t.Fatalf("an empty chunked body: status %d\n%s", r.status, r.body)
		}
		some := h.request("admin", "GET", "/v1/me", io.MultiReader(strings.NewReader("x")))
		wantProblem(t, h.sendRaw(some), 400, "body")
	})
}

// TestQueryParameters: unknown, repeated, empty and undecodable parameters are
// refused by name, never dropped.
func TestQueryParameters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "a bad escape in a filter", as: "admin", method: "GET", path: "/v1/users?member=%", status: 400, errors: []string{"member"}},
			{name: "after a good one", as: "admin", method: "GET", path: "/v1/users?limit=5&member=d%zz", status: 400, errors: []string{"member"}},
			{name: "a semicolon", as: "admin", method: "GET", path: "/v1/users?member=dk;limit=5", status: 400, errors: []string{"member"}},
			{name: "an empty filter", as: "admin", method: "GET", path: "/v1/users?member=", status: 400, errors: []string{"member"}},
			{name: "a filter twice", as: "admin", method: "GET", path: "/v1/users?member=dk&member=se", status: 400, errors: []string{"member"}},
			{name: "a filter that is no member code", as: "admin", method: "GET", path: "/v1/users?member=DK!", status: 400, errors: []string{"member"}},
			{name: "the filter works", as: "admin", method: "GET", path: "/v1/users?member=se", status: 200, want: map[string]any{"items.0.member": "se"},
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["items"].([]any)); n != 1 {
						t.Fatalf("%d users of se, want 1", n)
					}
				}},
			{name: "an unknown parameter", as: "admin", method: "GET", path: "/v1/members?limit=5&sort=name", status: 400, errors: []string{"sort"}},
			{name: "on a route that takes none", as: "dk", method: "GET", path: "/v1/me?verbose=1", status: 400, errors: []string{"verbose"}},
			{name: "on a write", as: "admin", method: "PATCH", path: "/v1/members/dk?dry_run=true", body: `{"name":"X"}`, status: 400,
				errors: []string{"dry_run"}},
			{name: "which wrote nothing", as: "admin", method: "GET", path: "/v1/members/dk", status: 200, want: map[string]any{"name": "Punktum dk"}},
			{name: "on a public route", method: "GET", path: "/healthz?probe=1", status: 400, errors: []string{"probe"}},
			{name: "a trend's member", as: "admin", method: "GET", path: "/v1/series/x/trends?question=q&member=%", status: 400, errors: []string{"member"}},
			{name: "a stranger gets 401 first", method: "GET", path: "/v1/members?sort=name", status: 401},
			{name: "an unknown route stays 404", as: "admin", method: "GET", path: "/v1/nothing?sort=name", status: 404},
		})
	})
}

// TestEmptyLists: a list with nothing in it is [], never null.
func TestEmptyLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		noNull := func(t *testing.T, h *harness, r response) {
			for _, field := range []string{`"members":null`, `"items":null`, `"topics":null`, `"transitions":null`, `"flags":null`,
				`"notes":null`, `"questions":null`, `"histogram":null`, `"editions":null`, `"points":null`, `"sections":null`} {
				if bytes.Contains(r.body, []byte(field)) {
					t.Fatalf("%s in %s", field, r.body)
				}
			}
		}
		h.run([]step{
			{name: "an empty peer group", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: `{"key":"none","name":"None","members":[]}`, status: 201, check: noNull},
			{name: "read", as: "admin", method: "GET", path: "/v1/peer-groups/none", status: 200, check: noNull,
				want: map[string]any{"members": []any{}}},
			{name: "listed", as: "admin", method: "GET", path: "/v1/peer-groups", status: 200, check: noNull},
			{name: "replaced by an empty one", as: "admin", method: "PUT", path: "/v1/peer-groups/none",
				body: `{"name":"None","members":[]}`, status: 200, check: noNull},
			{name: "an empty list of members", as: "admin", method: "GET", path: "/v1/members", status: 200, check: noNull},
			{name: "of surveys", as: "admin", method: "GET", path: "/v1/surveys", status: 200, check: noNull},
			{name: "a survey with no topics", as: "admin", method: "POST", path: "/v1/surveys",
				body: withSurvey(t, func(doc map[string]any) { doc["topics"] = []any{} }), status: 201, check: noNull,
				save: map[string]string{"survey": "id"}},
			{name: "its progress", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/progress", status: 200, check: noNull},
			{name: "its responses", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/responses", status: 200, check: noNull},
			{name: "its extensions", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/extensions", status: 200, check: noNull},
			{name: "its results with no responses", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/results", status: 200, check: noNull},
			{name: "a series with no editions", as: "admin", method: "POST", path: "/v1/series",
				body: monthlyStats, status: 201, check: noNull},
			{name: "its trends with no periods", as: "admin", method: "GET", path: "/v1/series/monthly-stats/trends?question=domains", status: 200, check: noNull},
			{name: "series", as: "admin", method: "GET", path: "/v1/series", status: 200, check: noNull},
		})
	})
}

// TestIfMatchIsQuoted: an entity tag is a quoted string; a bare number is not one.
func TestIfMatchIsQuoted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		signed := true
		patch := func(ifMatch string) response {
			body := fmt.Sprintf(`{"answers":{"zone_signed":%v}}`, signed)
			signed = !signed
			req := h.request("dk", "PATCH", "/v1/surveys/{{survey}}/responses/dk", strings.NewReader(body))
			req.Header.Set("If-Match", ifMatch)
			return h.sendRaw(req)
		}
		for _, bad := range []string{`0`, `"0`, `0"`, `""`, `W/0`, `"zero"`} {
			wantProblem(t, patch(bad), 400, "If-Match")
		}
		if r := patch(`"0"`); r.status != 200 || r.header.Get("ETag") != `"1"` {
			t.Fatalf(`If-Match "0": status %d, ETag %s`, r.status, r.header.Get("ETag"))
		}
		if r := patch(`W/"1"`); r.status != 200 {
			t.Fatalf(`If-Match W/"1": status %d`, r.status)
		}
		wantProblem(t, patch(`"1"`), 412, "")
	})
}

// TestFailedAuthenticationIsThrottled: an address that keeps failing gets 429
// with Retry-After, other addresses and valid tokens carry on.
func TestFailedAuthenticationIsThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		n := 0
		from := func(addr, secret string) response {
			n++
			req := httptest.NewRequest("GET", "/v1/me", nil)
			req.RemoteAddr = addr + ":40000"
			req.Header.Set("Authorization", "Bearer "+secret)
			// Anyone can write X-Forwarded-For: a new one on every request changes nothing.
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", n/250, n%250))
			return h.sendRaw(req)
		}
		wrong := "tsv_" + strings.Repeat("A", 43)
		for i := range 20 {
			if r := from("192.0.2.7", wrong); r.status != 401 {
				t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
			}
		}
		r := from("192.0.2.7", wrong)
		wantProblem(t, r, 429, "")
		wait, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || wait < 1 || wait > 3 {
			t.Fatalf("Retry-After %q, want 1 to 3 seconds", r.header.Get("Retry-After"))
		}
		if got := from("192.0.2.7", "not even a token"); got.status != 429 {
			t.Fatalf("a garbled token from the throttled address: %d, want 429", got.status)
		}
		if got := from("192.0.2.7", h.tokens["admin"]); got.status != 200 {
			t.Fatalf("a valid token from the throttled address: %d, want 200", got.status)
		}
		if got := from("198.51.100.1", wrong); got.status != 401 {
			t.Fatalf("a wrong token from another address: %d, want 401", got.status)
		}
		h.clock.Advance(time.Duration(wait) * time.Second)
		if got := from("192.0.2.7", wrong); got.status != 401 {
			t.Fatalf("after Retry-After: %d, want 401", got.status)
		}
		if got := from("192.0.2.7", wrong); got.status != 429 {
			t.Fatalf("right after that: %d, want 429 again", got.status)
		}
		// A request without any token is not a guess and is not counted.
		for range 30 {
			req := httptest.NewRequest("GET", "/v1/me", nil)
			req.RemoteAddr = "203.0.113.5:1234"
			if got := h.sendRaw(req); got.status != 401 {
				t.Fatalf("no token: %d, want 401", got.status)
			}
		}
	})
}

// TestResponseHeaders: security headers on every response, no-store on /v1.
func TestResponseHeaders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		cases := []struct {
			name, as, method, path, body string
			status                       int
			noStore                      bool
		}{
			{"health", "", "GET", "/healthz", "", 200, false},
			{"the spec", "", "GET", "/openapi.yaml", "", 200, false},
			{"an unknown public path", "", "GET", "/nothing", "", 404, false},
			{"a URL refused before routing", "", "GET", "/v1/me?x=%ff", "", 400, true},
			{"a 401", "", "GET", "/v1/me", "", 401, true},
			{"who am I", "dk", "GET", "/v1/me", "", 200, true},
			{"a new token's secret", "admin", "POST", "/v1/users/{{dk_user}}/tokens", `{"name":"second"}`, 201, true},
			{"a response's answers", "dk", "GET", "/v1/surveys/{{survey}}/responses/dk", "", 200, true},
			// Results are revalidated by their ETag instead (decision 0014): private, no-cache.
			{"results", "admin", "GET", "/v1/surveys/{{survey}}/results", "", 200, false},
			{"a 404 under /v1", "admin", "GET", "/v1/members/zz", "", 404, true},
		}
		for _, c := range cases {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			r := h.sendRaw(h.request(c.as, c.method, c.path, body))
			if r.status != c.status {
				t.Fatalf("%s: status %d, want %d\n%s", c.name, r.status, c.status, r.body)
			}
			for name, want := range map[string]string{
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
				"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
			} {
				if got := r.header.Get(name); got != want {
					t.Errorf("%s: %s is %q, want %q", c.name, name, got, want)
				}
			}
			if got := r.header.Get("Cache-Control"); c.noStore && got != "no-store" {
				t.Errorf("%s: Cache-Control is %q, want no-store", c.name, got)
			} else if !c.noStore && got == "no-store" {
				t.Errorf("%s: Cache-Control is no-store on a public response", c.name)
			}
			if c.name == "results" && r.header.Get("Cache-Control") != "private, no-cache" {
				t.Errorf("results: Cache-Control is %q, want private, no-cache", r.header.Get("Cache-Control"))
			}
		}
		docs := h.sendRaw(h.request("", "GET", "/docs", nil))
		if csp := docs.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("/docs: Content-Security-Policy %q", csp)
		}
		if docs.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("/docs: no nosniff")
		}
	})
}

// TestImportRowLimit: an import of more rows than the limit is refused whole.
func TestImportRowLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		csv := "member,zone_signed\n" + strings.Repeat("dk,true\n", 5_001)
		req := h.request("admin", "POST", "/v1/surveys/{{survey}}/imports", strings.NewReader(csv))
		req.Header.Set("Content-Type", "text/csv")
		wantProblem(t, h.sendRaw(req), 422, "line 5002")
		h.run([]step{{name: "nothing imported", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
			want: map[string]any{"version": 0}}})
	})
}
