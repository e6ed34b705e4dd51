package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// withChair adds to withMembers a work group technical chaired by Chris, a
// respondent of dk ("chair"), and a group legal that he does not chair, with a
// draft survey of each: {{tech_survey}} and {{legal_survey}}.
func withChair(h *harness) {
	h.t.Helper()
	withMembers(h)
	inGroup := func(group string) string {
		return withSurvey(h.t, func(doc map[string]any) { doc["work_group"] = group; doc["deadline"] = "2026-12-01T12:00:00Z" })
	}
	h.run([]step{
		{name: "chair user", as: "admin", method: "POST", path: "/v1/users",
			body: `{"email":"chris@punktum.dk","name":"Chris","role":"respondent","member":"dk"}`, status: 201,
			save: map[string]string{"chair_user": "id"}},
		{name: "chair token", as: "admin", method: "POST", path: "/v1/users/{{chair_user}}/tokens", body: `{"name":"laptop"}`, status: 201,
			save: map[string]string{"chair_secret": "secret", "chair_token": "id"}},
		{name: "technical", as: "admin", method: "POST", path: "/v1/work-groups",
			body: `{"key":"technical","name":"Technical work group","description":"DNS operations.","chairs":["{{chair_user}}"]}`, status: 201,
			want: map[string]any{"chairs.0": "{{chair_user}}"}},
		{name: "legal", as: "admin", method: "POST", path: "/v1/work-groups", body: `{"key":"legal","name":"Legal work group"}`, status: 201,
			want: map[string]any{"chairs": "[]"}},
		{name: "legal draft by the secretariat", as: "admin", method: "POST", path: "/v1/surveys", body: inGroup("legal"), status: 201,
			save: map[string]string{"legal_survey": "id"}},
	})
	h.tokens["chair"] = h.vars["chair_secret"]
	h.run([]step{
		{name: "technical draft by its chair", as: "chair", method: "POST", path: "/v1/surveys", body: inGroup("technical"), status: 201,
			want: map[string]any{"work_group": "technical", "status": "draft"}, save: map[string]string{"tech_survey": "id"}},
	})
}

func TestWorkGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withChair(h)
		h.run([]step{
			{name: "the chair knows what it chairs", as: "chair", method: "GET", path: "/v1/me", status: 200,
				want: map[string]any{"chairs": "[technical]"}},
			{name: "others chair nothing", as: "dk", method: "GET", path: "/v1/me", status: 200, want: map[string]any{"chairs": "[]"}},
			{name: "anyone lists the groups", as: "se", method: "GET", path: "/v1/work-groups", status: 200,
				want: map[string]any{"items.0.key": "legal", "items.1.key": "technical", "items.1.chairs.0": "{{chair_user}}"}},
			{name: "read one", as: "dk", method: "GET", path: "/v1/work-groups/technical", status: 200, want: map[string]any{"name": "Technical work group"}},
			{name: "unknown group", as: "dk", method: "GET", path: "/v1/work-groups/nope", status: 404, want: map[string]any{"reason": "no_such_work_group"}},
			{name: "duplicate key", as: "admin", method: "POST", path: "/v1/work-groups", body: `{"key":"legal","name":"Again"}`, status: 409, errors: []string{"key"}},
			{name: "bad key and no name", as: "admin", method: "POST", path: "/v1/work-groups", body: `{"key":"Bad Key"}`, status: 422,
				errors: []string{"key", "name"}},
			{name: "the secretariat cannot chair, unknown users neither", as: "admin", method: "POST", path: "/v1/work-groups",
				body: `{"key":"security","name":"Security","chairs":["{{admin_id}}","usr_nobody","{{admin_id}}"]}`, status: 422,
				errors: []string{"chairs[0]", "chairs[1]", "chairs[2]"}},
			{name: "nothing written by the failures", as: "admin", method: "GET", path: "/v1/work-groups/security", status: 404},
			{name: "members may not create groups", as: "dk", method: "POST", path: "/v1/work-groups", body: `{"key":"x","name":"X"}`, status: 403},
			{name: "a chair may not change its group", as: "chair", method: "PATCH", path: "/v1/work-groups/technical",
				body: `{"chairs":[]}`, status: 403},
			{name: "rename", as: "admin", method: "PATCH", path: "/v1/work-groups/legal", body: `{"description":"Law and policy."}`, status: 200,
				want: map[string]any{"name": "Legal work group", "description": "Law and policy."}},
			{name: "se's viewer joins technical", as: "admin", method: "PUT", path: "/v1/work-groups/technical/people/{{se_user}}", status: 200,
				want: map[string]any{"member": "se"}},
			{name: "twice is once", as: "admin", method: "PUT", path: "/v1/work-groups/technical/people/{{se_user}}", status: 200},
			{name: "anna joins technical", as: "admin", method: "PUT", path: "/v1/work-groups/technical/people/{{dk_user}}", status: 200},
			{name: "the secretariat is nobody's person", as: "admin", method: "PUT", path: "/v1/work-groups/technical/people/{{admin_id}}", status: 422,
				errors: []string{"user"}},
			{name: "unknown person", as: "admin", method: "PUT", path: "/v1/work-groups/technical/people/usr_nobody", status: 404},
			{name: "members may not add people", as: "chair", method: "PUT", path: "/v1/work-groups/technical/people/{{chair_user}}", status: 403},
			{name: "the secretariat sees all the people", as: "admin", method: "GET", path: "/v1/work-groups/technical/people", status: 200,
				check: countItems(2)},
			{name: "the chair sees all of its group's people", as: "chair", method: "GET", path: "/v1/work-groups/technical/people", status: 200,
				check: countItems(2)},
			{name: "se sees only its own member's", as: "se", method: "GET", path: "/v1/work-groups/technical/people", status: 200,
				want: map[string]any{"items.0.member": "se"}, check: countItems(1)},
			{name: "remove", as: "admin", method: "DELETE", path: "/v1/work-groups/technical/people/{{dk_user}}", status: 204},
			{name: "remove again", as: "admin", method: "DELETE", path: "/v1/work-groups/technical/people/{{dk_user}}", status: 404},
		})
	})
}

