package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

type jobResponse struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	Key         *string         `json:"key"`
	Subject     *string         `json:"subject"`
	State       string          `json:"state"`
	RunAt       time.Time       `json:"run_at"`
	Attempts    int             `json:"attempts"`
	LastError   *string         `json:"last_error"`
	LockedBy    *string         `json:"locked_by"`
	LockedUntil *time.Time      `json:"locked_until"`
	Payload     json.RawMessage `json:"payload"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func toJobResponse(j survey.Job) jobResponse {
	payload := json.RawMessage(j.Payload)
	if !json.Valid(payload) {
		payload = json.RawMessage("{}")
	}
	return jobResponse{ID: j.ID, Kind: j.Kind, Key: optional(j.Key), Subject: optional(j.Subject), State: string(j.State),
		RunAt: j.RunAt, Attempts: j.Attempts, LastError: optional(j.LastError), LockedBy: optional(j.LockedBy),
		LockedUntil: j.LockedUntil, Payload: payload, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
}

// listJobs serves GET /v1/jobs: the durable jobs, newest first, by state, kind
// and subject, for the secretariat.
func (s *Server) listJobs(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.JobFilter{State: survey.JobState(c.QueryParam("state")), Kind: c.QueryParam("kind"), Subject: c.QueryParam("subject")}
	if f.State != "" && !f.State.Valid() {
		return queryError("state", "must be pending, running, done, failed or cancelled")
	}
	jobs, next, err := s.store.Jobs(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(jobs, next, toJobResponse))
}
