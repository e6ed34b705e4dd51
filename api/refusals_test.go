package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// refused expects a problem of the given kind (code) and specific reason.
func refused(code, reason string) map[string]any {
	return map[string]any{"code": code, "reason": reason}
}

// TestRefusalReasons walks the main refusals of the API and checks that each
// names its specific reason next to its kind (decision 0013).
func TestRefusalReasons(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withOpenSurvey(h)
		h.run([]step{
			{name: "a bad token", as: "tsv_nonsense", method: "GET", path: "/v1/me", status: 401,
				want: refused("unauthorized", "token_invalid")},
			{name: "secretariat only", as: "dk", method: "POST", path: "/v1/members",
				body: `{"code":"no","name":"Norid","country":"NO","membership":"full"}`, status: 403, want: refused("forbidden", "secretariat_only")},
			{name: "a taken code", as: "admin", method: "POST", path: "/v1/members", body: dk, status: 409, want: refused("conflict", "taken")},
			{name: "an unknown survey", as: "dk", method: "GET", path: "/v1/surveys/srv_nothing", status: 404,
				want: refused("not_found", "no_such_survey")},
			{name: "another member's response", as: "se", method: "GET", path: "/v1/surveys/{{survey}}/responses/dk", status: 403,
				want: refused("forbidden", "not_own_member")},
			{name: "a viewer writes", as: "se", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/se",
				body: `{"answers":{"zone_signed":true}}`, status: 403, want: refused("forbidden", "read_only_role")},
			{name: "bad values", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":"yes"}}`, status: 422, want: refused("invalid", "invalid_values")},
			{name: "required answers missing", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/submit", status: 422,
				want: refused("invalid", "required_missing")},
			{name: "withdraw a draft", as: "dk", method: "POST", path: "/v1/surveys/{{survey}}/responses/dk/withdraw", status: 409,
				want: refused("conflict", "not_submitted")},
			{name: "results before publication", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/results", status: 403,
				want: refused("forbidden", "not_published")},
			{name: "publish an open survey", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/publish", status: 409,
				want: refused("conflict", "status_order")},
			{name: "delete an open survey", as: "admin", method: "DELETE", path: "/v1/surveys/{{survey}}", status: 409,
				want: refused("conflict", "not_draft")},
			{name: "an unknown route", as: "dk", method: "GET", path: "/v1/nowhere", status: 404,
				want: refused("not_found", "not_found")},
			{name: "se answers", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/se",
				body: `{"answers":{"zone_signed":false}}`, status: 200},
		})
		stale := h.doWith("admin", http.MethodPatch, "/v1/surveys/{{survey}}/responses/se", `{"answers":{"zone_signed":true}}`,
			http.Header{"If-Match": {`"0"`}})
		expectProblem(t, stale, http.StatusPreconditionFailed, "precondition_failed", "stale_version")
		frozen := h.doWith("admin", http.MethodPut, "/v1/surveys/{{survey}}",
			withSurvey(t, func(doc map[string]any) {
				doc["deadline"] = "2026-12-31T23:59:59Z"
				question(doc, 0, 0)["key"] = "renamed"
			}), nil)
		expectProblem(t, frozen, http.StatusConflict, "conflict", "structure_frozen")

		h.clock.Advance(60 * 24 * time.Hour) // past the deadline of 2026-12-31
		h.run([]step{
			{name: "after the deadline", as: "dk", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":true}}`, status: 409, want: refused("conflict", "deadline_passed")},
			{name: "close", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/close", status: 200},
			{name: "once closed", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/dk",
				body: `{"answers":{"zone_signed":true}}`, status: 409, want: refused("conflict", "not_open")},
			{name: "publish", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/publish", status: 200},
			{name: "results for respondents only", as: "dk", method: "GET", path: "/v1/surveys/{{survey}}/results", status: 403,
				want: refused("forbidden", "not_respondent")},
		})
	})
}

// TestNotInAudience: a member outside a survey's audience is named as such.
func TestNotInAudience(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "group", as: "admin", method: "POST", path: "/v1/peer-groups", body: `{"key":"danes","name":"Danes","members":["dk"]}`, status: 201},
			{name: "survey for the group", as: "admin", method: "POST", path: "/v1/surveys",
				body: withSurvey(t, func(doc map[string]any) {
					doc["audience"] = map[string]any{"peer_group": "danes"}
					doc["deadline"] = "2026-12-01T00:00:00Z"
				}), status: 201, save: map[string]string{"survey": "id"}},
			{name: "open", as: "admin", method: "POST", path: "/v1/surveys/{{survey}}/open", status: 200},
			{name: "se's response", as: "admin", method: "GET", path: "/v1/surveys/{{survey}}/responses/se", status: 404,
				want: refused("not_found", "not_in_audience")},
			{name: "se's response, written", as: "admin", method: "PATCH", path: "/v1/surveys/{{survey}}/responses/se",
				body: `{"answers":{"zone_signed":true}}`, status: 404, want: refused("not_found", "not_in_audience")},
		})
	})
}

// TestEveryReasonIsDocumented: the reasons declared in internal/survey are
// exactly the ones openapi.yaml lists beside the codes, so none can be sent
// undocumented and none is documented that the server cannot send.
func TestEveryReasonIsDocumented(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "internal", "survey", "error.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if len(v.Values) != 1 {
				continue
			}
			if lit, ok := v.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				value, _ := strconv.Unquote(lit.Value)
				declared[value] = true // the codes, and the reasons
			}
		}
	}
	doc, err := spec()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, v := range doc.Components.Schemas["Problem"].Value.Properties["reason"].Value.Enum {
		documented[v.(string)] = true
	}
	// Echo's own refusals have no domain code; their reason is their code.
	for _, echoCode := range []string{"method_not_allowed", "request_entity_too_large", "unsupported_media_type", "not_acceptable", "too_many_requests", "service_unavailable", "insufficient_storage"} {
		declared[echoCode] = true
	}
	for r := range declared {
		if !documented[r] {
			t.Errorf("reason %q is declared in internal/survey but not in openapi.yaml", r)
		}
	}
	for r := range documented {
		if !declared[r] {
			t.Errorf("reason %q is in openapi.yaml but declared nowhere", r)
		}
	}
}