// TestChairConfinedToItsGroup: a chair runs the surveys of its group as the
// secretariat does, and can do nothing of the kind outside it, nor anything else
// the secretariat alone does.
func TestChairConfinedToItsGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withChair(h)
		h.run([]step{
			// Outside its group: a draft it may not read does not exist.
			{name: "another group's draft", as: "chair", method: "GET", path: "/v1/surveys/{{legal_survey}}", status: 404},
			{name: "edit it", as: "chair", method: "PATCH", path: "/v1/surveys/{{legal_survey}}", body: `{"title":"Mine"}`, status: 404},
			{name: "open it", as: "chair", method: "POST", path: "/v1/surveys/{{legal_survey}}/open", status: 404},
			{name: "delete it", as: "chair", method: "DELETE", path: "/v1/surveys/{{legal_survey}}", status: 404},
			{name: "create in a group it does not chair", as: "chair", method: "POST", path: "/v1/surveys",
				body: withSurvey(t, func(doc map[string]any) { doc["work_group"] = "legal" }), status: 403, want: map[string]any{"reason": "not_chair"}},
			{name: "create in no group", as: "chair", method: "POST", path: "/v1/surveys", body: dnssecSurvey, status: 403,
				want: map[string]any{"reason": "not_chair"}},
			{name: "an unknown group", as: "admin", method: "POST", path: "/v1/surveys",
				body: withSurvey(t, func(doc map[string]any) { doc["work_group"] = "nope" }), status: 422, errors: []string{"work_group"}},
			{name: "a member's user who chairs nothing", as: "dk", method: "POST", path: "/v1/surveys",
				body: withSurvey(t, func(doc map[string]any) { doc["work_group"] = "technical" }), status: 403, want: map[string]any{"reason": "secretariat_only"}},
			{name: "the chair's list has its draft, not the other", as: "chair", method: "GET", path: "/v1/surveys", status: 200,
				want: map[string]any{"items.0.id": "{{tech_survey}}", "items.0.work_group": "technical"}, check: countItems(1)},
			{name: "dk's list has no draft", as: "dk", method: "GET", path: "/v1/surveys", status: 200, check: countItems(0)},
			{name: "the secretariat's list of one group", as: "admin", method: "GET", path: "/v1/surveys?work_group=legal", status: 200,
				want: map[string]any{"items.0.id": "{{legal_survey}}", "items.0.work_group": "legal"}, check: countItems(1)},
			{name: "and of a group that has none", as: "admin", method: "GET", path: "/v1/surveys?work_group=security", status: 200, check: countItems(0)},

			// Inside: author, open.
			{name: "edit its own", as: "chair", method: "PATCH", path: "/v1/surveys/{{tech_survey}}", body: `{"title":"DNSSEC 2026"}`, status: 200,
				want: map[string]any{"title": "DNSSEC 2026"}},
			{name: "move it to another group", as: "chair", method: "PUT", path: "/v1/surveys/{{tech_survey}}",
				body: withSurvey(t, func(doc map[string]any) { doc["work_group"] = "legal"; doc["deadline"] = "2026-12-01T12:00:00Z" }), status: 403},
			{name: "nor out of every group", as: "chair", method: "PUT", path: "/v1/surveys/{{tech_survey}}", body: dnssecSurvey, status: 403},
			{name: "replace within the group", as: "chair", method: "PUT", path: "/v1/surveys/{{tech_survey}}",
				body: withSurvey(t, func(doc map[string]any) { doc["work_group"] = "technical"; doc["deadline"] = "2026-12-01T12:00:00Z" }), status: 200},
			{name: "open its own", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/open", status: 200,
				want: map[string]any{"status": "open", "transitions.0.by": "{{chair_user}}"}},
			{name: "the group is frozen once open", as: "admin", method: "PUT", path: "/v1/surveys/{{tech_survey}}",
				body: withSurvey(t, func(doc map[string]any) { doc["work_group"] = "legal"; doc["deadline"] = "2026-12-01T12:00:00Z" }), status: 409,
				errors: []string{"work_group"}},
			{name: "the secretariat opens the legal survey", as: "admin", method: "POST", path: "/v1/surveys/{{legal_survey}}/open", status: 200},

			// The legal survey is addressed to dk, so the chair reads it, and may not run it.
			{name: "reads the other group's open survey", as: "chair", method: "GET", path: "/v1/surveys/{{legal_survey}}", status: 200},
			{name: "close it", as: "chair", method: "POST", path: "/v1/surveys/{{legal_survey}}/close", status: 403,
				want: map[string]any{"reason": "not_chair"}},
			{name: "its progress", as: "chair", method: "GET", path: "/v1/surveys/{{legal_survey}}/progress", status: 403},
			{name: "its extensions", as: "chair", method: "GET", path: "/v1/surveys/{{legal_survey}}/extensions", status: 403},
			{name: "extend on it", as: "chair", method: "PUT", path: "/v1/surveys/{{legal_survey}}/extensions/se",
				body: `{"deadline":"2026-12-20T12:00:00Z"}`, status: 403},
			{name: "its live results", as: "chair", method: "GET", path: "/v1/surveys/{{legal_survey}}/results", status: 403,
				want: map[string]any{"reason": "not_published"}},
			{name: "clone it", as: "chair", method: "POST", path: "/v1/surveys/{{legal_survey}}/clone", body: `{"edition":"2027"}`, status: 403},

			// Its own: progress, extensions, live results, close, publish.
			{name: "dk answers", as: "dk", method: "PATCH", path: "/v1/surveys/{{tech_survey}}/responses/dk",
				body: `{"answers":{"zone_signed":false}}`, status: 200},
			{name: "dk submits", as: "dk", method: "POST", path: "/v1/surveys/{{tech_survey}}/responses/dk/submit", status: 200},
			{name: "progress of its own", as: "chair", method: "GET", path: "/v1/surveys/{{tech_survey}}/progress", status: 200,
				want: map[string]any{"totals.submitted": 1, "members.0.member": "dk", "members.0.told": "[]"}},
			{name: "extend se", as: "chair", method: "PUT", path: "/v1/surveys/{{tech_survey}}/extensions/se",
				body: `{"deadline":"2026-12-20T12:00:00Z"}`, status: 200},
			{name: "its extensions", as: "chair", method: "GET", path: "/v1/surveys/{{tech_survey}}/extensions", status: 200,
				want: map[string]any{"items.0.member": "se"}},
			{name: "live results of its own", as: "chair", method: "GET", path: "/v1/surveys/{{tech_survey}}/results", status: 200,
				want: map[string]any{"respondents": 1, "questions.0.n": 1}},
			{name: "dk, no chair, sees no live results", as: "dk", method: "GET", path: "/v1/surveys/{{tech_survey}}/results", status: 403},
			{name: "close its own", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/close", status: 200},
			{name: "publish its own", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/publish", status: 200,
				want: map[string]any{"status": "published"}},
			{name: "clone its own: the clone stays in the group", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/clone",
				body: `{"edition":"2027"}`, status: 201, want: map[string]any{"work_group": "technical", "status": "draft"}},

			// Nothing else of the secretariat's.
			{name: "import answers", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/imports", body: "member\n", status: 403},
			{name: "create a member", as: "chair", method: "POST", path: "/v1/members",
				body: `{"code":"no","name":"Norid","country":"NO","membership":"full"}`, status: 403},
			{name: "change a member", as: "chair", method: "PATCH", path: "/v1/members/se", body: `{"active":false}`, status: 403},
			{name: "create a user", as: "chair", method: "POST", path: "/v1/users",
				body: `{"email":"x@punktum.dk","role":"respondent","member":"dk"}`, status: 403},
			{name: "change a user", as: "chair", method: "PATCH", path: "/v1/users/{{dk_user}}", body: `{"role":"viewer"}`, status: 403},
			{name: "a peer group", as: "chair", method: "POST", path: "/v1/peer-groups", body: `{"key":"mine","name":"Mine","members":[]}`, status: 403},
			{name: "another member's tokens", as: "chair", method: "GET", path: "/v1/users/{{se_user}}/tokens", status: 404},
			{name: "revoke another's token", as: "chair", method: "DELETE", path: "/v1/tokens/{{dk_token}}", status: 404},
			{name: "create a survey series", as: "chair", method: "POST", path: "/v1/series", body: `{"key":"x","recurrence":"none"}`, status: 403},
			{name: "webhooks", as: "chair", method: "GET", path: "/v1/webhooks", status: 403},
			{name: "jobs", as: "chair", method: "GET", path: "/v1/jobs", status: 403},
			{name: "the legal survey was left alone", as: "admin", method: "GET", path: "/v1/surveys/{{legal_survey}}", status: 200,
				want: map[string]any{"status": "open"}},
		})
	})
}

