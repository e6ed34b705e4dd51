package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// question is one question of the benchmark survey.
type question struct {
	key, typ string
	options  int
}

// questions are the 60 of the benchmark: 20 single choice, 10 multiple choice,
// 20 numeric, 5 boolean, 5 text.
func questions() []question {
	var qs []question
	add := func(prefix, typ string, n, options int) {
		for i := 1; i <= n; i++ {
			qs = append(qs, question{key: fmt.Sprintf("%s%02d", prefix, i), typ: typ, options: options})
		}
	}
	add("single", "single_choice", 20, 5)
	add("multi", "multiple_choice", 10, 4)
	add("num", "number", 10, 0)
	add("int", "integer", 5, 0)
	add("pct", "percentage", 5, 0)
	add("flag", "boolean", 5, 0)
	add("text", "text", 5, 0)
	return qs
}

func benchSurvey() map[string]any {
	var qs []map[string]any
	for _, q := range questions() {
		m := map[string]any{"key": q.key, "type": q.typ, "prompt": "Synthetic question " + q.key}
		if q.options > 0 {
			var opts []map[string]any
			for o := 1; o <= q.options; o++ {
				opts = append(opts, map[string]any{"key": fmt.Sprintf("o%d", o), "label": fmt.Sprintf("Option %d", o)})
			}
			m["options"] = opts
		}
		qs = append(qs, m)
	}
	return map[string]any{
		"title": "Benchmark survey", "edition": "bench", "deadline": time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339),
		"sections": []map[string]any{{"key": "all", "title": "All questions", "questions": qs}},
	}
}

func numericKeys() []string {
	var keys []string
	for _, q := range questions() {
		if q.typ == "number" || q.typ == "integer" || q.typ == "percentage" {
			keys = append(keys, q.key)
		}
	}
	return keys
}

// numericList is the numeric keys as an SQL list of literals, as a person
// writing the query by hand would put them.
func numericList() string {
	return "'" + strings.Join(numericKeys(), "', '") + "'"
}

func memberCode(i int) string { return fmt.Sprintf("m%07d", i) }

// answersFor is the synthetic response of the i-th member, the same every run.
func answersFor(i int) map[string]any {
	rng := rand.New(rand.NewPCG(uint64(i), 2026))
	a := make(map[string]any, 60)
	for _, q := range questions() {
		switch q.typ {
		case "single_choice":
			a[q.key] = fmt.Sprintf("o%d", 1+rng.IntN(q.options))
		case "multiple_choice":
			chosen := []any{}
			for o := 1; o <= q.options; o++ {
				if rng.Float64() < 0.4 {
					chosen = append(chosen, fmt.Sprintf("o%d", o))
				}
			}
			a[q.key] = chosen
		case "number":
			a[q.key] = math.Round(rng.ExpFloat64()*100000) / 100
		case "integer":
			a[q.key] = float64(rng.IntN(100000))
		case "percentage":
			a[q.key] = math.Round(rng.Float64()*1000) / 10
		case "boolean":
			a[q.key] = rng.IntN(2) == 0
		case "text":
			a[q.key] = fmt.Sprintf("synthetic answer %d to %s", i, q.key)
		}
	}
	return a
}

// answerRows turns a response into rows of the answers and answer_options tables.
func answerRows(responseID, surveyID string, a map[string]any) (answers, options [][]any) {
	for _, q := range questions() {
		v := a[q.key]
		row := []any{responseID, surveyID, q.key, nil, nil, nil, nil}
		switch x := v.(type) {
		case float64:
			row[3] = x
		case bool:
			row[4] = x
		case string:
			if q.typ == "text" {
				row[5] = x
			} else {
				options = append(options, []any{responseID, surveyID, q.key, x})
			}
		case []any:
			for _, o := range x {
				options = append(options, []any{responseID, surveyID, q.key, o})
			}
		}
		answers = append(answers, row)
	}
	return answers, options
}

