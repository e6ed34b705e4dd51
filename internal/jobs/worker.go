// Package jobs runs the platform's durable jobs: work kept in the database until
// it is done (mails, webhook deliveries, reminders, the scheduler's tick), claimed
// by any of the API processes, retried with back-off, and visible to the
// secretariat. The queue itself is a table of the store (decision 0019); this
// package is the worker that claims and runs its jobs, and the handlers of each
// kind.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/tldcouncil/surveyd/internal/metrics"
	"github.com/tldcouncil/surveyd/internal/requestid"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// Handler does one job. An error makes the job be retried after the back-off of its
// kind, until its attempts are used up; an error wrapped by Permanent fails it at
// once.
type Handler func(ctx context.Context, j survey.Job) error

// Policy says how often a kind of job is tried and how long to wait between tries.
type Policy struct {
	MaxAttempts int
	// Backoff is the wait after the attempt-th failed attempt (1 for the first).
	Backoff func(attempt int) time.Duration
}

// Exponential returns a back-off that doubles from base up to limit.
func Exponential(base, limit time.Duration) func(int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < limit; i++ {
			d *= 2
		}
		return min(d, limit)
	}
}

// permanent marks an error that no retry can mend.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the job fails at once instead of being retried: a
// mail to an address that the server refuses, a job whose payload cannot be read.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool { var p permanent; return errors.As(err, &p) }

// Options tune a Worker; the zero value is usable.
type Options struct {
	Logger      *slog.Logger
	Name        string           // how this worker signs its leases; a random one when empty
	Lease       time.Duration    // how long a claimed job is the worker's; 5 minutes when zero
	Poll        time.Duration    // how often Run looks for due jobs; 1 second when zero
	Concurrency int              // how many jobs Run does at once; 4 when zero
	JobTimeout  time.Duration    // how long one job may take; 1 minute when zero
	Metrics     *metrics.Metrics // records the scheduler's runs; nil for none
	// TickEvery is how often the scheduler's tick falls due; TickEvery (30 s) when
	// zero. The processes of one database should agree on it: ticks of one
	// interval are one chain, whoever enqueues them, while processes of different
	// intervals run a chain each (harmless, as a tick is safe to repeat, but
	// more work).
	TickEvery time.Duration
}

// Worker claims due jobs from the store and runs them with the handler of their
// kind. Several workers, in one process or many, may share a database: each job is
// run by one of them at a time.
type Worker struct {
	store *store.Store
	log   *slog.Logger
	opts  Options
	kinds map[string]kind
}

type kind struct {
	policy  Policy
	handler Handler
}

// New returns a worker that handles the scheduler's ticks; other kinds are added
// with Handle.
func New(st *store.Store, opts Options) *Worker {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Name == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		opts.Name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if opts.Lease <= 0 {
		opts.Lease = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = time.Minute
	}
	if opts.TickEvery <= 0 {
		opts.TickEvery = TickEvery
	}
	if opts.JobTimeout >= opts.Lease {
		opts.JobTimeout = opts.Lease / 2 // a job must end before another worker may take it
	}
	w := &Worker{store: st, log: opts.Logger, opts: opts, kinds: map[string]kind{}}
	w.Handle(KindTick, Policy{MaxAttempts: 3, Backoff: Exponential(5*time.Second, time.Minute)}, w.tick)
	return w
}

// Handle registers the handler and policy of a kind of job.
func (w *Worker) Handle(name string, p Policy, h Handler) {
	if p.MaxAttempts < 1 {
		p.MaxAttempts = 1
	}
	if p.Backoff == nil {
		p.Backoff = Exponential(30*time.Second, time.Hour)
	}
	w.kinds[name] = kind{policy: p, handler: h}
}

// RunOnce runs due jobs, one at a time, until none is due, and reports how many it
// ran. Tests use it to run the queue at a moment of their clock.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	ran := 0
	for {
		jobs, err := w.store.ClaimJobs(ctx, w.opts.Name, 1, w.opts.Lease)
		if err != nil {
			return ran, err
		}
		if len(jobs) == 0 {
			return ran, nil
		}
		w.run(ctx, jobs[0])
		ran++
	}
}

// Run does jobs as they fall due until ctx ends, then lets the jobs in hand finish
// (each within its timeout) and returns.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range w.opts.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	t := time.NewTicker(w.opts.Poll)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			jobs, err := w.store.ClaimJobs(ctx, w.opts.Name, 1, w.opts.Lease)
			if err != nil {
				if ctx.Err() == nil {
					w.log.WarnContext(ctx, "claiming jobs", "error", err)
				}
				break
			}
			if len(jobs) == 0 {
				break
			}
			// A job in hand is finished even when the server is stopping.
			w.run(context.WithoutCancel(ctx), jobs[0])
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// run does one claimed job and records how it ended.
func (w *Worker) run(ctx context.Context, j survey.Job) {
	ctx = requestid.With(ctx, j.ID) // in every line logged about the job, the store's too
	k, ok := w.kinds[j.Kind]
	var err error
	start := time.Now()
	if !ok {
		err = Permanent(fmt.Errorf("no handler for jobs of kind %q", j.Kind))
	} else {
		err = w.call(ctx, k.handler, j)
	}
	w.opts.Metrics.JobDone(j.Kind, err, time.Since(start))
	log := w.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "ms", time.Since(start).Milliseconds())
	var finish error
	switch {
	case err == nil:
		finish = w.store.CompleteJob(ctx, j.ID, w.opts.Name)
		log.DebugContext(ctx, "job done")
	case IsPermanent(err) || j.Attempts >= k.policy.MaxAttempts:
		finish = w.store.FailJob(ctx, j.ID, w.opts.Name, err.Error())
		log.WarnContext(ctx, "job failed", "error", err)
	default:
		at := w.store.Now().Add(k.policy.Backoff(j.Attempts))
		finish = w.store.RetryJob(ctx, j.ID, w.opts.Name, at, err.Error())
		log.InfoContext(ctx, "job to be retried", "error", err, "at", at)
	}
	if finish != nil {
		log.WarnContext(ctx, "recording the end of a job", "error", finish)
	}
}

// call runs the handler within the job's timeout; a panic is an error, not a crash.
func (w *Worker) call(ctx context.Context, h Handler, j survey.Job) (err error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.JobTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, j)
}