// TestSeriesOfAWorkGroup: a series names its group in its template, and every
// edition it makes belongs to the group, so that the chair runs it.
func TestSeriesOfAWorkGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withChair(h)
		series := strings.Replace(monthlyStats, `"template": {`, `"template": {"work_group": "technical", `, 1)
		h.run([]step{
			{name: "a series of the technical group", as: "admin", method: "POST", path: "/v1/series", body: series, status: 201,
				want: map[string]any{"template.work_group": "technical"}},
			{name: "an unknown group", as: "admin", method: "POST", path: "/v1/series",
				body:   strings.NewReplacer(`"monthly-stats"`, `"other"`, `"technical"`, `"nope"`).Replace(series),
				status: 422, errors: []string{"template.work_group"}},
			{name: "an edition", as: "admin", method: "POST", path: "/v1/series/monthly-stats/editions", body: `{"period":"2026-10"}`, status: 201,
				want: map[string]any{"work_group": "technical"}, save: map[string]string{"edition": "id"}},
			{name: "the chair reads its progress", as: "chair", method: "GET", path: "/v1/surveys/{{edition}}/progress", status: 200},
			{name: "and closes it", as: "chair", method: "POST", path: "/v1/surveys/{{edition}}/close", status: 200},
		})
	})
}

// countItems checks the length of a list's items.
func countItems(n int) func(t *testing.T, h *harness, r response) {
	return func(t *testing.T, h *harness, r response) {
		t.Helper()
		if got := len(r.json(t)["items"].([]any)); got != n {
			t.Fatalf("%d items, want %d\n%s", got, n, r.body)
		}
	}
}

