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

// TestRemindNow: whoever runs a survey sends a reminder now; it goes out by the
// reminder job to the outbox, shows in the progress's told and in the audit
// trail; a member's user may not, an unknown member is named, a closed survey
// takes none.
func TestRemindNow(t *testing.T) {
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
		work := func(t *testing.T, h *harness, r response) {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		h.run([]step{
			{name: "the invitation goes first", as: "admin", method: "GET", path: "/v1/outbox", status: 200, check: work},
			{name: "a member's user may not", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/reminders", status: 403},
			{name: "an unknown member", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/reminders",
				body: `{"members":["dk","xx"]}`, status: 422, errors: []string{"members[1]"},
				check: func(t *testing.T, h *harness, r response) {
					if d, _ := lookup(r.json(t), "errors.0.reason"); d != `"xx" is not a member of the survey's audience` {
						t.Fatalf("reason %v, want one naming xx", d)
					}
				}},
			{name: "nothing was queued", as: "admin", method: "GET", path: "/v1/jobs?kind=reminder", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					for _, j := range r.json(t)["items"].([]any) {
						if key, _ := j.(map[string]any)["key"].(string); strings.HasPrefix(key, "reminder-now:") {
							t.Fatalf("a reminder is queued after a refusal: %v", j)
						}
					}
				}},
			{name: "everyone not submitted", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/reminders", status: 202,
				want: map[string]any{"members": "[dk se]", "survey_id": "{{survey}}"}, check: work},
			{name: "the reminder in the outbox", as: "admin", method: "GET", path: "/v1/outbox", status: 200,
				want: map[string]any{"items.0.to": "anna@punktum.dk", "items.0.kind": "reminder",
					"items.0.subject": "Reminder: DNSSEC practices 2026 is due Thursday 31 December 2026, 23:59 UTC"}},
			{name: "told in the progress", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/progress", status: 200,
				want: map[string]any{"members.0.member": "dk", "members.0.told.1.template": "reminder", "members.0.told.1.state": "done"}},
			{name: "in the audit trail", as: "admin", method: "GET", path: "/v1/audit?kind=survey.reminded", status: 200,
				want: map[string]any{"items.0.object_id": "{{survey}}", "items.0.after.members": "[dk se]"}},
			{name: "dk submits", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":false}}`, status: 200},
			{name: "submit", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit", status: 200},
			{name: "a submitted member is not reminded", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/reminders",
				body: `{"members":["dk"]}`, status: 422, errors: []string{"members[0]"}},
			{name: "the others are", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/reminders", body: `{}`, status: 202,
				want: map[string]any{"members": "[se]"}},
			{name: "close", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/close", status: 200},
			{name: "a closed survey takes none", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/reminders", status: 409,
				want: map[string]any{"reason": "not_open"}},
		})
	})
}

// TestChairReminds: the chair of a survey's work group runs it, so it sends
// its reminders; not those of a survey of another group.
func TestChairReminds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withChair(h)
		h.run([]step{
			{name: "the chair opens its survey", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/open", status: 200},
			{name: "and reminds", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/reminders", body: `{"members":["se"]}`, status: 202,
				want: map[string]any{"members": "[se]"}},
			{name: "the secretariat opens the legal survey", as: "admin", method: "POST", path: "/v1/surveys/{{legal_survey}}/open", status: 200},
			{name: "not the other group's", as: "chair", method: "POST", path: "/v1/surveys/{{legal_survey}}/reminders", status: 403},
		})
	})
}
