package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// TestServeMetrics serves the demo with SURVEY_METRICS_ADDR set, reads results,
// and scrapes the metrics from their own address.
func TestServeMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		addr, metricsAddr := freeAddr(t), freeAddr(t)
		env := mapEnv(map[string]string{"DATABASE_URL": db.URL, "SURVEY_METRICS_ADDR": metricsAddr})
		ctx, cancel := context.WithCancel(context.Background())
		var out syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve", "--demo", "--addr", addr}, env, &out, io.Discard) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}()
		waitReady(t, "http://"+addr)
		token := regexp.MustCompile(`tsv_[^\s"']+`).FindString(out.String())
		if token == "" {
			t.Fatalf("the demo printed no token:\n%s", out.String())
		}
		call := func(url string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(body)
		}
		_, body := call("http://" + addr + "/v1/surveys?status=published")
		var list struct{ Items []struct{ ID string } }
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) == 0 {
			t.Fatalf("published surveys: %v %s", err, body)
		}
		if status, body := call("http://" + addr + "/v1/surveys/" + list.Items[0].ID + "/results"); status != 200 {
			t.Fatalf("results: %d %s", status, body)
		}
		if status, _ := call("http://" + addr + "/metrics"); status == 200 {
			t.Fatal("the API port serves /metrics")
		}
		// The scheduler's first run starts with the server; wait for it to end.
		var text string
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var status int
			if status, text = call("http://" + metricsAddr + "/metrics"); status != 200 {
				t.Fatalf("GET /metrics on the metrics address: %d", status)
			}
			if strings.Contains(text, "surveyd_scheduler_runs_total") || time.Now().After(deadline) {
				break
			}
		}
		for _, want := range []string{
			`surveyd_http_requests_total{method="GET",route="/v1/surveys/:id/results",status="200"} 1`,
			`surveyd_results_served_total{source="computed",view="survey"} 1`,
			`surveyd_scheduler_runs_total{outcome="ok"}`,
			`go_sql_open_connections{db_name="` + db.Name + `"}`,
			`process_resident_memory_bytes`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the metrics lack %s", want)
			}
		}
		if t.Failed() {
			t.Log(text)
		}
	})
}

// syncBuffer is a bytes.Buffer safe to write from the server's goroutine while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestMetricsAddressInUse names the metrics address when it cannot be listened on.
func TestMetricsAddressInUse(t *testing.T) {
	db := dbtest.SQLite(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := mapEnv(map[string]string{"DATABASE_URL": db.URL, "SURVEY_METRICS_ADDR": taken.Addr().String()})
	err = run(context.Background(), []string{"serve", "--addr", freeAddr(t)}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "metrics: listen on "+taken.Addr().String()) {
		t.Fatalf("serve with a metrics address in use: %v", err)
	}
}
