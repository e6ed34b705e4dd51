package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/mail"
)

// TestWebhooks: the secretariat registers, changes and removes webhooks, reads
// their delivery log and sends a delivery again; bad URLs and events are a 422
// naming the field; members may do none of it.
func TestWebhooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		h.e = api.New(api.Config{Store: h.store, Now: h.clock.Now, Self: []string{":8080", "surveys.example.org:443"}})
		withMembers(h)
		var hits atomic.Int64
		sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer sub.Close()
		h.vars["sub"] = sub.URL
		tpl, err := mail.ParseTemplates()
		if err != nil {
			t.Fatal(err)
		}
		w := jobs.New(h.store, jobs.Options{Name: "test"})
		w.HandleNotifications(jobs.NotifyOptions{Templates: tpl, BaseURL: "http://localhost:8080",
			Sender: jobs.Outbox{Store: h.store, Log: slog.New(slog.DiscardHandler)}})
		runJobs := func(*testing.T, *harness, response) {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		h.run([]step{
			{name: "none yet", as: "admin", method: "GET", path: "/v1/webhooks", status: 200},
			{name: "register", as: "admin", method: "POST", path: "/v1/webhooks",
				body: `{"url":"{{sub}}/hooks","events":["survey.opened","response.submitted"]}`, status: 201,
				want: map[string]any{"active": true, "events.1": "response.submitted", "disabled_reason": nil},
				save: map[string]string{"hook": "id", "secret": "secret"},
				check: func(t *testing.T, h *harness, r response) {
					if !strings.HasPrefix(h.vars["secret"], "whsec_") {
						t.Fatalf("secret %q", h.vars["secret"])
					}
				}},
			{name: "the secret is shown once", as: "admin", method: "GET", path: "/v1/webhooks/{{hook}}", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if strings.Contains(string(r.body), "whsec_") {
						t.Fatalf("the secret is shown again: %s", r.body)
					}
				}},
			{name: "not http", as: "admin", method: "POST", path: "/v1/webhooks", body: `{"url":"ftp://example.net/x","events":["survey.opened"]}`,
				status: 422, errors: []string{"url"}},
			{name: "this server", as: "admin", method: "POST", path: "/v1/webhooks", body: `{"url":"http://localhost:8080/v1/me","events":["survey.opened"]}`,
				status: 422, errors: []string{"url"}},
			{name: "this server by its name", as: "admin", method: "POST", path: "/v1/webhooks",
				body: `{"url":"https://surveys.example.org/x","events":["survey.opened"]}`, status: 422, errors: []string{"url"}},
			{name: "unknown event", as: "admin", method: "POST", path: "/v1/webhooks", body: `{"url":"https://hooks.example.net/","events":["survey.deadline_moved"]}`,
				status: 422, errors: []string{"events[0]"}},
			{name: "no events", as: "admin", method: "POST", path: "/v1/webhooks", body: `{"url":"https://hooks.example.net/","events":[]}`,
				status: 422, errors: []string{"events"}},
			{name: "a weak secret", as: "admin", method: "POST", path: "/v1/webhooks", body: `{"url":"https://hooks.example.net/","events":["survey.opened"],"secret":"hunter2"}`,
				status: 422, errors: []string{"secret"}},
			{name: "members may not", as: "dk", method: "GET", path: "/v1/webhooks", status: 403},
			{name: "open a survey", as: "admin", method: "POST", path: "/v1/surveys",
				body: withSurvey(h.t, func(doc map[string]any) { doc["deadline"] = "2026-12-31T23:59:59Z" }), status: 201,
				save: map[string]string{"survey": "id"}},
			{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 200, check: runJobs},
			{name: "the log", as: "admin", method: "GET", path: "/v1/webhooks/{{hook}}/deliveries", status: 200,
				want: map[string]any{"items.0.type": "survey.opened", "items.0.status": 204, "items.0.attempt": 1, "items.0.error": nil},
				save: map[string]string{"delivery": "items.0.id"}},
			{name: "resend", as: "admin", method: "POST", path: "/v1/webhooks/{{hook}}/deliveries/{{delivery}}/resend", status: 202,
				want: map[string]any{"kind": "webhook", "state": "pending"}, check: runJobs},
			{name: "two in the log", as: "admin", method: "GET", path: "/v1/webhooks/{{hook}}/deliveries?limit=1", status: 200,
				want: map[string]any{"items.0.type": "survey.opened"}, save: map[string]string{"next": "next_cursor"}},
			{name: "resend nothing", as: "admin", method: "POST", path: "/v1/webhooks/{{hook}}/deliveries/dlv_nothing/resend", status: 404},
			{name: "change events", as: "admin", method: "PATCH", path: "/v1/webhooks/{{hook}}", body: `{"events":["survey.closed"],"active":false}`, status: 200,
				want: map[string]any{"events.0": "survey.closed", "active": false}},
			{name: "point it here", as: "admin", method: "PATCH", path: "/v1/webhooks/{{hook}}", body: `{"url":"http://127.0.0.1:8080/"}`, status: 422,
				errors: []string{"url"}},
			{name: "remove", as: "admin", method: "DELETE", path: "/v1/webhooks/{{hook}}", status: 204},
			{name: "gone", as: "admin", method: "GET", path: "/v1/webhooks/{{hook}}", status: 404},
			{name: "its log is gone", as: "admin", method: "GET", path: "/v1/webhooks/{{hook}}/deliveries", status: 404},
		})
		if n := hits.Load(); n != 2 {
			t.Fatalf("the subscriber was called %d times, want 2 (the event and its resend)", n)
		}
	})
}
