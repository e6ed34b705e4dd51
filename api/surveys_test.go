package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// dnssecSurvey is a draft questionnaire as the secretariat writes it, with a
// condition: the year of signing is asked only of signed zones.
const dnssecSurvey = `{
  "title": "DNSSEC practices 2026",
  "description": "How registries sign their zones and encourage signing.",
  "topics": ["dnssec"],
  "series": "dnssec-annual",
  "edition": "2026",
  "sections": [
    {"key": "signing", "title": "Zone signing", "questions": [
      {"key": "zone_signed", "type": "boolean", "prompt": "Is the TLD zone signed?", "required": true},
      {"key": "signed_since", "type": "integer", "prompt": "Since which year?", "required": true,
       "constraints": {"min": 1995, "max": 2026},
       "condition": {"question": "zone_signed", "operator": "equals", "value": true}},
      {"key": "algorithm", "type": "single_choice", "prompt": "Signing algorithm", "options": [
        {"key": "rsasha256", "label": "RSA/SHA-256 (8)"}, {"key": "ecdsap256sha256", "label": "ECDSA P-256 (13)"}]}
    ]},
    {"key": "registrars", "title": "Registrars", "questions": [
      {"key": "signed_share", "type": "percentage", "prompt": "Share of signed domains", "unit": "%"}
    ]}
  ]
}`

// withSurvey is dnssecSurvey with one field replaced, for bad-input cases.
func withSurvey(t *testing.T, edit func(doc map[string]any)) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(dnssecSurvey), &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func question(doc map[string]any, section, q int) map[string]any {
	return doc["sections"].([]any)[section].(map[string]any)["questions"].([]any)[q].(map[string]any)
}

func TestSurveyLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "create", as: "admin", method: "POST", path: "/v1/surveys", body: dnssecSurvey, status: 201,
				want: map[string]any{"status": "draft", "series": "dnssec-annual", "results_policy.min_respondents": 5,
					"results_policy.visibility": "anonymous", "results_policy.respondents_only": true, "audience.peer_group": nil,
					"sections.0.questions.1.condition.operator": "equals"},
				save: map[string]string{"survey": "id"}},
			{name: "members may not author", as: "dk", method: "POST", path: "/v1/surveys", body: dnssecSurvey, status: 403},
			{name: "members may not edit", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}", body: `{"title":"x"}`, status: 403},
			{name: "members may not open", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 403},
			{name: "a member cannot read a draft", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}", status: 404},
			{name: "nor list it", as: "dk", method: "GET", path: "/v1/surveys", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["items"].([]any)); n != 0 {
						t.Fatalf("a member lists %d surveys while all are drafts", n)
					}
				}},
			{name: "open without deadline", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 409, errors: []string{"deadline"}},
			{name: "a past deadline", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}", body: `{"deadline":"2026-10-01T00:00:00Z"}`, status: 200},
			{name: "open with a past deadline", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 409, errors: []string{"deadline"}},
			{name: "reorder sections while a draft", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}",
				body: withSurvey(t, func(doc map[string]any) {
					s := doc["sections"].([]any)
					doc["sections"] = []any{s[1], s[0]}
					doc["deadline"] = "2026-12-31T23:59:59Z"
				}), status: 200, want: map[string]any{"sections.0.key": "registrars", "sections.1.key": "signing"}},
			{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 200,
				want: map[string]any{"status": "open", "transitions.0.from": "draft", "transitions.0.to": "open", "transitions.0.by": "{{admin_id}}"},
				check: func(t *testing.T, h *harness, r response) {
					if got := r.json(t)["transitions"].([]any)[0].(map[string]any)["by"]; got != h.vars["admin_id"] {
						t.Fatalf("opened by %v, want %s", got, h.vars["admin_id"])
					}
				}},
			{name: "open twice", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 409},
			{name: "publish before closing", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/publish", status: 409},
			{name: "a member reads it now", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}", status: 200,
				want: map[string]any{"status": "open", "sections.1.questions.0.key": "zone_signed"}},
			{name: "and lists it", as: "se", method: "GET", path: "/v1/surveys?status=open&topic=dnssec", status: 200,
				want: map[string]any{"items.0.id": "{{survey}}", "items.0.question_count": 4}},
			{name: "fix a typo while open", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}",
				body: withSurvey(t, func(doc map[string]any) {
					s := doc["sections"].([]any)
					doc["sections"] = []any{s[1], s[0]}
					doc["deadline"] = "2026-12-31T23:59:59Z"
					question(doc, 1, 0)["prompt"] = "Is your TLD zone signed with DNSSEC?"
				}), status: 200, want: map[string]any{"sections.1.questions.0.prompt": "Is your TLD zone signed with DNSSEC?"}},
			{name: "change a type while open", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}",
				body: withSurvey(t, func(doc map[string]any) {
					s := doc["sections"].([]any)
					doc["sections"] = []any{s[1], s[0]}
					doc["deadline"] = "2026-12-31T23:59:59Z"
					question(doc, 0, 0)["type"] = "number"
				}), status: 409, errors: []string{"sections[0].questions[0].type"}},
			{name: "add an option while open", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}",
				body: withSurvey(t, func(doc map[string]any) {
					s := doc["sections"].([]any)
					doc["sections"] = []any{s[1], s[0]}
					doc["deadline"] = "2026-12-31T23:59:59Z"
					q := question(doc, 1, 2)
					q["options"] = append(q["options"].([]any), map[string]any{"key": "ed25519", "label": "Ed25519 (15)"})
				}), status: 409, errors: []string{"sections[1].questions[2].options"}},
			{name: "reorder while open", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}",
				body: withSurvey(t, func(doc map[string]any) { doc["deadline"] = "2026-12-31T23:59:59Z" }), status: 409,
				errors: []string{"sections[0].key"}},
			{name: "the frozen edits changed nothing", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}", status: 200,
				want: map[string]any{"sections.0.questions.0.type": "percentage", "sections.1.key": "signing"},
				check: func(t *testing.T, h *harness, r response) {
					if n := len(question(r.json(t), 1, 2)["options"].([]any)); n != 2 {
						t.Fatalf("%d options after a refused edit", n)
					}
				}},
			{name: "extend the deadline while open", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}",
				body: `{"deadline":"2027-01-15T12:00:00Z","results_policy":{"min_respondents":7}}`, status: 200,
				want: map[string]any{"deadline": "2027-01-15T12:00:00Z", "results_policy.min_respondents": 7}},
			{name: "a looser policy while open", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}",
				body: `{"results_policy":{"min_respondents":3,"visibility":"named"}}`, status: 409,
				errors: []string{"results_policy.min_respondents", "results_policy.visibility"}},
			{name: "a past deadline while open", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}",
				body: `{"deadline":"2026-01-01T00:00:00Z"}`, status: 422, errors: []string{"deadline"}},
			{name: "delete an open survey", as: "admin", method: "DELETE", path: "/v1/surveys/{{survey}}", status: 409},
			{name: "close", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/close", status: 200, want: map[string]any{"status": "closed"}},
			{name: "publish", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/publish", status: 200,
				want: map[string]any{"status": "published", "transitions.2.from": "closed", "transitions.2.to": "published"}},
			{name: "clone the next edition", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/clone",
				body: `{"edition":"2027","title":"DNSSEC practices 2027"}`, status: 201,
				want: map[string]any{"status": "draft", "series": "dnssec-annual", "edition": "2027", "deadline": nil,
					"sections.1.questions.1.key": "signed_since", "sections.1.questions.1.condition.question": "zone_signed"},
				save: map[string]string{"next": "id"}},
			{name: "clone needs an edition", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/clone", body: `{}`, status: 422, errors: []string{"edition"}},
			{name: "list the series", as: "admin", method: "GET", path: "/v1/surveys?series=dnssec-annual", status: 200,
				want: map[string]any{"items.0.id": "{{next}}", "items.1.id": "{{survey}}"}},
			{name: "list by status", as: "admin", method: "GET", path: "/v1/surveys?status=draft", status: 200,
				want: map[string]any{"items.0.id": "{{next}}"}},
			{name: "a bad status filter", as: "admin", method: "GET", path: "/v1/surveys?status=done", status: 400, errors: []string{"status"}},
			{name: "members do not see the new draft", as: "dk", method: "GET", path: "/v1/surveys/{{next}}", status: 404},
			{name: "delete the draft", as: "admin", method: "DELETE", path: "/v1/surveys/{{next}}", status: 204},
			{name: "deleted", as: "admin", method: "GET", path: "/v1/surveys/{{next}}", status: 404},
			{name: "unknown survey", as: "admin", method: "POST", path: "/v1/surveys/srv_nothing/open", status: 404},
		})
	})
}

