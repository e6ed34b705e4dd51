package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/store"
)

// startWorker runs the durable jobs of the database in this process until ctx
// ends: the scheduler's ticks (editions opened when their period starts, passed
// deadlines recorded), and every other kind it handles. Every API process runs
// one; each job is done by one of them. The returned function stops the worker
// and waits for the jobs in hand to finish.
func startWorker(ctx context.Context, st *store.Store, log *slog.Logger) (stop func(), err error) {
	w := jobs.New(st, jobs.Options{Logger: log})
	if err := w.StartTicking(ctx); err != nil {
		return nil, fmt.Errorf("start the scheduler: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() { cancel(); <-done }, nil
}
