package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a settable clock shared by stores and workers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func jobsIn(t *testing.T, st *store.Store, state survey.JobState, kind string) []survey.Job {
	t.Helper()
	js, _, err := st.Jobs(context.Background(), store.JobFilter{State: state, Kind: kind}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestRetriesWithBackoff: a failing job is retried after growing waits, not
// before; a permanent error fails at once; others go on meanwhile.
func TestRetriesWithBackoff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		clk := newClock()
		st := db.Open(t, store.Options{Now: clk.Now})
		w := jobs.New(st, jobs.Options{Name: "w1"})
		var flakyCalls, okCalls int
		w.Handle("flaky", jobs.Policy{MaxAttempts: 3, Backoff: jobs.Exponential(time.Minute, time.Hour)}, func(context.Context, survey.Job) error {
			flakyCalls++
			return fmt.Errorf("try %d went wrong", flakyCalls)
		})
		w.Handle("doomed", jobs.Policy{MaxAttempts: 5}, func(context.Context, survey.Job) error {
			return jobs.Permanent(errors.New("the address is refused"))
		})
		w.Handle("ok", jobs.Policy{MaxAttempts: 1}, func(context.Context, survey.Job) error { okCalls++; return nil })
		if err := st.Enqueue(ctx, survey.Job{Kind: "flaky"}, survey.Job{Kind: "doomed"}, survey.Job{Kind: "ok"},
			survey.Job{Kind: "ok", Key: "once"}, survey.Job{Kind: "ok", Key: "once"}, survey.Job{Kind: "nobody-handles-this"}); err != nil {
			t.Fatal(err)
		}
		if n, err := w.RunOnce(ctx); err != nil || n != 5 {
			t.Fatalf("first round ran %d jobs (%v), want 5: the same key twice is one job", n, err)
		}
		if okCalls != 2 {
			t.Fatalf("ok ran %d times, want 2", okCalls)
		}
		failed := jobsIn(t, st, survey.JobFailed, "")
		if len(failed) != 2 {
			t.Fatalf("failed jobs %+v, want the doomed one and the one nobody handles", failed)
		}
		for _, j := range failed {
			if j.Attempts != 1 || j.LastError == "" {
				t.Fatalf("failed job %+v: want one attempt and its error", j)
			}
		}
		// The flaky job waits a minute, then two.
		for i, wait := range []time.Duration{time.Minute, 2 * time.Minute} {
			clk.Advance(wait - time.Second)
			if n, _ := w.RunOnce(ctx); n != 0 {
				t.Fatalf("retry %d ran a second early", i+1)
			}
			clk.Advance(time.Second)
			if n, _ := w.RunOnce(ctx); n != 1 {
				t.Fatalf("retry %d did not run on time", i+1)
			}
		}
		j := jobsIn(t, st, "", "flaky")[0]
		if j.State != survey.JobFailed || j.Attempts != 3 || j.LastError != "try 3 went wrong" {
			t.Fatalf("flaky after three tries: %+v", j)
		}
		if flakyCalls != 3 {
			t.Fatalf("flaky ran %d times, want 3", flakyCalls)
		}
	})
}

// TestJobsSurviveRestart: a job enqueued before a restart runs after it, and a job
// whose worker died holding it runs again once its lease has run out, once.
func TestJobsSurviveRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		clk := newClock()
		before := db.Open(t, store.Options{Now: clk.Now})
		if err := before.Enqueue(ctx, survey.Job{Kind: "send", Key: "a"}, survey.Job{Kind: "send", Key: "b"}); err != nil {
			t.Fatal(err)
		}
		// A worker claims one job and dies without finishing it.
		claimed, err := before.ClaimJobs(ctx, "dead", 1, 5*time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		if err := before.Close(); err != nil {
			t.Fatal(err)
		}

		after := db.Open(t, store.Options{Now: clk.Now})
		w := jobs.New(after, jobs.Options{Name: "new"})
		ran := map[string]int{}
		w.Handle("send", jobs.Policy{MaxAttempts: 3}, func(_ context.Context, j survey.Job) error { ran[j.Key]++; return nil })
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("after the restart: ran %d (%v), want the one nobody held", n, err)
		}
		clk.Advance(5*time.Minute + time.Second)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("after the lease: ran %d (%v), want the dead worker's job", n, err)
		}
		if ran["a"] != 1 || ran["b"] != 1 {
			t.Fatalf("runs %v, want each job once", ran)
		}
		// The dead worker cannot finish what it no longer holds.
		if err := after.CompleteJob(ctx, claimed[0].ID, "dead"); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("completing a lost job: %v, want ErrLeaseLost", err)
		}
		if done := jobsIn(t, after, survey.JobDone, "send"); len(done) != 2 || done[0].Attempts+done[1].Attempts != 3 {
			t.Fatalf("done jobs %+v: want both, with three claims between them", done)
		}
	})
}

