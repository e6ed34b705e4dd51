package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/metrics"
	"github.com/tldcouncil/surveyd/internal/requestid"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestMetricsAndRequestIDs checks that requests are counted by route pattern and
// status, that the API itself does not serve the metrics, and that the store's
// log lines about a request carry its id.
func TestMetricsAndRequestIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		var logs bytes.Buffer
		log := slog.New(requestid.LogHandler(slog.NewJSONHandler(&logs, nil)))
		st := db.Open(t, store.Options{Logger: log})
		m, err := metrics.New(prometheus.NewRegistry(), st.DB(), st.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		e := api.New(api.Config{Store: st, Logger: log, Metrics: m})
		ctx := context.Background()
		admin, err := st.CreateUser(ctx, survey.User{Email: "admin@example.org", Name: "Admin", Role: survey.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		_, token, err := st.CreateToken(ctx, admin.ID, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		get := func(path string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			return rec
		}
		for _, path := range []string{"/v1/me", "/v1/me", "/v1/surveys/srv_a", "/v1/surveys/srv_b", "/v1/no/such/route", "/metrics"} {
			get(path)
		}
		if rec := get("/metrics"); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "surveyd_") {
			t.Fatalf("the API port answers /metrics with %d", rec.Code)
		}

		scrape := httptest.NewRecorder()
		m.Handler().ServeHTTP(scrape, httptest.NewRequest("GET", "/metrics", nil))
		text := scrape.Body.String()
		for _, want := range []string{
			`surveyd_http_requests_total{method="GET",route="/v1/me",status="200"} 2`,
			`surveyd_http_requests_total{method="GET",route="/v1/surveys/:id",status="404"} 2`,
			`surveyd_http_requests_total{method="GET",route="unmatched",status="404"} 3`,
			`surveyd_http_request_duration_seconds_count{method="GET",route="/v1/me"} 2`,
			`go_sql_max_open_connections{db_name="` + st.Dialect() + `"}`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the metrics lack %s", want)
			}
		}
		if strings.Contains(text, "srv_a") || strings.Contains(text, "/v1/no/such") {
			t.Error("the metrics name raw paths")
		}

		// A failing store: its own error line names the request that caused it.
		logs.Reset()
		_ = st.Close()
		rec := get("/v1/me")
		id := rec.Header().Get("X-Request-Id")
		if rec.Code != http.StatusInternalServerError || id == "" {
			t.Fatalf("GET /v1/me on a closed store: %d, request id %q", rec.Code, id)
		}
		found := false
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if rec["msg"] == "SQL executed" {
				found = true
				if rec["request_id"] != id {
					t.Errorf("the store's log line carries request_id %v, want %s: %s", rec["request_id"], id, line)
				}
			}
		}
		if !found {
			t.Fatalf("the store logged nothing about its failure:\n%s", logs.String())
		}
	})
}

// TestClientGoneIsNoError: a request whose client went away before the answer
// is logged as that, at info, and recorded as 499, not as an internal error.
func TestClientGoneIsNoError(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		st := db.Open(t, store.Options{Logger: log})
		e := api.New(api.Config{Store: st, Logger: log})
		admin, err := st.CreateUser(context.Background(), survey.User{Email: "admin@example.org", Name: "Admin", Role: survey.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		_, token, err := st.CreateToken(context.Background(), admin.ID, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // gone before the server reads the database
		req := httptest.NewRequest("GET", "/v1/surveys", nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 499 {
			t.Fatalf("a request whose client went away: %d %s", rec.Code, rec.Body)
		}
		if strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "client closed the request") {
			t.Fatalf("logged as:\n%s", logs.String())
		}
	})
}