func TestSurveyBadDefinitions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		h.run([]step{{name: "create", as: "admin", method: "POST", path: "/v1/surveys", body: dnssecSurvey, status: 201,
			save: map[string]string{"survey": "id"}}})
		cases := []struct {
			name   string
			edit   func(doc map[string]any)
			status int
			fields []string
		}{
			{"duplicate key", func(doc map[string]any) { question(doc, 1, 0)["key"] = "zone_signed" }, 422,
				[]string{"sections[1].questions[0].key"}},
			{"malformed key", func(doc map[string]any) { question(doc, 0, 2)["key"] = "Signing Algorithm" }, 422,
				[]string{"sections[0].questions[2].key"}},
			{"condition pointing forward", func(doc map[string]any) {
				question(doc, 0, 1)["condition"] = map[string]any{"question": "signed_share", "operator": "at_least", "value": 50}
			}, 422, []string{"sections[0].questions[1].condition.question"}},
			{"condition on a missing key", func(doc map[string]any) {
				question(doc, 0, 1)["condition"] = map[string]any{"question": "nope", "operator": "answered"}
			}, 422, []string{"sections[0].questions[1].condition.question"}},
			{"options on a non-choice", func(doc map[string]any) {
				question(doc, 0, 0)["options"] = []any{map[string]any{"key": "yes", "label": "Yes"}, map[string]any{"key": "no", "label": "No"}}
			}, 422, []string{"sections[0].questions[0].options"}},
			{"min above max", func(doc map[string]any) {
				question(doc, 0, 1)["constraints"] = map[string]any{"min": 2026, "max": 1995}
			}, 422, []string{"sections[0].questions[1].constraints.min"}},
			{"unknown type", func(doc map[string]any) { question(doc, 1, 0)["type"] = "slider" }, 422,
				[]string{"sections[1].questions[0].type"}},
			{"all at once", func(doc map[string]any) {
				doc["title"] = ""
				question(doc, 1, 0)["type"] = "slider"
				question(doc, 0, 2)["key"] = "zone_signed"
			}, 422, []string{"title", "sections[1].questions[0].type", "sections[0].questions[2].key"}},
			{"unknown audience", func(doc map[string]any) { doc["audience"] = map[string]any{"peer_group": "atlantis"} }, 422,
				[]string{"audience.peer_group"}},
			{"unknown field in a question", func(doc map[string]any) { question(doc, 0, 0)["mandatory"] = true }, 400,
				[]string{"mandatory"}},
			{"wrong type of a field", func(doc map[string]any) { question(doc, 0, 0)["required"] = "yes" }, 400,
				[]string{"sections.questions.required"}},
		}
		for _, tc := range cases {
			body := withSurvey(t, tc.edit)
			h.run([]step{
				{name: tc.name + " (create)", as: "admin", method: "POST", path: "/v1/surveys", body: body, status: tc.status, errors: tc.fields},
				{name: tc.name + " (replace)", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}", body: body, status: tc.status, errors: tc.fields},
			})
		}
		h.run([]step{
			{name: "the stored survey is as it was", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}", status: 200,
				want: map[string]any{"title": "DNSSEC practices 2026", "sections.0.questions.0.key": "zone_signed",
					"sections.1.questions.0.type": "percentage"}},
			{name: "and it is the only one", as: "admin", method: "GET", path: "/v1/surveys", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["items"].([]any)); n != 1 {
						t.Fatalf("%d surveys after refused creates", n)
					}
				}},
		})
	})
}

func TestSurveyAudience(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "group", as: "admin", method: "POST", path: "/v1/peer-groups", body: `{"key":"danes","name":"Danes","members":["dk"]}`, status: 201},
			{name: "survey for the group", as: "admin", method: "POST", path: "/v1/surveys",
				body: withSurvey(t, func(doc map[string]any) {
					doc["audience"] = map[string]any{"peer_group": "danes"}
					doc["deadline"] = "2026-12-01T00:00:00Z"
				}), status: 201, want: map[string]any{"audience.peer_group": "danes"}, save: map[string]string{"survey": "id"}},
			{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 200},
			{name: "dk is addressed", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}", status: 200},
			{name: "se is not", as: "se", method: "GET", path: "/v1/surveys/{{survey}}", status: 404},
			{name: "nor does se list it", as: "se", method: "GET", path: "/v1/surveys", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if strings.Contains(string(r.body), h.vars["survey"]) {
						t.Fatal("se lists a survey addressed to another group")
					}
				}},
			{name: "the group cannot be deleted while it is an audience", as: "admin", method: "DELETE", path: "/v1/peer-groups/danes", status: 409},
			{name: "the audience is frozen while open", as: "admin", method: "PUT", path: "/v1/surveys/{{survey}}",
				body: withSurvey(t, func(doc map[string]any) { doc["deadline"] = "2026-12-01T00:00:00Z" }), status: 409, errors: []string{"audience"}},
			{name: "a suspended member is in no audience", as: "admin", method: "PATCH", path: "/v1/members/dk", body: `{"active":false}`, status: 200},
			{name: "so dk no longer sees it", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}", status: 404},
		})
	})
}