// seed adds n members with submitted responses, and extra members without any,
// straight into the database with COPY.
func seed(ctx context.Context, pool *pgxpool.Pool, surveyID string, n, extra int) error {
	now := time.Now().UTC()
	var adminID string
	if err := pool.QueryRow(ctx, "SELECT id FROM users WHERE email = 'bench@example.org'").Scan(&adminID); err != nil {
		return err
	}
	members := make([][]any, n+extra)
	for i := range members {
		members[i] = []any{memberCode(i), "Synthetic registry " + memberCode(i), "DK", "full", true, now, now}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"members"},
		[]string{"code", "name", "country", "membership", "active", "created_at", "updated_at"}, pgx.CopyFromRows(members)); err != nil {
		return fmt.Errorf("seed members: %w", err)
	}
	if surveyID == "" {
		return nil // members only
	}
	const chunk = 2000
	for from := 0; from < n; from += chunk {
		var responses, answers, options [][]any
		for i := from; i < min(from+chunk, n); i++ {
			id := fmt.Sprintf("rsp_bench%07d", i)
			responses = append(responses, []any{id, surveyID, memberCode(i), "submitted", 2, now, now, now, adminID})
			a, o := answerRows(id, surveyID, answersFor(i))
			answers, options = append(answers, a...), append(options, o...)
		}
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"responses"},
			[]string{"id", "survey_id", "member_code", "status", "version", "submitted_at", "created_at", "updated_at", "updated_by"},
			pgx.CopyFromRows(responses)); err != nil {
			return fmt.Errorf("seed responses: %w", err)
		}
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"answers"},
			[]string{"response_id", "survey_id", "question_key", "num_value", "bool_value", "text_value", "date_value"},
			pgx.CopyFromRows(answers)); err != nil {
			return fmt.Errorf("seed answers: %w", err)
		}
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"answer_options"},
			[]string{"response_id", "survey_id", "question_key", "option_key"}, pgx.CopyFromRows(options)); err != nil {
			return fmt.Errorf("seed options: %w", err)
		}
	}
	_, err := pool.Exec(ctx, "ANALYZE")
	return err
}

// ceilingResults computes the aggregates of the results route with hand-written
// SQL straight on the database: the same counts, means, quartiles, option counts
// and histograms, without the server.
func ceilingResults(ctx context.Context, pool *pgxpool.Pool, surveyID string) error {
	return ceilingAggregates(ctx, pool, surveyID, "")
}

// ceilingMemberResults is what a member's read over the peer group needs, by
// hand: the member's own answers, the audit's decisions for the group, and the
// aggregates over the group as published.
func ceilingMemberResults(ctx context.Context, pool *pgxpool.Pool, surveyID, member string) error {
	if err := drain(pool.Query(ctx, `SELECT a.question_key, a.num_value, a.bool_value, a.text_value
		FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.survey_id = $1 AND r.member_code = $2`, surveyID, member)); err != nil {
		return err
	}
	if err := drain(pool.Query(ctx, `SELECT question_key, code FROM disclosure_cells WHERE survey_id = $1 AND group_key = '`+benchGroup+`'`, surveyID)); err != nil {
		return err
	}
	return ceilingAggregates(ctx, pool, surveyID, ` AND r.member_code IN (SELECT member_code FROM published_peer_groups WHERE survey_id = $1 AND group_key = '`+benchGroup+`')`)
}

