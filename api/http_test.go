package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// doWith sends one request with extra headers, as do does, and checks the
// response against openapi.yaml; a gzip body is checked as the client reads it.
func (h *harness) doWith(as, method, path string, body string, header http.Header) response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(h.expand(body))
	}
	req := httptest.NewRequest(method, h.expand(path), rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		secret, ok := h.tokens[as]
		if !ok {
			secret = as
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	checked := res
	if res.header.Get("Content-Encoding") == "gzip" {
		checked.body = gunzip(h.t, res.body)
	}
	if method != http.MethodOptions { // a pre-flight is no operation of the API
		h.checkAgainstSpec(req, checked)
	}
	return res
}

// expectProblem fails unless r is a problem of the status, code and reason.
func expectProblem(t *testing.T, r response, status int, code, reason string) {
	t.Helper()
	var p struct{ Code, Reason string }
	if err := json.Unmarshal(r.body, &p); err != nil || r.status != status || p.Code != code || p.Reason != reason {
		t.Fatalf("got %d %s/%s, want %d %s/%s\n%s", r.status, p.Code, p.Reason, status, code, reason, r.body)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

// withCORS rebuilds the harness's server with the given CORS origins.
func withCORS(h *harness, origins ...string) {
	h.e = api.New(api.Config{Store: h.store, Now: h.clock.Now, CORSOrigins: origins})
}

func TestCORS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		const dash = "https://dash.example.org"
		preflight := http.Header{"Origin": {dash}, "Access-Control-Request-Method": {"PATCH"},
			"Access-Control-Request-Headers": {"authorization,content-type,if-match"}}

		// By default no origin is allowed: a pre-flight is just an unauthenticated request.
		r := h.doWith("", http.MethodOptions, "/v1/surveys/srv_x/responses/dk", "", preflight)
		if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("without CORS: %d, Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
		}

		withCORS(h, dash, "http://localhost:5173")
		r = h.doWith("", http.MethodOptions, "/v1/surveys/srv_x/responses/dk", "", preflight)
		if r.status != http.StatusNoContent {
			t.Fatalf("pre-flight: %d %s", r.status, r.body)
		}
		for k, want := range map[string]string{
			"Access-Control-Allow-Origin":      dash,
			"Access-Control-Allow-Methods":     "OPTIONS, GET, PATCH",
			"Access-Control-Allow-Headers":     "Authorization,Content-Type,If-Match,If-None-Match,Accept-Language",
			"Access-Control-Max-Age":           "3600",
			"Access-Control-Allow-Credentials": "",
		} {
			if got := r.header.Get(k); got != want {
				t.Errorf("pre-flight %s: %q, want %q", k, got, want)
			}
		}

		// The request itself: the origin is allowed and the headers a client reads are exposed.
		r = h.doWith("dk", http.MethodGet, "/v1/me", "", http.Header{"Origin": {dash}})
		if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != dash {
			t.Fatalf("GET from %s: %d, Allow-Origin %q", dash, r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
		exposed := r.header.Get("Access-Control-Expose-Headers")
		for _, name := range []string{"ETag", "Location", "X-Request-Id", "Retry-After"} {
			if !strings.Contains(exposed, name) {
				t.Errorf("Expose-Headers %q lacks %s", exposed, name)
			}
		}
		// A refusal is readable by the front end too.
		r = h.doWith("", http.MethodGet, "/v1/me", "", http.Header{"Origin": {dash}})
		if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != dash {
			t.Fatalf("401 from %s: %d, Allow-Origin %q", dash, r.status, r.header.Get("Access-Control-Allow-Origin"))
		}

		// Another origin gets no CORS headers, and is served as usual.
		for _, c := range []struct{ method, origin string }{
			{http.MethodGet, "https://evil.example.com"}, {http.MethodOptions, "https://evil.example.com"},
			{http.MethodGet, dash + ".evil.example.com"}, {http.MethodGet, "https://x." + strings.TrimPrefix(dash, "https://")},
			{http.MethodGet, "http://" + strings.TrimPrefix(dash, "https://")}, {http.MethodGet, "null"},
		} {
			method := c.method
			hdr := http.Header{"Origin": {c.origin}, "Access-Control-Request-Method": {"GET"}}
			r = h.doWith("dk", method, "/v1/me", "", hdr)
			for k := range r.header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("%s from %s: %s is set", method, c.origin, k)
				}
			}
			if method == http.MethodGet && r.status != http.StatusOK {
				t.Errorf("GET from another origin: %d", r.status)
			}
		}

		// "*" allows any origin, never with credentials.
		withCORS(h, "*")
		r = h.doWith("dk", http.MethodGet, "/v1/me", "", http.Header{"Origin": {"https://anywhere.example"}})
		if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("with *: Allow-Origin %q, Allow-Credentials %q", r.header.Get("Access-Control-Allow-Origin"),
				r.header.Get("Access-Control-Allow-Credentials"))
		}
	})
}

