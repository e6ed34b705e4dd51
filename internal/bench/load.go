package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what one run of the load test measured.
type loadResult struct {
	Duration                time.Duration
	Readers, Writers        int
	Pace                    time.Duration // between one client's requests; 0 for back to back
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
// while loadWriters clients save answers to an open survey, for d. With a pace,
// each client starts a request every pace, as people and front ends do, at
// staggered moments, and a request's time counts from when it was due, so that
// a slow server is not excused by the requests it delayed; without one, each
// client sends its next request as soon as the last is answered, which finds
// the server's capacity. Requests in flight at the end are finished and
// counted, not cut off.
func runLoad(ctx context.Context, cfg config, d, pace time.Duration, c, member *client, resultsPath, trendsPath string, writeSurvey string, writers []string) loadResult {
	res := loadResult{Duration: d, Readers: cfg.LoadReaders, Writers: cfg.LoadWriters, Pace: pace}
	start := time.Now()
	end := start.Add(d)
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
	// due returns when the client's i-th request is due, waiting for it.
	due := func(client, clients, i int) time.Time {
		if pace == 0 {
			return time.Now()
		}
		at := start.Add(pace*time.Duration(client)/time.Duration(clients) + pace*time.Duration(i))
		time.Sleep(time.Until(at))
		return at
	}
	var wg sync.WaitGroup
	var seq atomic.Int64
	for r := range cfg.LoadReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; more(); i++ {
				start := due(r, cfg.LoadReaders, i)
				if !more() {
					return
				}
				if (r+i)%2 == 0 {
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
				start := due(w, cfg.LoadWriters, i)
				if !more() {
					return
				}
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

// renderLoad writes the load test's section of the report: the paced run, and
// the run back to back that finds the capacity.
func renderLoad(paced, saturated loadResult) string {
	s := fmt.Sprintf("## Under load\n\n%d readers, each alternating a member's `GET /v1/surveys/{id}/results` of a published edition (served from the results cache) and the secretariat's `GET /v1/series/{key}/trends` above, and %d writers saving 60 answers (`PATCH` of a response) to an open survey, all at once against one server on the trends database, the last requests finishing (decision 0028).\n\n",
		paced.Readers, paced.Writers)
	s += fmt.Sprintf("*Paced*: each client starts a request every %s, at staggered moments, for %s; a request's time counts from when it was due. *Back to back*: each client sends its next request as soon as the last is answered, for %s, which finds the capacity; its latencies are then the queue that %d clients make.\n\n",
		paced.Pace, paced.Duration.Round(time.Second), saturated.Duration.Round(time.Second), saturated.Readers+saturated.Writers)
	s += "| run | requests | done | per second | p50 | p99 | errors |\n|---|---|---:|---:|---:|---:|---:|\n"
	for _, l := range []loadResult{paced, saturated} {
		run := "back to back"
		if l.Pace > 0 {
			run = "paced, every " + l.Pace.String()
		}
		for _, r := range []struct {
			name string
			o    loadOps
		}{{"results (cached)", l.Results}, {"trends", l.Trends}, {"writes", l.Writes}} {
			s += fmt.Sprintf("| %s | %s | %d | %.0f | %s | %s | %d |\n", run, r.name, r.o.Done, r.o.perSecond(l.Duration), ms(r.o.P50), ms(r.o.P99), r.o.Errors)
		}
	}
	for _, l := range []loadResult{paced, saturated} {
		for _, r := range []loadOps{l.Results, l.Trends, l.Writes} {
			if r.FirstError != "" {
				return s + fmt.Sprintf("\nFirst error: `%s`\n\n", r.FirstError)
			}
		}
	}
	return s + "\n"
}