// ceilingAggregates is the results' aggregates in hand-written SQL, over the
// respondents that the condition on r (responses) keeps: the numbers' means,
// bounds and quartiles; then, in one scan as the server does, the counts and
// the histograms' bins between the bounds; then the options.
func ceilingAggregates(ctx context.Context, pool *pgxpool.Pool, surveyID, scope string) error {
	type span struct {
		key    string
		lo, hi float64
	}
	rows, err := pool.Query(ctx, `SELECT a.question_key, AVG(a.num_value), MIN(a.num_value), MAX(a.num_value),
			percentile_cont(0.25) WITHIN GROUP (ORDER BY a.num_value),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY a.num_value),
			percentile_cont(0.75) WITHIN GROUP (ORDER BY a.num_value)
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE a.survey_id = $1 AND r.status = 'submitted'`+scope+` AND a.question_key IN (`+numericList()+`) AND a.num_value IS NOT NULL
		GROUP BY a.question_key`, surveyID)
	if err != nil {
		return err
	}
	var spans []span
	for rows.Next() {
		var key string
		var mean, lo, hi, q1, med, q3 float64
		if err := rows.Scan(&key, &mean, &lo, &hi, &q1, &med, &q3); err != nil {
			rows.Close()
			return err
		}
		spans = append(spans, span{key, lo, hi})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	bin := "NULL::int"
	if len(spans) > 0 {
		var cases []string
		for _, s := range spans {
			cases = append(cases, fmt.Sprintf("WHEN '%s' THEN (a.num_value - %g) / %g", s.key, s.lo, (s.hi-s.lo)/10+1e-9))
		}
		bin = "FLOOR(CASE a.question_key " + strings.Join(cases, " ") + " END)::int"
	}
	if err := drain(pool.Query(ctx, `SELECT a.question_key, `+bin+` AS bin, COUNT(*),
			SUM(CASE WHEN a.bool_value THEN 1 ELSE 0 END), SUM(CASE WHEN NOT a.bool_value THEN 1 ELSE 0 END)
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE a.survey_id = $1 AND r.status = 'submitted'`+scope+` GROUP BY a.question_key, bin`, surveyID)); err != nil {
		return err
	}
	return drain(pool.Query(ctx, `SELECT o.question_key, o.option_key, COUNT(*)
		FROM answer_options o JOIN responses r ON r.id = o.response_id
		WHERE o.survey_id = $1 AND r.status = 'submitted'`+scope+` GROUP BY o.question_key, o.option_key`, surveyID))
}

func drain(rows pgx.Rows, err error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

// saveAll has clients concurrent writers each save complete responses through
// the API (60 answers, then submit), and returns the saves per second.
func (c *client) saveAll(ctx context.Context, surveyID string, members []string, clients int) (float64, error) {
	return concurrently(members, clients, func(i int, member string) error {
		path := "/v1/surveys/" + surveyID + "/responses/" + member
		if _, err := c.do(ctx, "PATCH", path, map[string]any{"answers": answersFor(1_000_000 + i)}, 200); err != nil {
			return err
		}
		_, err := c.do(ctx, "POST", path+"/submit", nil, 200)
		return err
	})
}

// ceilingSaves writes the same rows as a complete save and submit (the response,
// its answers and options, and one history event per answer plus the submit) in
// one transaction of raw pgx batches per response.
func ceilingSaves(ctx context.Context, pool *pgxpool.Pool, surveyID string, members []string, clients int) (float64, error) {
	var userID string
	if err := pool.QueryRow(ctx, "SELECT id FROM users WHERE email = 'bench@example.org'").Scan(&userID); err != nil {
		return 0, err
	}
	return concurrently(members, clients, func(i int, member string) error {
		now := time.Now().UTC()
		id := fmt.Sprintf("rsp_ceiling%07d", i)
		answers, options := answerRows(id, surveyID, answersFor(1_000_000+i))
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO responses (id, survey_id, member_code, status, version, submitted_at, created_at, updated_at, updated_by)
			VALUES ($1, $2, $3, 'submitted', 2, $4, $4, $4, $5)`, id, surveyID, member, now, userID)
		queueInsert(b, "answers", []string{"response_id", "survey_id", "question_key", "num_value", "bool_value", "text_value", "date_value"}, answers)
		queueInsert(b, "answer_options", []string{"response_id", "survey_id", "question_key", "option_key"}, options)
		var events [][]any
		for k, a := range answers {
			v, _ := json.Marshal(answersFor(1_000_000 + i)[a[2].(string)])
			events = append(events, []any{fmt.Sprintf("evt_ceiling%07d_%02d", i, k), id, "answer", a[2], nil, string(v), userID, true, now})
		}
		events = append(events, []any{fmt.Sprintf("evt_ceiling%07d_zz", i), id, "submit", nil, nil, nil, userID, true, now})
		queueInsert(b, "response_events", []string{"id", "response_id", "kind", "question_key", "old_value", "new_value", "user_id", "on_behalf", "at"}, events)
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
	})
}

// queueInsert queues one multi-row INSERT.
func queueInsert(b *pgx.Batch, table string, cols []string, rows [][]any) {
	if len(rows) == 0 {
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	var args []any
	for i, r := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(")
		for j := range r {
			if j > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "$%d", len(args)+j+1)
		}
		sb.WriteString(")")
		args = append(args, r...)
	}
	b.Queue(sb.String(), args...)
}

// concurrently runs fn for every item from n goroutines and returns items per second.
func concurrently(items []string, n int, fn func(int, string) error) (float64, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				if err := fn(i, items[i]); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(len(items)) / time.Since(start).Seconds(), nil
}

// machine describes where the run happened.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB memory", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s %s/%s", cpu, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