func TestResultsRevalidate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.vars["survey"] = publishedEdition(h, "2025", figures)
		const path = "/v1/surveys/{{survey}}/results"
		first := h.doWith("ma", http.MethodGet, path, "", nil)
		tag := first.header.Get("ETag")
		if first.status != http.StatusOK || !strings.HasPrefix(tag, `W/"`) || first.header.Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("results: %d, ETag %q, Cache-Control %q", first.status, tag, first.header.Get("Cache-Control"))
		}
		if again := h.doWith("ma", http.MethodGet, path, "", nil); again.header.Get("ETag") != tag {
			t.Fatalf("nothing changed, but the ETag went from %s to %s", tag, again.header.Get("ETag"))
		}
		for _, inm := range []string{tag, strings.TrimPrefix(tag, "W/"), `"other", ` + tag, "*"} {
			r := h.doWith("ma", http.MethodGet, path, "", http.Header{"If-None-Match": {inm}})
			if r.status != http.StatusNotModified || len(r.body) != 0 || r.header.Get("ETag") != tag {
				t.Fatalf("If-None-Match %s: %d, ETag %q, %d bytes", inm, r.status, r.header.Get("ETag"), len(r.body))
			}
		}
		if r := h.doWith("ma", http.MethodGet, path, "", http.Header{"If-None-Match": {`W/"stale"`}}); r.status != http.StatusOK {
			t.Fatalf("a stale tag: %d", r.status)
		}
		// Another member sees its own answers and standing: another body, another tag.
		if other := h.doWith("mb", http.MethodGet, path, "", nil).header.Get("ETag"); other == tag {
			t.Fatalf("ma and mb share the ETag %s", tag)
		}
		// A stricter k changes what ma may see.
		if r := h.do("admin", http.MethodPatch, "/v1/surveys/{{survey}}", `{"results_policy":{"min_respondents":5}}`); r.status != 200 {
			t.Fatalf("raise k: %d %s", r.status, r.body)
		}
		r := h.doWith("ma", http.MethodGet, path, "", http.Header{"If-None-Match": {tag}})
		if r.status != http.StatusOK || r.header.Get("ETag") == tag {
			t.Fatalf("after k was raised: %d, ETag %q (was %q)", r.status, r.header.Get("ETag"), tag)
		}
		// A refusal carries no tag.
		if r := h.doWith("admin", http.MethodGet, "/v1/surveys/srv_nothing/results", "", nil); r.status != 404 || r.header.Get("ETag") != "" {
			t.Fatalf("a 404: %d, ETag %q", r.status, r.header.Get("ETag"))
		}

		// Live results for the secretariat change with each new answer.
		h.vars["live"] = liveEdition(h)
		live := h.doWith("admin", http.MethodGet, "/v1/surveys/{{live}}/results", "", nil).header.Get("ETag")
		if r := h.do("admin", http.MethodPatch, "/v1/surveys/{{live}}/responses/ma", `{"answers":{"size":5}}`); r.status != 200 {
			t.Fatalf("answer: %d %s", r.status, r.body)
		}
		if r := h.do("admin", http.MethodPost, "/v1/surveys/{{live}}/responses/ma/submit", nil); r.status != 200 {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		r = h.doWith("admin", http.MethodGet, "/v1/surveys/{{live}}/results", "", http.Header{"If-None-Match": {live}})
		if r.status != http.StatusOK || r.header.Get("ETag") == live {
			t.Fatalf("after a new answer: %d, ETag %q (was %q)", r.status, r.header.Get("ETag"), live)
		}
	})
}

// liveEdition creates and opens an edition of the stats survey, unanswered.
func liveEdition(h *harness) string {
	h.t.Helper()
	r := h.do("admin", http.MethodPost, "/v1/surveys", fmt.Sprintf(statsSurvey, "2027"))
	id := r.json(h.t)["id"].(string)
	if r := h.do("admin", http.MethodPost, "/v1/surveys/"+id+"/open", nil); r.status != 200 {
		h.t.Fatalf("open: %d %s", r.status, r.body)
	}
	return id
}

