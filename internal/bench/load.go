package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what the load test measured.
type loadResult struct {
	Duration                time.Duration
	Readers, Writers        int
	Results, Trends, Writes loadOps
}

// loadOps is one kind of request under load.
type loadOps struct {
	Done, Errors int
	P50, P99     time.Duration
	FirstError   string
}

func (o loadOps) perSecond(d time.Duration) float64 { return float64(o.Done) / d.Seconds() }

// runLoad reads the results of a published edition (as a member, from the
// results cache) and a trend (as the secretariat) from loadReaders clients,
// while loadWriters clients save answers to an open survey, for cfg.Load.
// Requests in flight at the end are finished and counted, not cut off.
func runLoad(ctx context.Context, cfg config, c, member *client, resultsPath, trendsPath string, writeSurvey string, writers []string) loadResult {
	res := loadResult{Duration: cfg.Load, Readers: cfg.LoadReaders, Writers: cfg.LoadWriters}
	start := time.Now()
	end := start.Add(cfg.Load)
	more := func() bool { return ctx.Err() == nil && time.Now().Before(end) }
	type sample struct {
		kind int // 0 results, 1 trends, 2 writes
		took time.Duration
		err  error
	}
	var mu sync.Mutex
	var samples []sample
	record := func(kind int, start time.Time, err error) {
		mu.Lock()
		samples = append(samples, sample{kind, time.Since(start), err})
		mu.Unlock()
	}
	var wg sync.WaitGroup
	var seq atomic.Int64
	for r := range cfg.LoadReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; more(); i++ {
				start := time.Now()
				if i%2 == 0 {
					_, err := member.do(ctx, "GET", resultsPath, nil, 200)
					record(0, start, err)
				} else {
					_, err := c.do(ctx, "GET", trendsPath, nil, 200)
					record(1, start, err)
				}
			}
		}()
	}
	for w := range cfg.LoadWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; more(); i++ {
				m := writers[(w+i*cfg.LoadWriters)%len(writers)]
				start := time.Now()
				_, err := c.do(ctx, "PATCH", "/v1/surveys/"+writeSurvey+"/responses/"+m,
					map[string]any{"answers": answersFor(int(seq.Add(1)))}, 200)
				record(2, start, err)
			}
		}()
	}
	wg.Wait()
	res.Duration = time.Since(start)
	var took [3][]time.Duration
	ops := [3]*loadOps{&res.Results, &res.Trends, &res.Writes}
	for _, s := range samples {
		if s.err != nil {
			ops[s.kind].Errors++
			if ops[s.kind].FirstError == "" {
				ops[s.kind].FirstError = s.err.Error()
			}
			continue
		}
		ops[s.kind].Done++
		took[s.kind] = append(took[s.kind], s.took)
	}
	for k, o := range ops {
		if len(took[k]) > 0 {
			o.P50, o.P99 = percentile(took[k], 0.5), percentile(took[k], 0.99)
		}
	}
	return res
}

// renderLoad writes the load test's section of the report.
func renderLoad(l loadResult) string {
	s := fmt.Sprintf("## Under load\n\n%d readers, each alternating a member's `GET /v1/surveys/{id}/results` of a published edition (served from the results cache) and the secretariat's `GET /v1/series/{key}/trends` above, and %d writers saving 60 answers (`PATCH` of a response) to an open survey, all at once for %s (the last requests finishing) against one server on the trends database.\n\n",
		l.Readers, l.Writers, l.Duration.Round(time.Second))
	s += "| requests | done | per second | p50 | p99 | errors |\n|---|---:|---:|---:|---:|---:|\n"
	for _, r := range []struct {
		name string
		o    loadOps
	}{{"results (cached)", l.Results}, {"trends", l.Trends}, {"writes", l.Writes}} {
		s += fmt.Sprintf("| %s | %d | %.0f | %s | %s | %d |\n", r.name, r.o.Done, r.o.perSecond(l.Duration), ms(r.o.P50), ms(r.o.P99), r.o.Errors)
	}
	for _, r := range []loadOps{l.Results, l.Trends, l.Writes} {
		if r.FirstError != "" {
			s += fmt.Sprintf("\nFirst error: `%s`\n", r.FirstError)
			break
		}
	}
	return s + "\n"
}
