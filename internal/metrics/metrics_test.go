package metrics_test

import (
	"database/sql"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // a pool that is never connected: its statistics are zero

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tldcouncil/surveyd/internal/metrics"
)

func TestMetrics(t *testing.T) {
	db, err := sql.Open("pgx", "postgres://127.0.0.1:1/none")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var none *metrics.Metrics // without metrics, recording does nothing and does not crash
	none.Request("GET", "/", 200, time.Millisecond)
	none.SchedulerRun(nil, 1, 1, time.Millisecond)
	none.ResultsServed("survey", "computed")
	none.ResultsCacheLookup(true)
	none.MailSent(nil)
	none.WebhookDelivered(nil)
	none.JobDone("export", nil, time.Second)

	a, err := metrics.New(prometheus.NewRegistry(), db, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	b, err := metrics.New(prometheus.NewRegistry(), db, "postgres")
	if err != nil {
		t.Fatalf("a second registry: %v; metrics must not be global", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := metrics.New(reg, db, "postgres"); err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.New(reg, db, "postgres"); err == nil {
		t.Fatal("registering twice on one registry succeeded")
	}

	a.Request("POST", "/v1/surveys", 201, 3*time.Millisecond)
	a.SchedulerRun(errors.New("down"), 0, 0, time.Millisecond)
	a.JobDone("export", nil, 2*time.Second)
	scrape := func(m *metrics.Metrics) string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	text := scrape(a)
	for _, want := range []string{
		`surveyd_http_requests_total{method="POST",route="/v1/surveys",status="201"} 1`,
		`surveyd_scheduler_runs_total{outcome="error"} 1`,
		`surveyd_jobs_total{kind="export",outcome="ok"} 1`,
		`go_sql_max_open_connections{db_name="postgres"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
	// Hooks that nothing has fed show no values, rather than invented zeros.
	for _, absent := range []string{"surveyd_mails_total{", "surveyd_webhook_deliveries_total{", "surveyd_results_cache_lookups_total{"} {
		if strings.Contains(text, absent) {
			t.Errorf("the metrics show %s before anything recorded one", absent)
		}
	}
	if strings.Contains(scrape(b), "surveyd_http_requests_total{") {
		t.Error("a request recorded in one registry shows in another")
	}
}