// TestTwoWorkersRunEachJobOnce runs two workers, each on its own store as two API
// processes would have, on one database: every job runs exactly once.
func TestTwoWorkersRunEachJobOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		clk := newClock()
		a, b := db.Open(t, store.Options{Now: clk.Now}), db.Open(t, store.Options{Now: clk.Now})
		const n = 200
		batch := make([]survey.Job, n)
		for i := range batch {
			batch[i] = survey.Job{Kind: "count", Key: fmt.Sprint(i)}
		}
		if err := a.Enqueue(ctx, batch...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		runs := map[string]int{}
		var byWorker [2]atomic.Int64
		var wg sync.WaitGroup
		for i, st := range []*store.Store{a, b, a, b} {
			w := jobs.New(st, jobs.Options{Name: fmt.Sprint("w", i)})
			w.Handle("count", jobs.Policy{MaxAttempts: 1}, func(_ context.Context, j survey.Job) error {
				mu.Lock()
				runs[j.Key]++
				mu.Unlock()
				byWorker[i%2].Add(1)
				return nil
			})
			wg.Go(func() {
				if _, err := w.RunOnce(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(runs) != n {
			t.Fatalf("%d jobs ran, want %d", len(runs), n)
		}
		for k, c := range runs {
			if c != 1 {
				t.Fatalf("job %s ran %d times", k, c)
			}
		}
		if got := len(jobsIn(t, a, survey.JobDone, "count")); got != n {
			t.Fatalf("%d jobs done, want %d", got, n)
		}
		t.Logf("runs by process: %d and %d", byWorker[0].Load(), byWorker[1].Load())
	})
}

// TestTickSchedules: the scheduler's tick, a job, opens a due edition, enqueues the
// next tick, and two processes starting at once make one chain.
func TestTickSchedules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		clk := newClock()
		a, b := db.Open(t, store.Options{Now: clk.Now}), db.Open(t, store.Options{Now: clk.Now})
		admin, err := a.CreateUser(ctx, survey.User{Email: "admin@example.org", Role: survey.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		sr := survey.Series{Key: "monthly-stats", Title: "Monthly statistics", Recurrence: survey.RecurMonthly, OpenDay: 1, DeadlineDays: 10,
			Template: survey.Survey{Title: "Monthly statistics", Policy: survey.DefaultResultsPolicy(), Sections: []survey.Section{{
				Key: "counts", Title: "Counts", Questions: []survey.Question{{Key: "domains", Type: survey.Integer, Prompt: "Domains"}}}}}}
		if _, err := a.CreateSeries(ctx, sr, admin.ID); err != nil {
			t.Fatal(err)
		}
		wa, wb := jobs.New(a, jobs.Options{Name: "a"}), jobs.New(b, jobs.Options{Name: "b"})
		for _, w := range []*jobs.Worker{wa, wb} {
			if err := w.StartTicking(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := wa.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("ran %d (%v), want one tick from two starts, and the notification of the edition it opened", n, err)
		}
		if done := jobsIn(t, a, survey.JobDone, jobs.KindTick); len(done) != 1 {
			t.Fatalf("%d ticks done, want 1", len(done))
		}
		editions, err := a.Editions(ctx, "monthly-stats", nil)
		if err != nil || len(editions) != 1 || editions[0].Period != "2026-11" {
			t.Fatalf("editions after the tick: %+v, %v", editions, err)
		}
		pending := jobsIn(t, a, survey.JobPending, jobs.KindTick)
		if len(pending) != 1 || !pending[0].RunAt.Equal(clk.Now().Add(jobs.TickEvery)) {
			t.Fatalf("pending ticks %+v, want the next one, in %s", pending, jobs.TickEvery)
		}
		for range 3 {
			clk.Advance(jobs.TickEvery)
			if _, err := wb.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := wa.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if done := jobsIn(t, a, survey.JobDone, jobs.KindTick); len(done) != 4 {
			t.Fatalf("%d ticks done in four slots, want 4", len(done))
		}
		if pending := jobsIn(t, a, survey.JobPending, jobs.KindTick); len(pending) != 1 {
			t.Fatalf("%d ticks pending, want 1", len(pending))
		}
	})
}

// TestTickGoesFirst: a backlog of due jobs does not hold the scheduler up.
func TestTickGoesFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		clk := newClock()
		st := db.Open(t, store.Options{Now: clk.Now})
		backlog := make([]survey.Job, 20)
		for i := range backlog {
			backlog[i] = survey.Job{Kind: "slow", RunAt: clk.Now().Add(-time.Hour)}
		}
		if err := st.Enqueue(ctx, backlog...); err != nil {
			t.Fatal(err)
		}
		if err := jobs.New(st, jobs.Options{Name: "w"}).StartTicking(ctx); err != nil {
			t.Fatal(err)
		}
		claimed, err := st.ClaimJobs(ctx, "other", 1, time.Minute)
		if err != nil || len(claimed) != 1 || claimed[0].Kind != jobs.KindTick {
			t.Fatalf("first claim %+v (%v), want the tick, enqueued last", claimed, err)
		}
	})
}

// TestTickEvery: with an interval of its own (7 s, which divides neither a
// minute nor the clock's second of the day), the scheduler's next tick falls at
// the start of the next slot of that interval, the chain never stalls on a slot
// it already holds, and a second worker starting in the same slot adds nothing.
func TestTickEvery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		clk := newClock()
		st := db.Open(t, store.Options{Now: clk.Now})
		const every = 7 * time.Second
		wa, wb := jobs.New(st, jobs.Options{Name: "a", TickEvery: every}), jobs.New(st, jobs.Options{Name: "b", TickEvery: every})
		for _, w := range []*jobs.Worker{wa, wb} {
			if err := w.StartTicking(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 5 {
			if n, err := wa.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("round %d: ran %d (%v), want one tick", i, n, err)
			}
			pending := jobsIn(t, st, survey.JobPending, jobs.KindTick)
			if len(pending) != 1 {
				t.Fatalf("round %d: %d ticks pending, want 1", i, len(pending))
			}
			at := pending[0].RunAt
			if at.UnixNano()%int64(every) != 0 || !at.After(clk.Now()) || at.Sub(clk.Now()) > every {
				t.Fatalf("round %d at %s: next tick at %s, want the start of the next 7 s slot", i, clk.Now(), at)
			}
			clk.Advance(at.Sub(clk.Now()))
		}
		if done := jobsIn(t, st, survey.JobDone, jobs.KindTick); len(done) != 5 {
			t.Fatalf("%d ticks done, want 5", len(done))
		}
	})
}