// TestAuditTrail: every change is written with who, the request and what changed,
// without secrets; the secretariat filters and pages it; a member's user reads
// only its own member's entries.
func TestAuditTrail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withChair(h)
		var requestID string
		h.run([]step{
			{name: "open as chair", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/open", status: 200,
				check: func(t *testing.T, h *harness, r response) { requestID = r.header.Get("X-Request-Id") }},
			{name: "a refused change is not in the trail", as: "chair", method: "POST", path: "/v1/surveys/{{tech_survey}}/open", status: 409},
			{name: "nor a refused edit", as: "chair", method: "PATCH", path: "/v1/surveys/{{tech_survey}}", body: `{"deadline":"2020-01-01T00:00:00Z"}`, status: 422},
			{name: "a webhook with a secret", as: "admin", method: "POST", path: "/v1/webhooks",
				body: `{"url":"https://hooks.example.org/in","events":["survey.opened"],"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, status: 201},
			{name: "dk makes a token", as: "dk", method: "POST", path: "/v1/users/{{dk_user}}/tokens", body: `{"name":"ci"}`, status: 201,
				save: map[string]string{"dk_ci": "id", "dk_ci_secret": "secret"}},
			{name: "and revokes it", as: "dk", method: "DELETE", path: "/v1/tokens/{{dk_ci}}", status: 204},
		})
		if requestID == "" {
			t.Fatal("no X-Request-Id on the response")
		}
		h.run([]step{
			{name: "the survey's history", as: "admin", method: "GET", path: "/v1/audit?object_type=survey&object_id={{tech_survey}}", status: 200,
				want: map[string]any{"items.0.kind": "survey.opened", "items.0.actor": "{{chair_user}}", "items.0.request_id": requestID,
					"items.0.before.status": "draft", "items.0.after.status": "open",
					"items.1.kind": "survey.created", "items.1.before": "<nil>", "items.1.actor": "{{chair_user}}"},
				check: countItems(2)},
			{name: "by kind", as: "admin", method: "GET", path: "/v1/audit?kind=work_group.created", status: 200, check: countItems(2)},
			{name: "by actor", as: "admin", method: "GET", path: "/v1/audit?actor={{chair_user}}", status: 200, check: countItems(2)},
			{name: "by time: nothing before the start", as: "admin", method: "GET", path: "/v1/audit?to=2026-11-02T08:00:00Z", status: 200, check: countItems(0)},
			{name: "bad time", as: "admin", method: "GET", path: "/v1/audit?from=yesterday", status: 400, errors: []string{"from"}},
			{name: "unknown parameter", as: "admin", method: "GET", path: "/v1/audit?who=me", status: 400},
			{name: "unknown object type", as: "admin", method: "GET", path: "/v1/audit?object_type=answer", status: 400, errors: []string{"object_type"}},
			{name: "bad member code", as: "admin", method: "GET", path: "/v1/audit?member=.DK", status: 400, errors: []string{"member"}},
			{name: "to before from", as: "admin", method: "GET", path: "/v1/audit?from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z", status: 400,
				errors: []string{"to"}},
			{name: "page 1", as: "admin", method: "GET", path: "/v1/audit?limit=2", status: 200, check: countItems(2),
				save: map[string]string{"next": "next_cursor"}},
			{name: "page 2", as: "admin", method: "GET", path: "/v1/audit?limit=2&cursor={{next}}", status: 200, check: countItems(2)},
			{name: "dk reads its member's entries only", as: "dk", method: "GET", path: "/v1/audit", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					items := r.json(t)["items"].([]any)
					kinds := map[string]bool{}
					for _, it := range items {
						e := it.(map[string]any)
						if e["member"] != "dk" {
							t.Fatalf("dk reads an entry of %v: %v", e["member"], e)
						}
						kinds[e["kind"].(string)] = true
					}
					for _, k := range []string{"member.created", "user.created", "token.created", "token.revoked"} {
						if !kinds[k] {
							t.Fatalf("dk's trail lacks %s: %v", k, kinds)
						}
					}
				}},
			{name: "dk may not read se's", as: "dk", method: "GET", path: "/v1/audit?member=se", status: 403},
			{name: "the secretariat filters by member", as: "admin", method: "GET", path: "/v1/audit?member=se&kind=member.created", status: 200,
				want: map[string]any{"items.0.object_id": "se"}, check: countItems(1)},
			{name: "no secret anywhere", as: "admin", method: "GET", path: "/v1/audit?limit=200", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					body := string(r.body)
					for _, secret := range []string{h.vars["dk_secret"], h.vars["chair_secret"], h.vars["dk_ci_secret"], "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Hash"} {
						if strings.Contains(body, secret) {
							t.Fatalf("the audit trail holds a secret %q", secret)
						}
					}
					var doc struct{ Items []map[string]any }
					if err := json.Unmarshal(r.body, &doc); err != nil || len(doc.Items) < 15 {
						t.Fatalf("%d entries (%v), want every change of the scenario", len(doc.Items), err)
					}
				}},
		})
	})
}
