package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/metrics"
	"github.com/tldcouncil/surveyd/internal/requestid"
	"github.com/tldcouncil/surveyd/internal/store"
)

// TestTickIsCountedAndNamed runs the scheduler's job once: the run is counted in
// the metrics, and every line logged while it ran names the job, as a request's
// lines name the request.
func TestTickIsCountedAndNamed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		var logs bytes.Buffer
		log := slog.New(requestid.LogHandler(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		st := db.Open(t, store.Options{Logger: log})
		reg := prometheus.NewRegistry()
		m, err := metrics.New(reg, st.DB(), st.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		w := jobs.New(st, jobs.Options{Name: "w1", Logger: log, Metrics: m})
		if err := w.StartTicking(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("ran %d jobs (%v), want the one tick", n, err)
		}
		named := 0
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if rec["msg"] == "job done" {
				if id, _ := rec["request_id"].(string); !strings.HasPrefix(id, "job_") || rec["job"] != id {
					t.Errorf("the job's line names request %v, job %v: %s", rec["request_id"], rec["job"], line)
				}
				named++
			}
		}
		if named != 1 {
			t.Fatalf("%d lines say the tick is done, want 1:\n%s", named, logs.String())
		}
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		runs := map[string]float64{}
		for _, f := range families {
			if f.GetName() == "surveyd_scheduler_runs_total" {
				for _, mt := range f.GetMetric() {
					runs[mt.GetLabel()[0].GetValue()] = mt.GetCounter().GetValue()
				}
			}
		}
		if runs["ok"] != 1 || runs["error"] != 0 {
			t.Fatalf("scheduler runs counted %v, want one ok", runs)
		}
	})
}
