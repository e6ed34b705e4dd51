package api_test

import (
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// TestWithdrawDryRun: a dry run of a withdrawal changes nothing, as the
// contract says; it used to withdraw.
func TestWithdrawDryRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		h.run([]step{
			{name: "answer", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk", body: `{"answers":{"zone_signed":false}}`, status: 200},
			{name: "submit", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit", status: 200,
				want: map[string]any{"status": "submitted"}},
			{name: "a dry run", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/withdraw?dry_run=true", status: 200,
				want: map[string]any{"status": "submitted"}},
			{name: "still submitted", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 200,
				want: map[string]any{"status": "submitted"}},
			{name: "a bad flag", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/withdraw?dry_run=maybe", status: 400},
			{name: "the real one", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/withdraw", status: 200,
				want: map[string]any{"status": "draft"}},
		})
	})
}
