package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type webhookResponse struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Events         []string  `json:"events"`
	Active         bool      `json:"active"`
	DisabledReason *string   `json:"disabled_reason"`
	Secret         string    `json:"secret,omitempty"` // only when made
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toWebhookResponse(w survey.Webhook) webhookResponse {
	events := make([]string, len(w.Events))
	for i, e := range w.Events {
		events[i] = string(e)
	}
	return webhookResponse{ID: w.ID, URL: w.URL, Events: events, Active: w.Active, DisabledReason: optional(w.DisabledReason),
		CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

type createWebhookRequest struct {
	URL    string   `json:"url" validate:"required"`
	Events []string `json:"events" validate:"required"`
	Secret string   `json:"secret"`
}

type updateWebhookRequest struct {
	URL    *string   `json:"url"`
	Events *[]string `json:"events"`
	Active *bool     `json:"active"`
	Secret *string   `json:"secret"`
}

func eventTypes(names []string) []survey.NotificationType {
	out := make([]survey.NotificationType, len(names))
	for i, n := range names {
		out[i] = survey.NotificationType(n)
	}
	return out
}

func (r updateWebhookRequest) apply(w survey.Webhook) survey.Webhook {
	if r.URL != nil {
		w.URL = *r.URL
	}
	if r.Events != nil {
		w.Events = eventTypes(*r.Events)
	}
	if r.Active != nil {
		w.Active = *r.Active
	}
	if r.Secret != nil {
		w.Secret = *r.Secret
	}
	return w
}

// listWebhooks serves GET /v1/webhooks.
func (s *Server) listWebhooks(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	hooks, next, err := s.store.Webhooks(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(hooks, next, toWebhookResponse))
}

// createWebhook serves POST /v1/webhooks: the secret is shown in this response only.
func (s *Server) createWebhook(c echo.Context) error {
	var req createWebhookRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	w, err := s.store.CreateWebhook(c.Request().Context(), survey.Webhook{URL: req.URL, Events: eventTypes(req.Events),
		Secret: req.Secret, CreatedBy: caller(c).ID}, s.self)
	if err != nil {
		return err
	}
	out := toWebhookResponse(w)
	out.Secret = w.Secret
	return c.JSON(http.StatusCreated, out)
}

// getWebhook serves GET /v1/webhooks/{id}.
func (s *Server) getWebhook(c echo.Context) error {
	w, err := s.store.Webhook(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebhookResponse(w))
}

// updateWebhook serves PATCH /v1/webhooks/{id}.
func (s *Server) updateWebhook(c echo.Context) error {
	var req updateWebhookRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	w, err := s.store.EditWebhook(c.Request().Context(), c.Param("id"), req.apply, s.self)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebhookResponse(w))
}

// deleteWebhook serves DELETE /v1/webhooks/{id}.
func (s *Server) deleteWebhook(c echo.Context) error {
	if err := s.store.DeleteWebhook(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type deliveryResponse struct {
	ID        string    `json:"id"`
	EventID   string    `json:"event_id"`
	Type      string    `json:"type"`
	Attempt   int       `json:"attempt"`
	Status    *int      `json:"status"`
	LatencyMS int64     `json:"latency_ms"`
	Error     *string   `json:"error"`
	JobID     string    `json:"job_id"`
	At        time.Time `json:"at"`
}

func toDeliveryResponse(d survey.Delivery) deliveryResponse {
	out := deliveryResponse{ID: d.ID, EventID: d.Notification, Type: string(d.Type), Attempt: d.Attempt,
		LatencyMS: d.Latency.Milliseconds(), Error: optional(d.Error), JobID: d.Job, At: d.At}
	if d.Status != 0 {
		out.Status = &d.Status
	}
	return out
}

// listDeliveries serves GET /v1/webhooks/{id}/deliveries: every attempt, newest first.
func (s *Server) listDeliveries(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	ds, next, err := s.store.Deliveries(c.Request().Context(), c.Param("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(ds, next, toDeliveryResponse))
}

// resendDelivery serves POST /v1/webhooks/{id}/deliveries/{delivery}/resend: the
// delivery's event is queued to the webhook again.
func (s *Server) resendDelivery(c echo.Context) error {
	j, err := s.store.Resend(c.Request().Context(), c.Param("id"), c.Param("delivery"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toJobResponse(j))
}