func TestTrendsRevalidate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		if r := h.do("admin", http.MethodPost, "/v1/series", monthlyStats); r.status != 201 {
			t.Fatalf("series: %d %s", r.status, r.body)
		}
		month(h, "2026-09", scaled(0.9), true)
		october := month(h, "2026-10", scaled(1), false)
		const path = "/v1/series/monthly-stats/trends?question=domains&from=2026-09&to=2026-10"
		first := h.doWith("ma", http.MethodGet, path, "", nil)
		tag := first.header.Get("ETag")
		if first.status != http.StatusOK || tag == "" || first.header.Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("trends: %d, ETag %q, Cache-Control %q\n%s", first.status, tag, first.header.Get("Cache-Control"), first.body)
		}
		if r := h.doWith("ma", http.MethodGet, path, "", http.Header{"If-None-Match": {tag}}); r.status != http.StatusNotModified {
			t.Fatalf("unchanged trends: %d", r.status)
		}
		for _, step := range []string{"close", "publish"} {
			if r := h.do("admin", http.MethodPost, "/v1/surveys/"+october+"/"+step, nil); r.status != 200 {
				t.Fatalf("%s: %d %s", step, r.status, r.body)
			}
		}
		r := h.doWith("ma", http.MethodGet, path, "", http.Header{"If-None-Match": {tag}})
		if r.status != http.StatusOK || r.header.Get("ETag") == tag {
			t.Fatalf("after October was published: %d, ETag %q (was %q)", r.status, r.header.Get("ETag"), tag)
		}
	})
}

func TestCompression(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withRegistries(h, "ma", "mb", "mc", "md", "me", "mf")
		h.vars["survey"] = publishedEdition(h, "2025", figures)
		plain := h.doWith("ma", http.MethodGet, "/v1/surveys/{{survey}}/results", "", nil)
		zipped := h.doWith("ma", http.MethodGet, "/v1/surveys/{{survey}}/results", "", http.Header{"Accept-Encoding": {"gzip, br"}})
		if zipped.header.Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("results: Content-Encoding %q, Vary %q", zipped.header.Get("Content-Encoding"), zipped.header.Get("Vary"))
		}
		if !bytes.Equal(gunzip(t, zipped.body), plain.body) || len(zipped.body) >= len(plain.body) {
			t.Fatalf("the gzipped body (%d bytes) is not the plain one (%d bytes) compressed", len(zipped.body), len(plain.body))
		}
		if zipped.header.Get("ETag") != plain.header.Get("ETag") {
			t.Fatalf("the ETag differs by encoding: %s and %s", zipped.header.Get("ETag"), plain.header.Get("ETag"))
		}
		if plain.header.Get("Content-Encoding") != "" || !strings.Contains(plain.header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("without Accept-Encoding: Content-Encoding %q, Vary %q", plain.header.Get("Content-Encoding"), plain.header.Get("Vary"))
		}
		// A 304 stays empty, gzip or not.
		r := h.doWith("ma", http.MethodGet, "/v1/surveys/{{survey}}/results", "", http.Header{"Accept-Encoding": {"gzip"},
			"If-None-Match": {plain.header.Get("ETag")}})
		if r.status != http.StatusNotModified || len(r.body) != 0 || r.header.Get("Content-Encoding") != "" {
			t.Fatalf("304 with gzip: %d, %d bytes, Content-Encoding %q", r.status, len(r.body), r.header.Get("Content-Encoding"))
		}
		// A small body is not worth compressing.
		if r := h.doWith("", http.MethodGet, "/healthz", "", http.Header{"Accept-Encoding": {"gzip"}}); r.header.Get("Content-Encoding") != "" {
			t.Fatalf("/healthz: Content-Encoding %q", r.header.Get("Content-Encoding"))
		}
	})
}

// TestLocationOfCreated: every 201 names the path of what it made, and that
// path reads it back.
func TestLocationOfCreated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		for _, c := range []struct{ path, body string }{
			{"/v1/members", `{"code":"fo","name":"FO","country":"FO","membership":"observer"}`},
			{"/v1/peer-groups", `{"key":"danes","name":"Danes","members":["dk"]}`},
			{"/v1/users", `{"email":"x@nic.fo","role":"viewer","member":"fo"}`},
			{"/v1/users/{{dk_user}}/tokens", `{"name":"ci"}`},
			{"/v1/surveys", dnssecSurvey},
			{"/v1/surveys/{{made}}/clone", `{"edition":"2027"}`},
			{"/v1/series", monthlyStats},
			{"/v1/series/monthly-stats/editions", `{"period":"2026-10"}`},
		} {
			r := h.do("admin", http.MethodPost, c.path, c.body)
			loc := r.header.Get("Location")
			if r.status != http.StatusCreated || !strings.HasPrefix(loc, "/v1/") {
				t.Fatalf("POST %s: %d, Location %q\n%s", c.path, r.status, loc, r.body)
			}
			if strings.HasPrefix(loc, "/v1/surveys/") {
				h.vars["made"] = strings.TrimPrefix(loc, "/v1/surveys/")
			}
			if back := h.do("admin", http.MethodGet, loc, nil); back.status != http.StatusOK {
				t.Fatalf("GET %s, the Location of POST %s: %d", loc, c.path, back.status)
			}
		}
	})
}
