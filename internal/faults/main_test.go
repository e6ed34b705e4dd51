package faults

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"  // database/sql driver "sqlite", to check files behind the server's back
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/pgtemp"
)

// surveydBin is the binary built once by TestMain for every test of the package.
var surveydBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "surveyd-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	surveydBin = filepath.Join(dir, "surveyd")
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", surveydBin, "./cmd/surveyd")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "faults: build surveyd: %v\n%s", err, out)
		return 1
	}
	return dbtest.Run(m)
}

// server is a surveyd process under test.
type server struct {
	t    testing.TB
	cmd  *exec.Cmd
	base string
	log  *syncBuffer // its standard error: the JSON log
	done chan struct{}
	err  error // of Wait, once done is closed
}

// syncBuffer is a bytes.Buffer that a process writes while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServer runs surveyd serve on the database and a free port of 127.0.0.1 and
// waits until it is ready. The process is killed when the test ends, if still up.
func startServer(t testing.TB, dbURL string, prepare ...func(*exec.Cmd)) *server {
	t.Helper()
	port, err := pgtemp.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(surveydBin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "SURVEY_ADDR="+addr, "SURVEY_LOG_LEVEL=warn", "SURVEY_DEMO=false")
	s := &server{t: t, cmd: cmd, base: "http://" + addr, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = io.Discard, s.log
	for _, p := range prepare {
		p(cmd)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("surveyd log:\n%s", s.log.String())
		}
	})
	if err := waitStatus(s.base+"/readyz", 200, 30*time.Second, s.done); err != nil {
		t.Fatalf("surveyd did not become ready: %v\n%s", err, s.log.String())
	}
	return s
}

// waitStatus polls url until it answers want, the time is up, or stop closes.
func waitStatus(url string, want int, within time.Duration, stop <-chan struct{}) error {
	deadline := time.Now().Add(within)
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-stop:
			return errors.New("the process exited")
		default:
		}
		c := http.Client{Timeout: 3 * time.Second}
		res, err := c.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == want {
				return nil
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer %d within %s; last: %s", url, want, within, last)
}

// waitLog waits for a line of the server's log that contains msg, and returns it.
// The log comes through a pipe, so it may lag behind the responses.
func (s *server) waitLog(t testing.TB, msg string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(s.log.String(), "\n") {
			if strings.Contains(line, msg) {
				return line
			}
		}
	}
	t.Fatalf("no log line says %q:\n%s", msg, s.log.String())
	return ""
}

// kill ends the process at once, as a crash or the OOM killer would.
func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	<-s.done
}

// wait waits up to within for the process to exit and returns its exit code.
func (s *server) wait(within time.Duration) (int, error) {
	select {
	case <-s.done:
		var ee *exec.ExitError
		if errors.As(s.err, &ee) {
			return ee.ExitCode(), nil
		}
		return 0, s.err
	case <-time.After(within):
		return -1, fmt.Errorf("surveyd did not exit within %s", within)
	}
}

// adminToken migrates the database and mints a secretariat token with the real
// command, as an installation's administrator would.
func adminToken(t testing.TB, dbURL string) string {
	t.Helper()
	cmd := exec.Command(surveydBin, "token", "create", "--email", "faults@example.org", "--role", "secretariat")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "SURVEY_LOG_LEVEL=warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// client calls a server as the secretariat.
type client struct {
	base, token string
	http        *http.Client
}

func newClient(base, token string) *client {
	return &client{base: base, token: token, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32},
	}}
}

// reply is what a request got: a status and a body, or err when no response came.
type reply struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (r reply) String() string {
	if r.err != nil {
		return r.err.Error()
	}
	return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body))
}

func (c *client) do(ctx context.Context, method, path string, body any, header ...string) reply {
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, contentType = bytes.NewReader(b), "text/csv"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return reply{err: err}
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return reply{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{err: err}
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

// must does a request that has to answer want, and decodes its body into out.
func (c *client) must(t testing.TB, method, path string, body any, want int, out any) {
	t.Helper()
	r := c.do(context.Background(), method, path, body)
	if r.err != nil || r.status != want {
		t.Fatalf("%s %s: want %d, got %s", method, path, want, r)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// numbersSurvey is an open survey of n integer questions q1..qn, for all members.
func numbersSurvey(t testing.TB, c *client, n int) string {
	t.Helper()
	var qs []map[string]any
	for i := 1; i <= n; i++ {
		qs = append(qs, map[string]any{"key": fmt.Sprintf("q%d", i), "type": "integer", "prompt": fmt.Sprintf("Question %d", i)})
	}
	body := map[string]any{
		"title": "Faults", "edition": "faults", "deadline": time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339),
		"sections": []map[string]any{{"key": "all", "title": "All", "questions": qs}},
	}
	var sv struct{ ID string }
	c.must(t, "POST", "/v1/surveys", body, 201, &sv)
	c.must(t, "POST", "/v1/surveys/"+sv.ID+"/open", nil, 200, nil)
	return sv.ID
}

// openDB opens the server's database behind its back, for setting up and checking.
func openDB(t testing.TB, dbURL string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", dbURL
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		driver, dsn = "sqlite", path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// addMembers inserts n active members m00001... straight into the database: the
// API would take one request each.
func addMembers(t testing.TB, db *sql.DB, n int) []string {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	codes := make([]string, n)
	const chunk = 500
	for from := 0; from < n; from += chunk {
		var q strings.Builder
		var args []any
		q.WriteString("INSERT INTO members (code, name, country, membership, active, created_at, updated_at) VALUES ")
		for i := from; i < min(from+chunk, n); i++ {
			codes[i] = fmt.Sprintf("m%05d", i+1)
			if i > from {
				q.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&q, "($%d, $%d, 'DK', 'full', TRUE, $%d, $%d)", k+1, k+2, k+3, k+4)
			args = append(args, codes[i], "Member "+codes[i], now, now)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			t.Fatalf("add members: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return codes
}

// count runs a COUNT query.
func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkResponse checks in the database that the member's response is at a
// version from lo to hi (a last save that got no answer may have committed), and
// that each of its answers equals that version: nothing acknowledged was lost,
// nothing was half-written. One statement reads both, so that they come from
// one snapshot. It returns the version found.
func checkResponse(t testing.TB, db *sql.DB, surveyID, member string, questions, lo, hi int) int {
	t.Helper()
	rows, err := db.Query(`SELECT r.version, a.question_key, a.num_value
		FROM responses r LEFT JOIN answers a ON a.response_id = r.id
		WHERE r.survey_id = $1 AND r.member_code = $2`, surveyID, member)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	version, found, answers := 0, false, 0
	for rows.Next() {
		var key sql.NullString
		var v sql.NullFloat64
		if err := rows.Scan(&version, &key, &v); err != nil {
			t.Fatal(err)
		}
		found = true
		if !key.Valid {
			continue // a response without answers
		}
		answers++
		if int(v.Float64) != version {
			t.Errorf("response of %s at version %d has %s = %v: half-written", member, version, key.String, v.Float64)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	switch {
	case !found && lo == 0:
		return 0
	case !found:
		t.Errorf("no response of %s; acknowledged was version %d", member, lo)
	case version < lo || version > hi:
		t.Errorf("response of %s is at version %d; acknowledged was %d, at most %d may have committed", member, version, lo, hi)
	case version > 0 && answers != questions:
		t.Errorf("response of %s at version %d has %d answers, want %d: half-written", member, version, answers, questions)
	}
	return version
}
