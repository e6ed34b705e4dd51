package survey

import (
	"time"
)

// JobState is where a job is in its life.
type JobState string

// The states of a job. A job is pending until a worker claims it, running while
// that worker holds its lease, and then done, pending again (to be retried at a
// later time), failed (given up, with its last error) or cancelled (no longer
// wanted, such as the reminders of a survey closed early).
const (
	JobPending   JobState = "pending"
	JobRunning   JobState = "running"
	JobDone      JobState = "done"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// Valid reports whether s is one of the states.
func (s JobState) Valid() bool {
	switch s {
	case JobPending, JobRunning, JobDone, JobFailed, JobCancelled:
		return true
	}
	return false
}

// Job is one piece of work kept in the database until it is done: a mail to send,
// a webhook to deliver, a reminder or the scheduler's tick. Key, when set, is
// unique among all jobs, so that enqueuing the same work twice makes one job.
// Subject names what the job is about (a survey's id), so that its jobs can be
// found again, moved or cancelled.
type Job struct {
	ID          string
	Kind        string
	Key         string
	Subject     string
	Payload     []byte // JSON, read by the kind's handler
	State       JobState
	RunAt       time.Time
	Attempts    int
	LastError   string
	LockedBy    string
	LockedUntil *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
