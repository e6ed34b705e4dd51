package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type jobRow struct {
	ID          string `gorm:"primaryKey"`
	Kind        string
	Key         sql.NullString
	Subject     sql.NullString
	Payload     string
	State       string
	RunAt       time.Time
	Attempts    int
	LastError   string
	LockedBy    sql.NullString
	LockedUntil *time.Time
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (jobRow) TableName() string { return "jobs" }

func jobFromRow(r jobRow) survey.Job {
	return survey.Job{
		ID: r.ID, Kind: r.Kind, Key: r.Key.String, Subject: r.Subject.String, Payload: []byte(r.Payload),
		State: survey.JobState(r.State), RunAt: r.RunAt, Attempts: r.Attempts, LastError: r.LastError,
		LockedBy: r.LockedBy.String, LockedUntil: r.LockedUntil, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// Enqueue stores new pending jobs. A job whose key is taken already, by a job in
// any state, is left out: enqueuing the same work twice makes one job.
func (s *Store) Enqueue(ctx context.Context, jobs ...survey.Job) error {
	return wrap(s.tx(ctx, func(tx *gorm.DB) error { return s.enqueue(tx, jobs...) }), "enqueue jobs")
}

// enqueue inserts jobs inside the transaction of the change that causes them, so
// that they exist if and only if the change does.
func (s *Store) enqueue(tx *gorm.DB, jobs ...survey.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	now := s.Now()
	rows := make([]jobRow, len(jobs))
	for i, j := range jobs {
		runAt := j.RunAt.UTC().Round(time.Microsecond)
		if j.RunAt.IsZero() {
			runAt = now
		}
		payload := string(j.Payload)
		if payload == "" {
			payload = "{}"
		}
		rows[i] = jobRow{ID: s.newID("job"), Kind: j.Kind, Key: nullString(j.Key), Subject: nullString(j.Subject),
			Payload: payload, State: string(survey.JobPending), RunAt: runAt, CreatedAt: now, UpdatedAt: now}
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// ClaimJobs leases up to n jobs that are due to the worker until now+lease: pending
// jobs whose time has come, and running jobs whose worker's lease has run out (it
// stopped or crashed). Each claim counts as an attempt. Two workers never claim
// the same job: PostgreSQL skips rows another transaction has locked, SQLite has
// one writer.
func (s *Store) ClaimJobs(ctx context.Context, worker string, n int, lease time.Duration) ([]survey.Job, error) {
	now := s.Now()
	lock := ""
	if s.postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []jobRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		return tx.Raw(`UPDATE jobs SET state = ?, locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE id IN (SELECT id FROM jobs
				WHERE (state = ? AND run_at <= ?) OR (state = ? AND locked_until < ?)
				ORDER BY run_at, id LIMIT ?`+lock+`)
			RETURNING *`,
			survey.JobRunning, worker, now.Add(lease), now,
			survey.JobPending, now, survey.JobRunning, now, n).Scan(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "claim jobs")
	}
	out := make([]survey.Job, len(rows))
	for i, r := range rows {
		out[i] = jobFromRow(r)
	}
	return out, nil
}

// ErrLeaseLost is returned when a worker finishes a job it no longer holds: its
// lease ran out and another worker claimed the job.
var ErrLeaseLost = errors.New("the job's lease was lost to another worker")

// finishJob ends the worker's hold on the job with the given changes.
func (s *Store) finishJob(ctx context.Context, id, worker string, set map[string]any) error {
	set["locked_by"], set["locked_until"], set["updated_at"] = nil, nil, s.Now()
	res := s.db.WithContext(ctx).Model(&jobRow{}).
		Where("id = ? AND state = ? AND locked_by = ?", id, survey.JobRunning, worker).Updates(set)
	if res.Error != nil {
		return wrap(res.Error, "finish job")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("finish job %s: %w", id, ErrLeaseLost)
	}
	return nil
}

// CompleteJob records that the worker has done the job.
func (s *Store) CompleteJob(ctx context.Context, id, worker string) error {
	return s.finishJob(ctx, id, worker, map[string]any{"state": string(survey.JobDone), "last_error": ""})
}

// RetryJob puts the job back to be tried again at the time, with why it failed.
func (s *Store) RetryJob(ctx context.Context, id, worker string, at time.Time, reason string) error {
	return s.finishJob(ctx, id, worker, map[string]any{"state": string(survey.JobPending),
		"run_at": at.UTC().Round(time.Microsecond), "last_error": reason})
}

// FailJob gives the job up, with why.
func (s *Store) FailJob(ctx context.Context, id, worker string, reason string) error {
	return s.finishJob(ctx, id, worker, map[string]any{"state": string(survey.JobFailed), "last_error": reason})
}

// Job returns one job.
func (s *Store) Job(ctx context.Context, id string) (survey.Job, error) {
	var row jobRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if isNotFound(err) {
		return survey.Job{}, survey.Errorf(survey.NotFound, "no job has the id %q", id)
	}
	if err != nil {
		return survey.Job{}, wrap(err, "read job")
	}
	return jobFromRow(row), nil
}

// JobFilter narrows a list of jobs; the zero value lists all.
type JobFilter struct {
	State   survey.JobState
	Kind    string
	Subject string
}

// Jobs returns a page of jobs, newest first.
func (s *Store) Jobs(ctx context.Context, f JobFilter, p Page) ([]survey.Job, string, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(p.limit())
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Subject != "" {
		q = q.Where("subject = ?", f.Subject)
	}
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	var rows []jobRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list jobs")
	}
	rows, next := cut(rows, p, func(r jobRow) string { return r.ID })
	out := make([]survey.Job, len(rows))
	for i, r := range rows {
		out[i] = jobFromRow(r)
	}
	return out, next, nil
}

// PruneJobs deletes the jobs of the kinds that ended (done or cancelled) before
// the time, and reports how many. Failed jobs stay for the secretariat to see.
func (s *Store) PruneJobs(ctx context.Context, before time.Time, kinds ...string) (int64, error) {
	q := s.db.WithContext(ctx).Where("state IN ? AND updated_at < ?",
		[]string{string(survey.JobDone), string(survey.JobCancelled)}, before.UTC())
	if len(kinds) > 0 {
		q = q.Where("kind IN ?", kinds)
	}
	res := q.Delete(&jobRow{})
	return res.RowsAffected, wrap(res.Error, "prune jobs")
}
