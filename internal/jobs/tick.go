package jobs

import (
	"context"
	"strconv"
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// KindTick is the scheduler's job: it opens the editions whose period has come,
// records passed deadlines, prunes old jobs, and enqueues the next tick.
const KindTick = "tick"

// TickEvery is how often the scheduler's work is done.
const TickEvery = 30 * time.Second

// keepDone is how long finished jobs stay visible before they are pruned; ticks,
// of which there are thousands a day, are pruned after an hour.
const (
	keepDone  = 7 * 24 * time.Hour
	keepTicks = time.Hour
)

// tickJob is the tick due at t. Its key is the slot of TickEvery that t falls in,
// so that every process may enqueue it and one job results.
func tickJob(t time.Time) survey.Job {
	slot := t.Unix() / int64(TickEvery/time.Second)
	return survey.Job{Kind: KindTick, Key: "tick:" + strconv.FormatInt(slot, 10), RunAt: t}
}

// StartTicking enqueues the tick of now unless it exists; from then on each tick
// enqueues the next. Every process calls it at start: the chain of ticks survives
// restarts, and two chains merge, since the next tick's key is the slot after now.
func (w *Worker) StartTicking(ctx context.Context) error {
	return w.store.Enqueue(ctx, tickJob(w.store.Now()))
}

// tick does the scheduler's work. The next tick is enqueued first, so that a
// failing tick never stops the chain; the work is safe to repeat. What fails of
// the work is logged, as one broken series must not make thousands of failed
// ticks a day; the next tick tries again.
func (w *Worker) tick(ctx context.Context, _ survey.Job) error {
	now := w.store.Now()
	next := now.Truncate(TickEvery).Add(TickEvery)
	if err := w.store.Enqueue(ctx, tickJob(next)); err != nil {
		return err
	}
	opened, err := w.store.OpenDueEditions(ctx)
	if err != nil {
		w.log.Warn("opening editions", "error", err)
	}
	for _, e := range opened {
		w.log.Info("edition opened", "series", e.Series, "period", e.Period, "survey", e.ID)
	}
	if n, err := w.store.LockDue(ctx); err != nil {
		w.log.Warn("recording locks", "error", err)
	} else if n > 0 {
		w.log.Info("responses locked at their deadline", "count", n)
	}
	if _, err := w.store.PruneJobs(ctx, now.Add(-keepTicks), KindTick); err != nil {
		w.log.Warn("pruning ticks", "error", err)
	}
	if _, err := w.store.PruneJobs(ctx, now.Add(-keepDone)); err != nil {
		w.log.Warn("pruning jobs", "error", err)
	}
	return nil
}
