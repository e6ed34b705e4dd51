package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tldcouncil/surveyd/internal/pgtemp"
)

// config is what one run measures.
type config struct {
	Root     string        // the repository, where surveyd is built from
	Sizes    []int         // responses per results measurement
	Saves    int           // complete saves (60 answers and a submit) in the write test
	Clients  int           // concurrent writers
	Requests int           // results requests per size
	Out      string        // the Markdown report; "-" for none
	Load     time.Duration // how long the load test runs; 0 for none
	// Concurrent clients of the load test: readers of results and trends,
	// writers of answers.
	LoadReaders, LoadWriters int
	LoadPace                 time.Duration // between one load client's requests
}

// sizeResult is the results latency at one size, against its ceiling.
type sizeResult struct {
	Responses            int
	Results, Ceiling     latency
	ResultsRSSAfterBytes int64
	// A member's read of the published survey over a peer group, against the
	// same aggregates and the audit's decisions in SQL; and the publication,
	// whose disclosure audit is the difference from a plain close.
	Member, MemberCeiling latency
	GroupSize             int
	Publish, Close        time.Duration
	// After publication (decision 0024): the first computation of a view, the
	// results cache emptied before each, against the same ceilings; and the
	// repeated reads, served from the cache.
	FirstAdmin, FirstMember latency
	CachedAdmin             latency
	// The secretariat's ceiling again after publication: by then the write
	// test may have added responses to the survey.
	PublishedCeiling latency
}

type latency struct{ P50, P95 time.Duration }

// report is everything one run measured.
type report struct {
	Sizes              []sizeResult
	WriteResponses     int // size of the database the writes went into
	Trends             trendResult
	Saves              int
	Clients            int
	SavesPerSecond     float64
	CeilingSavesPerSec float64
	PeakRSSBytes       int64
	Exports            []exportResult // raw answers, per size and format
	Machine, Postgres  string
	Started, Finished  time.Time
}

func run(ctx context.Context, cfg config, out io.Writer) (report, error) {
	rep := report{Started: time.Now(), Saves: cfg.Saves, Clients: cfg.Clients, Machine: machine()}
	pg, err := pgtemp.Start(pgtemp.Options{Durable: true})
	if err != nil {
		return rep, err
	}
	defer pg.Stop()
	bin, err := buildServer(ctx, cfg.Root)
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(filepath.Dir(bin))
	admin, err := pgxpool.New(ctx, pg.URL)
	if err != nil {
		return rep, err
	}
	defer admin.Close()
	if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&rep.Postgres); err != nil {
		return rep, err
	}
	for i, n := range cfg.Sizes {
		writes := i == len(cfg.Sizes)-1 // writes are measured once, on the last database
		fmt.Fprintf(out, "bench: %d responses...\n", n)
		if err := runSize(ctx, cfg, admin, pg.URL, bin, n, writes, &rep); err != nil {
			return rep, fmt.Errorf("%d responses: %w", n, err)
		}
	}
	fmt.Fprintf(out, "bench: trends over %d members × %d months × %d metrics...\n", trendMembers, trendMonths, trendMetrics)
	if rep.Trends, err = runTrends(ctx, cfg, admin, pg.URL, bin); err != nil {
		return rep, fmt.Errorf("trends: %w", err)
	}
	rep.Finished = time.Now()
	table := render(rep)
	fmt.Fprint(out, table)
	if cfg.Out != "-" {
		if err := os.WriteFile(filepath.Join(cfg.Root, cfg.Out), []byte(table), 0o644); err != nil {
			return rep, err
		}
		fmt.Fprintf(out, "bench: wrote %s\n", cfg.Out)
	}
	return rep, nil
}

func buildServer(ctx context.Context, root string) (string, error) {
	dir, err := os.MkdirTemp("", "surveyd-bench-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "surveyd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/surveyd")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build surveyd: %v\n%s", err, b)
	}
	return bin, nil
}

// server is a surveyd process under test.
type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(ctx context.Context, bin, dbURL string) (*server, error) {
	port, err := pgtemp.FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "SURVEY_ADDR="+addr, "SURVEY_LOG_LEVEL=error", "SURVEY_DEMO=false")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("surveyd did not become ready")
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// peakRSS is the most memory the process has held resident since it started.
func (s *server) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc status")
}

