package jobs

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// KindTick is the scheduler's job: it opens the editions whose period has come,
// records passed deadlines, prunes old jobs, and enqueues the next tick.
const KindTick = store.JobTick

// TickEvery is how often the scheduler's work is done unless Options.TickEvery
// says otherwise.
const TickEvery = 30 * time.Second

// keepDone is how long finished jobs stay visible before they are pruned; ticks,
// of which there are thousands a day, are pruned after an hour.
const (
	keepDone  = 7 * 24 * time.Hour
	keepTicks = time.Hour
)

// tickJob is the tick due at t. Its key is the slot of the interval that t
// falls in, so that every process may enqueue it and one job results. (Of 30 s,
// the slots are those of t.Unix()/30, as they were when the interval was fixed.)
func (w *Worker) tickJob(t time.Time) survey.Job {
	return survey.Job{Kind: KindTick, Key: "tick:" + strconv.FormatInt(w.tickSlot(t), 10), RunAt: t}
}

// tickSlot is the number of the interval that t falls in, counted from the Unix
// epoch.
func (w *Worker) tickSlot(t time.Time) int64 { return t.UnixNano() / int64(w.opts.TickEvery) }

// StartTicking enqueues the tick of now unless it exists; from then on each tick
// enqueues the next. Every process calls it at start: the chain of ticks survives
// restarts, and two chains merge, since the next tick's key is the slot after now.
func (w *Worker) StartTicking(ctx context.Context) error {
	return w.store.Enqueue(ctx, w.tickJob(w.store.Now()))
}

// tick does the scheduler's work. The next tick is enqueued first, so that a
// failing tick never stops the chain; the work is safe to repeat. What fails of
// the work is logged, as one broken series must not make thousands of failed
// ticks a day; the next tick tries again.
func (w *Worker) tick(ctx context.Context, _ survey.Job) error {
	start := time.Now()
	now := w.store.Now()
	// The start of the next slot: the slot of its tick is never this one's,
	// whatever the interval, so the chain goes on.
	next := time.Unix(0, (w.tickSlot(now)+1)*int64(w.opts.TickEvery)).UTC()
	if err := w.store.Enqueue(ctx, w.tickJob(next)); err != nil {
		w.opts.Metrics.SchedulerRun(err, 0, 0, time.Since(start))
		return err
	}
	opened, openErr := w.store.OpenDueEditions(ctx)
	if openErr != nil {
		w.log.WarnContext(ctx, "opening editions", "error", openErr)
	}
	for _, e := range opened {
		w.log.InfoContext(ctx, "edition opened", "series", e.Series, "period", e.Period, "survey", e.ID)
	}
	locked, lockErr := w.store.LockDue(ctx)
	if lockErr != nil {
		w.log.WarnContext(ctx, "recording locks", "error", lockErr)
	} else if locked > 0 {
		w.log.InfoContext(ctx, "responses locked at their deadline", "count", locked)
	}
	w.opts.Metrics.SchedulerRun(errors.Join(openErr, lockErr), len(opened), locked, time.Since(start))
	if _, err := w.store.PruneJobs(ctx, now.Add(-keepTicks), KindTick); err != nil {
		w.log.WarnContext(ctx, "pruning ticks", "error", err)
	}
	if _, err := w.store.PruneJobs(ctx, now.Add(-keepDone)); err != nil {
		w.log.WarnContext(ctx, "pruning jobs", "error", err)
	}
	return nil
}
