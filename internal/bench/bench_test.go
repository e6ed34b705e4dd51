package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestBenchSmoke runs the benchmark at a tiny size, so that it keeps working
// between the runs that measure.
func TestBenchSmoke(t *testing.T) {
	var out bytes.Buffer
	cfg := config{Root: "../..", Sizes: []int{20, 40}, Saves: 16, Clients: 4, Requests: 3, Out: "-", Load: 3 * time.Second,
		LoadReaders: 8, LoadWriters: 2, LoadPace: 100 * time.Millisecond}
	rep, err := run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rep.Sizes) != 2 || rep.Sizes[1].Results.P50 <= 0 || rep.Sizes[1].Ceiling.P50 <= 0 ||
		rep.Sizes[1].Member.P50 <= 0 || rep.Sizes[1].MemberCeiling.P50 <= 0 || rep.Sizes[1].Publish <= 0 ||
		rep.Sizes[1].FirstAdmin.P50 <= 0 || rep.Sizes[1].FirstMember.P50 <= 0 || rep.Sizes[1].CachedAdmin.P50 <= 0 {
		t.Fatalf("no latencies measured: %+v", rep.Sizes)
	}
	for _, l := range []*loadResult{rep.Trends.Load, rep.Trends.Saturated} {
		if l == nil || l.Results.Done == 0 || l.Trends.Done == 0 || l.Writes.Done == 0 {
			t.Fatalf("the load test did nothing: %+v", l)
		} else if errs := l.Results.Errors + l.Trends.Errors + l.Writes.Errors; errs > 0 {
			t.Fatalf("%d errors under load: %+v", errs, l)
		}
	}
	// Paced, 8 readers every 100 ms for 3 s make about 240 reads, not the
	// thousands that back to back would.
	if l := rep.Trends.Load; l.Results.Done+l.Trends.Done > 300 {
		t.Fatalf("the paced load test was not paced: %d reads in %s", l.Results.Done+l.Trends.Done, l.Duration)
	}
	if rep.SavesPerSecond <= 0 || rep.CeilingSavesPerSec <= 0 || rep.PeakRSSBytes <= 0 {
		t.Fatalf("no throughput or memory measured: %+v", rep)
	}
	if len(rep.Exports) != 4 || rep.Exports[3].Bytes <= 0 || rep.Exports[3].PeakRSS <= 0 {
		t.Fatalf("no export measured: %+v", rep.Exports)
	}
	if !strings.Contains(out.String(), "| xlsx export: peak memory at 40 responses") {
		t.Fatalf("the report has no export target:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "| a published edition's repeated read p50 ≤ 5.0 ms") {
		t.Fatalf("the report has no results cache target:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "| c/d ≥ 0.3 |") {
		t.Fatalf("the report has no targets:\n%s", out.String())
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"BENCH_SIZES": "1000, 10000,100000", "BENCH_SAVES": "50"}
	cfg, err := configFromEnv(func(k string) string { return env[k] })
	if err != nil || len(cfg.Sizes) != 3 || cfg.Sizes[2] != 100000 || cfg.Saves != 50 || cfg.Clients != 16 {
		t.Fatalf("%+v, %v", cfg, err)
	}
	env["BENCH_SIZES"] = "lots"
	if _, err := configFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("BENCH_SIZES=lots was accepted")
	}
}