func runSize(ctx context.Context, cfg config, admin *pgxpool.Pool, pgURL, bin string, n int, writes bool, rep *report) error {
	name := fmt.Sprintf("bench_%d", n)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	dbURL := strings.Replace(pgURL, "/postgres?", "/"+name+"?", 1)
	token, err := adminToken(ctx, bin, dbURL)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, bin, dbURL)
	if err != nil {
		return err
	}
	defer srv.stop()
	c := &client{base: srv.base, token: token, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 5 * time.Minute}}
	surveyID, err := c.createSurvey(ctx)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	extra := 0
	if writes {
		extra = 2 * cfg.Saves // half for the server, half for the ceiling
	}
	if err := seed(ctx, pool, surveyID, n, extra); err != nil {
		return err
	}

	res := sizeResult{Responses: n}
	if res.Results, err = measure(cfg.Requests, func() error { return c.results(ctx, surveyID) }); err != nil {
		return err
	}
	if res.Ceiling, err = measure(cfg.Requests, func() error { return ceilingResults(ctx, pool, surveyID) }); err != nil {
		return err
	}
	rss, err := srv.peakRSS()
	if err != nil {
		return err
	}
	res.ResultsRSSAfterBytes = rss
	for _, format := range []string{"csv", "xlsx"} {
		ex, err := measureExport(ctx, bin, dbURL, token, surveyID, format, n)
		if err != nil {
			return err
		}
		rep.Exports = append(rep.Exports, ex)
	}

	if writes {
		if err := measureWrites(ctx, cfg, c, pool, surveyID, n, rep); err != nil {
			return err
		}
	}
	afterWrites, err := srv.peakRSS()
	if err != nil {
		return err
	}
	if err := measureMember(ctx, cfg, c, pool, bin, dbURL, surveyID, n, &res); err != nil {
		return err
	}
	rep.Sizes = append(rep.Sizes, res)
	if rss, err = srv.peakRSS(); err != nil {
		return err
	}
	rep.PeakRSSBytes = max(rep.PeakRSSBytes, rss)
	// Where the peak was reached, for whoever has to find what grew.
	fmt.Fprintf(os.Stderr, "bench: %d responses: server peak RSS %s after results, %s after saves, %s after publication and members' reads\n",
		n, mib(res.ResultsRSSAfterBytes), mib(afterWrites), mib(rss))
	return nil
}

// benchGroup is the peer group a member reads results over: the first half of
// the respondents, at most the 1,000 members a group may have.
const benchGroup = "bench-half"

// measureMember publishes the survey with a peer group, timing the publication
// (which runs the disclosure audit) against the close before it, and measures a
// member's results over the group against its ceiling.
func measureMember(ctx context.Context, cfg config, c *client, pool *pgxpool.Pool, bin, dbURL, surveyID string, n int, res *sizeResult) error {
	res.GroupSize = min(n/2, 1000)
	members := make([]string, res.GroupSize)
	for i := range members {
		members[i] = memberCode(i)
	}
	if _, err := c.do(ctx, "POST", "/v1/peer-groups", map[string]any{"key": benchGroup, "name": "Half", "members": members}, 201); err != nil {
		return err
	}
	start := time.Now()
	if _, err := c.do(ctx, "POST", "/v1/surveys/"+surveyID+"/close", nil, 200); err != nil {
		return err
	}
	res.Close = time.Since(start)
	start = time.Now()
	if _, err := c.do(ctx, "POST", "/v1/surveys/"+surveyID+"/publish", nil, 200); err != nil {
		return err
	}
	res.Publish = time.Since(start)
	token, err := memberToken(ctx, bin, dbURL, memberCode(0))
	if err != nil {
		return err
	}
	m := &client{base: c.base, token: token, http: c.http}
	path := "/v1/surveys/" + surveyID + "/results?peer_group=" + benchGroup
	if res.Member, err = measure(cfg.Requests, func() error { _, err := m.do(ctx, "GET", path, nil, 200); return err }); err != nil {
		return err
	}
	if res.MemberCeiling, err = measure(cfg.Requests, func() error { return ceilingMemberResults(ctx, pool, surveyID, memberCode(0)) }); err != nil {
		return err
	}
	whole := "/v1/surveys/" + surveyID + "/results"
	if res.CachedAdmin, err = measure(cfg.Requests, func() error { _, err := c.do(ctx, "GET", whole, nil, 200); return err }); err != nil {
		return err
	}
	if res.PublishedCeiling, err = measure(min(cfg.Requests, 5), func() error { return ceilingResults(ctx, pool, surveyID) }); err != nil {
		return err
	}
	if res.FirstAdmin, err = measureFirst(ctx, cfg, pool, func() error { _, err := c.do(ctx, "GET", whole, nil, 200); return err }); err != nil {
		return err
	}
	res.FirstMember, err = measureFirst(ctx, cfg, pool, func() error { _, err := m.do(ctx, "GET", path, nil, 200); return err })
	return err
}

