package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// The shape of the trends benchmark: a monthly series of ten years.
const (
	trendMembers = 60
	trendMonths  = 120
	trendMetrics = 10
)

// trendResult is the trends latency against its ceiling.
type trendResult struct {
	Trends, Ceiling latency
	// The load test, paced and back to back; nil when it was not run.
	Load, Saturated *loadResult
}

func trendSeries() map[string]any {
	var qs []map[string]any
	for i := 1; i <= trendMetrics; i++ {
		qs = append(qs, map[string]any{"key": fmt.Sprintf("metric%02d", i), "type": "integer", "prompt": "A count",
			"required": true, "constraints": map[string]any{"min": 0}})
	}
	return map[string]any{"key": "bench-stats", "title": "Benchmark statistics", "recurrence": "monthly", "open_day": 1, "deadline_days": 14,
		"template": map[string]any{"title": "Benchmark statistics", "sections": []map[string]any{{"key": "counts", "title": "Counts", "questions": qs}}}}
}

// runTrends measures GET /v1/series/{key}/trends over 60 members × 120 months ×
// 10 metrics, and the same numbers by hand-written SQL.
func runTrends(ctx context.Context, cfg config, admin *pgxpool.Pool, pgURL, bin string) (trendResult, error) {
	const name = "bench_trends"
	var res trendResult
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return res, err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return res, err
	}
	dbURL := strings.Replace(pgURL, "/postgres?", "/"+name+"?", 1)
	token, err := adminToken(ctx, bin, dbURL)
	if err != nil {
		return res, err
	}
	srv, err := startServer(ctx, bin, dbURL)
	if err != nil {
		return res, err
	}
	defer srv.stop()
	c := &client{base: srv.base, token: token, http: &http.Client{Timeout: time.Minute}}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	if err := seed(ctx, pool, "", 0, trendMembers); err != nil { // members only
		return res, err
	}
	if _, err := c.do(ctx, "POST", "/v1/series", trendSeries(), 201); err != nil {
		return res, err
	}
	last := survey.RecurMonthly.PeriodAt(time.Now()).Add(-1)
	var editions []string
	for back := trendMonths - 1; back >= 0; back-- {
		b, err := c.do(ctx, "POST", "/v1/series/bench-stats/editions", map[string]any{"period": last.Add(-back).String()}, 201)
		if err != nil {
			return res, err
		}
		var sv struct{ ID string }
		if err := json.Unmarshal(b, &sv); err != nil {
			return res, err
		}
		editions = append(editions, sv.ID)
	}
	if err := seedTrends(ctx, pool, editions); err != nil {
		return res, err
	}
	from := last.Add(-(trendMonths - 1)).String()
	path := fmt.Sprintf("/v1/series/bench-stats/trends?question=metric03&member=%s&from=%s&to=%s", memberCode(7), from, last)
	if res.Trends, err = measure(cfg.Requests, func() error { _, err := c.do(ctx, "GET", path, nil, 200); return err }); err != nil {
		return res, err
	}
	if res.Ceiling, err = measure(cfg.Requests, func() error {
		return ceilingTrend(ctx, pool, "bench-stats", "metric03", memberCode(7), last.Add(-trendMonths-11).String(), last.String())
	}); err != nil {
		return res, err
	}
	if cfg.Load <= 0 {
		return res, nil
	}
	// The load test, on the same server: a member reads the last edition's
	// results, the secretariat the trend, writers answer a survey opened for it.
	writeSurvey, err := c.createSurvey(ctx)
	if err != nil {
		return res, err
	}
	memberSecret, err := memberToken(ctx, bin, dbURL, memberCode(7))
	if err != nil {
		return res, err
	}
	shared := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.LoadReaders + cfg.LoadWriters}, Timeout: time.Minute}
	sec, member := &client{base: c.base, token: token, http: shared}, &client{base: c.base, token: memberSecret, http: shared}
	writers := make([]string, trendMembers)
	for i := range writers {
		writers[i] = memberCode(i)
	}
	// One read first, so that the readers find the view computed and kept.
	if _, err := member.do(ctx, "GET", "/v1/surveys/"+editions[len(editions)-1]+"/results", nil, 200); err != nil {
		return res, err
	}
	results := "/v1/surveys/" + editions[len(editions)-1] + "/results"
	paced := runLoad(ctx, cfg, cfg.Load, cfg.LoadPace, sec, member, results, path, writeSurvey, writers)
	saturated := runLoad(ctx, cfg, cfg.Load/4, 0, sec, member, results, path, writeSurvey, writers)
	res.Load, res.Saturated = &paced, &saturated
	return res, nil
}

// seedTrends fills every edition with a submitted response of every member, and
// publishes it.
func seedTrends(ctx context.Context, pool *pgxpool.Pool, editions []string) error {
	var adminID string
	if err := pool.QueryRow(ctx, "SELECT id FROM users WHERE email = 'bench@example.org'").Scan(&adminID); err != nil {
		return err
	}
	now := time.Now().UTC()
	var responses, answers [][]any
	for e, id := range editions {
		for m := range trendMembers {
			rid := fmt.Sprintf("rsp_trend%03d_%03d", e, m)
			responses = append(responses, []any{rid, id, memberCode(m), "submitted", 1, now, now, now, adminID})
			for k := 1; k <= trendMetrics; k++ {
				v := float64((m+1)*1000*k + e*(m+1))
				answers = append(answers, []any{rid, id, fmt.Sprintf("metric%02d", k), v, nil, nil, nil})
			}
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"responses"},
		[]string{"id", "survey_id", "member_code", "status", "version", "submitted_at", "created_at", "updated_at", "updated_by"},
		pgx.CopyFromRows(responses)); err != nil {
		return fmt.Errorf("seed trend responses: %w", err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"answers"},
		[]string{"response_id", "survey_id", "question_key", "num_value", "bool_value", "text_value", "date_value"},
		pgx.CopyFromRows(answers)); err != nil {
		return fmt.Errorf("seed trend answers: %w", err)
	}
	if _, err := pool.Exec(ctx, "UPDATE surveys SET status = 'published' WHERE series_key = 'bench-stats'"); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, "ANALYZE")
	return err
}

// ceilingTrend computes the same numbers as the trends route in hand-written SQL:
// per period the respondents, total and median, and the member's values.
func ceilingTrend(ctx context.Context, pool *pgxpool.Pool, series, question, member, from, to string) error {
	const where = `FROM answers a JOIN responses r ON r.id = a.response_id JOIN surveys s ON s.id = a.survey_id
		WHERE s.series_key = $1 AND s.period BETWEEN $2 AND $3 AND s.status = 'published' AND a.question_key = $4
		AND r.status = 'submitted' AND a.num_value IS NOT NULL`
	if err := drain(pool.Query(ctx, `SELECT s.period, COUNT(*), SUM(a.num_value),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY a.num_value) `+where+` GROUP BY s.period`, series, from, to, question)); err != nil {
		return err
	}
	return drain(pool.Query(ctx, `SELECT s.period, a.num_value `+where+` AND r.member_code = $5`, series, from, to, question, member))
}
