// Command bench measures surveyd on PostgreSQL against hand-written ceilings
// measured in the same run, and writes the table to docs/benchmarks.md.
//
//	go run ./internal/bench            (make bench)
//
// Environment: BENCH_SIZES (responses per run, default 1000,10000), BENCH_SAVES
// (complete saves in the write test, default 1600), BENCH_CLIENTS (default 16),
// BENCH_REQUESTS (results requests per size, default 50), BENCH_LOAD (seconds
// of the paced load test, default 60, followed by a quarter of it back to
// back; 0 for none), BENCH_LOAD_PACE (milliseconds between one load client's
// requests, default 1000), BENCH_OUT (default
// docs/benchmarks.md; "-" for none). All traffic stays on 127.0.0.1.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := configFromEnv(os.Getenv)
	if err == nil {
		_, err = run(ctx, cfg, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func configFromEnv(getenv func(string) string) (config, error) {
	cfg := config{Root: ".", Sizes: []int{1000, 10000}, Saves: 1600, Clients: 16, Requests: 50, Out: "docs/benchmarks.md", Load: time.Minute,
		LoadReaders: 200, LoadWriters: 16, LoadPace: time.Second}
	if v := getenv("BENCH_SIZES"); v != "" {
		cfg.Sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return cfg, fmt.Errorf("BENCH_SIZES=%q: want a list of positive numbers", v)
			}
			cfg.Sizes = append(cfg.Sizes, n)
		}
	}
	for name, dst := range map[string]*int{"BENCH_SAVES": &cfg.Saves, "BENCH_CLIENTS": &cfg.Clients, "BENCH_REQUESTS": &cfg.Requests} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return cfg, fmt.Errorf("%s=%q: want a positive number", name, v)
			}
			*dst = n
		}
	}
	if v := getenv("BENCH_LOAD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return cfg, fmt.Errorf("BENCH_LOAD=%q: want a number of seconds, 0 for none", v)
		}
		cfg.Load = time.Duration(n) * time.Second
	}
	if v := getenv("BENCH_LOAD_PACE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("BENCH_LOAD_PACE=%q: want a positive number of milliseconds", v)
		}
		cfg.LoadPace = time.Duration(n) * time.Millisecond
	}
	if v := getenv("BENCH_OUT"); v != "" {
		cfg.Out = v
	}
	return cfg, nil
}