// measureFirst times fn with the results cache emptied before each call: the
// first computation of a published edition's view, which it then keeps. The
// surveys' last change is moved on too, which changes their stamp, so that
// the view the server kept in memory (decision 0028) is not served either.
func measureFirst(ctx context.Context, cfg config, pool *pgxpool.Pool, fn func() error) (latency, error) {
	ds := make([]time.Duration, min(cfg.Requests, 5))
	for i := range ds {
		if _, err := pool.Exec(ctx, "DELETE FROM results_cache"); err != nil {
			return latency{}, err
		}
		if _, err := pool.Exec(ctx, "UPDATE surveys SET updated_at = updated_at + interval '1 millisecond'"); err != nil {
			return latency{}, err
		}
		start := time.Now()
		if err := fn(); err != nil {
			return latency{}, err
		}
		ds[i] = time.Since(start)
	}
	return latency{P50: percentile(ds, 0.5), P95: percentile(ds, 0.95)}, nil
}

// measureWrites measures complete saves through the API against raw pgx.
func measureWrites(ctx context.Context, cfg config, c *client, pool *pgxpool.Pool, surveyID string, n int, rep *report) error {
	var err error
	{
		rep.WriteResponses = n
		members := func(from int) []string {
			out := make([]string, cfg.Saves)
			for i := range out {
				out[i] = memberCode(n + from + i)
			}
			return out
		}
		if rep.SavesPerSecond, err = c.saveAll(ctx, surveyID, members(0), cfg.Clients); err != nil {
			return err
		}
		if rep.CeilingSavesPerSec, err = ceilingSaves(ctx, pool, surveyID, members(cfg.Saves), cfg.Clients); err != nil {
			return err
		}
	}
	return nil
}

// adminToken migrates the database and mints a secretariat token, as an
// installation's administrator would.
func adminToken(ctx context.Context, bin, dbURL string) (string, error) {
	return mintToken(ctx, bin, dbURL, "--email", "bench@example.org", "--role", "secretariat")
}

// memberToken mints a token for a viewer of the member, as the secretariat
// would for a registry's staff.
func memberToken(ctx context.Context, bin, dbURL, member string) (string, error) {
	return mintToken(ctx, bin, dbURL, "--email", member+"@example.org", "--role", "viewer", "--member", member)
}

// mintToken runs `surveyd token create` with the flags and returns the secret.
func mintToken(ctx context.Context, bin, dbURL string, flags ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"token", "create"}, flags...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "SURVEY_LOG_LEVEL=warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("token create: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(b)), nil
}

// measure runs fn a few times to warm up, then n times, and returns the median and
// 95th percentile of the durations.
func measure(n int, fn func() error) (latency, error) {
	for range 3 {
		if err := fn(); err != nil {
			return latency{}, err
		}
	}
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		if err := fn(); err != nil {
			return latency{}, err
		}
		ds[i] = time.Since(start)
	}
	return latency{P50: percentile(ds, 0.5), P95: percentile(ds, 0.95)}, nil
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// client calls the server under test as the secretariat.
type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(ctx context.Context, method, path string, body any, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return b, nil
}

func (c *client) createSurvey(ctx context.Context) (string, error) {
	b, err := c.do(ctx, "POST", "/v1/surveys", benchSurvey(), 201)
	if err != nil {
		return "", err
	}
	var sv struct{ ID string }
	if err := json.Unmarshal(b, &sv); err != nil {
		return "", err
	}
	_, err = c.do(ctx, "POST", "/v1/surveys/"+sv.ID+"/open", nil, 200)
	return sv.ID, err
}

func (c *client) results(ctx context.Context, id string) error {
	_, err := c.do(ctx, "GET", "/v1/surveys/"+id+"/results", nil, 200)
	return err
}
