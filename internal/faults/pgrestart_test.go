package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/pgtemp"
)

// writer saves answers to one member's response, version after version, and
// keeps what it was told: the last acknowledged version, and whether a save
// after it got no clear answer (and so may have committed).
type writer struct {
	c         *client
	surveyID  string
	member    string
	questions int

	mu        sync.Mutex
	known     int            // the version the server last said the response is at
	uncertain bool           // a save after known got no answer or a 5xx
	acks      int            // saves acknowledged with 200
	statuses  map[string]int // what the saves got, by status or error
	bad       []string       // answers no client should see
}

func (w *writer) run(ctx context.Context) {
	for ctx.Err() == nil {
		w.mu.Lock()
		next := w.known + 1
		w.mu.Unlock()
		r := w.c.do(ctx, "PATCH", "/v1/surveys/"+w.surveyID+"/responses/"+w.member,
			map[string]any{"answers": sameAnswers(w.questions, next)}, "If-Match", fmt.Sprintf(`"%d"`, next-1))
		if ctx.Err() != nil {
			w.mu.Lock()
			w.uncertain = true // cancelled by the test, perhaps after it committed
			w.mu.Unlock()
			return
		}
		w.mu.Lock()
		switch {
		case r.err != nil:
			w.statuses["no answer"]++
			w.uncertain = true
		case r.status == 200:
			w.statuses["200"]++
			w.check(r, next)
			w.known, w.uncertain = next, false
			w.acks++
		case r.status == 412:
			// A save that got no answer committed after all: read where it is.
			w.statuses["412"]++
			g := w.c.do(ctx, "GET", "/v1/surveys/"+w.surveyID+"/responses/"+w.member, nil)
			if g.err != nil || g.status != 200 {
				w.statuses["reread failed"]++
				break
			}
			w.known = w.check(g, -1)
			w.uncertain = false
		case r.status >= 500:
			w.statuses[fmt.Sprint(r.status)]++
			w.uncertain = true
			if r.status != 503 || r.header.Get("Retry-After") == "" ||
				!strings.Contains(r.header.Get("Content-Type"), "application/problem+json") {
				w.bad = append(w.bad, fmt.Sprintf("save of version %d with the database down: %s, want a 503 problem with Retry-After", next, r))
			}
		default:
			w.statuses[fmt.Sprint(r.status)]++
			w.bad = append(w.bad, fmt.Sprintf("save of version %d: %s", next, r))
		}
		w.mu.Unlock()
		if r.err != nil || r.status >= 500 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// check verifies that a response's answers agree with its version, and that it is
// the version expected (unless want < 0); it returns the version.
func (w *writer) check(r reply, want int) int {
	var body struct {
		Version int
		Answers map[string]float64
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		w.bad = append(w.bad, fmt.Sprintf("unreadable response %s: %v", r.body, err))
		return w.known
	}
	if want >= 0 && body.Version != want {
		w.bad = append(w.bad, fmt.Sprintf("a save of version %d answered version %d", want, body.Version))
	}
	if len(body.Answers) != w.questions {
		w.bad = append(w.bad, fmt.Sprintf("version %d answered with %d answers, want %d", body.Version, len(body.Answers), w.questions))
	}
	for k, v := range body.Answers {
		if int(v) != body.Version {
			w.bad = append(w.bad, fmt.Sprintf("version %d answered %s = %v", body.Version, k, v))
		}
	}
	return body.Version
}

func (w *writer) acked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acks
}

// TestPostgresRestartUnderWrites stops PostgreSQL at once, as a crash would,
// while writers save answers, and starts it again on the same port and data:
// /readyz says not ready meanwhile, saves are refused with a 503 problem, the
// server recovers by itself, and the database holds every acknowledged save,
// none half-written.
func TestPostgresRestartUnderWrites(t *testing.T) {
	pg, err := pgtemp.Start(pgtemp.Options{Durable: true}) // fsync on: a crash must not lose commits
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	token := adminToken(t, pg.URL)
	sqlDB := openDB(t, pg.URL)
	const writers, questions = 6, 5
	members := addMembers(t, sqlDB, writers)
	srv := startServer(t, pg.URL)
	c := newClient(srv.base, token)
	id := numbersSurvey(t, c, questions)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ws := make([]*writer, writers)
	var wg sync.WaitGroup
	for i := range ws {
		ws[i] = &writer{c: c, surveyID: id, member: members[i], questions: questions, statuses: map[string]int{}}
		wg.Add(1)
		go func() { defer wg.Done(); ws[i].run(ctx) }()
	}
	waitAcks := func(what string, n int, within time.Duration) {
		t.Helper()
		base := make([]int, len(ws))
		for i, w := range ws {
			base[i] = w.acked()
		}
		deadline := time.Now().Add(within)
		for i, w := range ws {
			for w.acked() < base[i]+n {
				if time.Now().After(deadline) {
					t.Fatalf("%s: writer %d got %d saves acknowledged in %s, want %d\n%v", what, i, w.acked()-base[i], within, n, w.statuses)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	waitAcks("before the fault", 5, 15*time.Second)

	if err := pg.Halt(); err != nil {
		t.Fatal(err)
	}
	halted := time.Now()
	if err := waitStatus(srv.base+"/readyz", 503, 5*time.Second, srv.done); err != nil {
		t.Fatalf("PostgreSQL down: %v", err)
	}
	notReady := time.Since(halted)
	time.Sleep(2 * time.Second) // the writers keep trying meanwhile
	if err := waitStatus(srv.base+"/readyz", 503, time.Second, srv.done); err != nil {
		t.Fatalf("PostgreSQL still down: %v", err)
	}
	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	if err := waitStatus(srv.base+"/readyz", 200, 15*time.Second, srv.done); err != nil {
		t.Fatalf("PostgreSQL back: %v", err)
	}
	ready := time.Since(resumed)
	waitAcks("after PostgreSQL came back", 5, 15*time.Second)
	recovered := time.Since(resumed)
	stop()
	wg.Wait()
	// Requests the writers gave up on may still be running: let the server
	// finish them and stop, as it does on SIGTERM, before reading what it wrote.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := srv.wait(25 * time.Second); err != nil || code != 0 {
		t.Fatalf("exit after SIGTERM, after the outage: %d, %v", code, err)
	}

	var statuses []string
	for i, w := range ws {
		if len(w.bad) > 0 {
			t.Errorf("writer %d saw:\n%s", i, strings.Join(w.bad, "\n"))
		}
		for s, n := range w.statuses {
			statuses = append(statuses, fmt.Sprintf("%s×%d", s, n))
		}
		hi := w.known
		if w.uncertain {
			hi++
		}
		checkResponse(t, sqlDB, id, w.member, questions, w.known, hi)
	}
	sort.Strings(statuses)
	t.Logf("not ready %v after the halt; ready %v after the restart, every writer saving again after %v; saves got %s",
		notReady.Round(time.Millisecond), ready.Round(time.Millisecond), recovered.Round(time.Millisecond), strings.Join(statuses, " "))
}
