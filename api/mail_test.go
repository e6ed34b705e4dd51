package api_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/mail"
)

// TestOutbox: with no SMTP server the mails of a survey opened through the API
// are kept in the outbox, which only the secretariat reads.
func TestOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		tpl, err := mail.ParseTemplates()
		if err != nil {
			t.Fatal(err)
		}
		w := jobs.New(h.store, jobs.Options{Name: "test"})
		w.HandleNotifications(jobs.NotifyOptions{Templates: tpl, BaseURL: "http://localhost:8080",
			Sender: jobs.Outbox{Store: h.store, Log: slog.New(slog.DiscardHandler)}})
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.run([]step{
			{name: "the invitation", as: "admin", method: "GET", path: "/v1/outbox", status: 200,
				want: map[string]any{"items.0.to": "anna@punktum.dk", "items.0.kind": "invitation",
					"items.0.subject": "New survey: DNSSEC practices 2026"},
				check: func(t *testing.T, h *harness, r response) {
					doc := r.json(t)
					if items := doc["items"].([]any); len(items) != 1 {
						t.Fatalf("%d mails in the outbox, want the one to dk's respondent (se's user is a viewer)", len(items))
					}
					text, _ := lookup(doc, "items.0.text")
					if !strings.Contains(text.(string), "http://localhost:8080/v1/surveys/"+h.vars["survey"]+"/responses/dk") {
						t.Fatalf("the invitation lacks its link:\n%s", text)
					}
				}},
			{name: "members may not read it", as: "dk", method: "GET", path: "/v1/outbox", status: 403},
		})
	})
}

// TestMailPreferences: a user switches kinds of mail off for itself, but not
// receipts; the secretariat may do it for anyone; others may not.
func TestMailPreferences(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "all on at first", as: "dk", method: "GET", path: "/v1/users/{{dk_user}}/mail-preferences", status: 200,
				want: map[string]any{"invitation": true, "reminder": true, "receipt": true, "results": true}},
			{name: "reminders off", as: "dk", method: "PUT", path: "/v1/users/{{dk_user}}/mail-preferences", body: `{"reminder":false}`, status: 200,
				want: map[string]any{"reminder": false, "invitation": true}},
			{name: "kept", as: "dk", method: "GET", path: "/v1/users/{{dk_user}}/mail-preferences", status: 200,
				want: map[string]any{"reminder": false}},
			{name: "receipts stay on", as: "dk", method: "PUT", path: "/v1/users/{{dk_user}}/mail-preferences", body: `{"receipt":false}`, status: 422,
				errors: []string{"receipt"}},
			{name: "unknown kind", as: "dk", method: "PUT", path: "/v1/users/{{dk_user}}/mail-preferences", body: `{"newsletter":false}`, status: 400},
			{name: "the secretariat", as: "admin", method: "PUT", path: "/v1/users/{{dk_user}}/mail-preferences", body: `{"results":false}`, status: 200,
				want: map[string]any{"results": false, "reminder": false}},
			{name: "another member's user", as: "se", method: "GET", path: "/v1/users/{{dk_user}}/mail-preferences", status: 404},
			{name: "a colleague", as: "admin", method: "POST", path: "/v1/users", body: `{"email":"bo@punktum.dk","role":"viewer","member":"dk"}`,
				status: 201, save: map[string]string{"bo": "id"}},
			{name: "may not change it", as: "dk", method: "PUT", path: "/v1/users/{{bo}}/mail-preferences", body: `{"results":false}`, status: 403},
		})
	})
}
