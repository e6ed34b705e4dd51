package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// dk is a valid member to create.
var dk = map[string]any{"code": "dk", "name": "Punktum dk", "country": "DK", "membership": "full"}

// withMembers creates dk, se and a respondent user and token for each, as
// "dk" and "se".
func withMembers(h *harness) {
	h.t.Helper()
	h.run([]step{
		{name: "create dk", as: "admin", method: "POST", path: "/v1/members", body: dk, status: 201},
		{name: "create se", as: "admin", method: "POST", path: "/v1/members",
			body: `{"code":"se","name":"Internetstiftelsen","country":"SE","membership":"full"}`, status: 201},
		{name: "dk user", as: "admin", method: "POST", path: "/v1/users",
			body: `{"email":"Anna@Punktum.dk","name":"Anna","role":"respondent","member":"dk"}`, status: 201,
			want: map[string]any{"email": "anna@punktum.dk", "member": "dk"}, save: map[string]string{"dk_user": "id"}},
		{name: "se user", as: "admin", method: "POST", path: "/v1/users",
			body: `{"email":"sven@internetstiftelsen.se","role":"viewer","member":"se"}`, status: 201,
			save: map[string]string{"se_user": "id"}},
		{name: "dk token", as: "admin", method: "POST", path: "/v1/users/{{dk_user}}/tokens", body: `{"name":"laptop"}`, status: 201,
			save: map[string]string{"dk_secret": "secret", "dk_token": "id"}},
		{name: "se token", as: "admin", method: "POST", path: "/v1/users/{{se_user}}/tokens", body: `{"name":"ci"}`, status: 201,
			save: map[string]string{"se_secret": "secret", "se_token": "id"}},
	})
	h.tokens["dk"] = h.vars["dk_secret"]
	h.tokens["se"] = h.vars["se_secret"]
}

func TestMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "read", as: "dk", method: "GET", path: "/v1/members/dk", status: 200,
				want: map[string]any{"code": "dk", "country": "DK", "active": true}},
			{name: "EU is a country", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"eu","name":"EURid","country":"EU","membership":"full"}`, status: 201},
			{name: "duplicate code", as: "admin", method: "POST", path: "/v1/members", body: dk, status: 409, errors: []string{"code"}},
			{name: "invalid country", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"xx","name":"X","country":"XX","membership":"full"}`, status: 422, errors: []string{"country"}},
			{name: "lowercase country", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"xx","name":"X","country":"dk","membership":"full"}`, status: 422, errors: []string{"country"}},
			{name: "bad code and membership, all reported", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":".DK","name":"X","country":"DK","membership":"gold"}`, status: 422, errors: []string{"code", "membership"}},
			{name: "missing fields", as: "admin", method: "POST", path: "/v1/members", body: `{}`, status: 422,
				errors: []string{"code", "name", "country", "membership"}},
			{name: "members may not create", as: "dk", method: "POST", path: "/v1/members",
				body: `{"code":"no","name":"Norid","country":"NO","membership":"full"}`, status: 403},
			{name: "members may not update", as: "dk", method: "PATCH", path: "/v1/members/se", body: `{"active":false}`, status: 403},
			{name: "suspend", as: "admin", method: "PATCH", path: "/v1/members/se", body: `{"active":false}`, status: 200,
				want: map[string]any{"active": false, "name": "Internetstiftelsen"}},
			{name: "update with bad country", as: "admin", method: "PATCH", path: "/v1/members/se", body: `{"country":"Sweden"}`, status: 422,
				errors: []string{"country"}},
			{name: "update unknown", as: "admin", method: "PATCH", path: "/v1/members/zz", body: `{"active":false}`, status: 404},
			{name: "unknown member", as: "dk", method: "GET", path: "/v1/members/zz", status: 404},
			{name: "nothing written by the failures", as: "dk", method: "GET", path: "/v1/members", status: 200,
				want: map[string]any{"items.0.code": "dk", "items.1.code": "eu", "items.2.code": "se", "items.2.country": "SE"},
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["items"].([]any)); n != 3 {
						t.Fatalf("%d members, want 3", n)
					}
				}},
		})
	})
}

func TestPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		for _, code := range []string{"at", "be", "bg", "ch", "cz"} {
			h.run([]step{{name: "create " + code, as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"` + code + `","name":"` + code + `","country":"` + strings.ToUpper(code) + `","membership":"full"}`, status: 201}})
		}
		h.run([]step{
			{name: "page 1", as: "admin", method: "GET", path: "/v1/members?limit=2", status: 200,
				want: map[string]any{"items.0.code": "at", "items.1.code": "be"}, save: map[string]string{"c1": "next_cursor"}},
			{name: "page 2", as: "admin", method: "GET", path: "/v1/members?limit=2&cursor={{c1}}", status: 200,
				want: map[string]any{"items.0.code": "bg", "items.1.code": "ch"}, save: map[string]string{"c2": "next_cursor"}},
			{name: "last page", as: "admin", method: "GET", path: "/v1/members?limit=2&cursor={{c2}}", status: 200,
				want: map[string]any{"items.0.code": "cz"},
				check: func(t *testing.T, h *harness, r response) {
					if _, ok := r.json(t)["next_cursor"]; ok {
						t.Fatal("the last page has a next_cursor")
					}
				}},
			{name: "limit out of range", as: "admin", method: "GET", path: "/v1/members?limit=0", status: 400, errors: []string{"limit"}},
			{name: "garbled cursor", as: "admin", method: "GET", path: "/v1/members?cursor=***", status: 400, errors: []string{"cursor"}},
		})
	})
}

func TestPeerGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "create", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: `{"key":"nordics","name":"Nordic registries","members":["se","dk"]}`, status: 201,
				want: map[string]any{"members.0": "dk", "members.1": "se"}},
			{name: "duplicate key", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: `{"key":"nordics","name":"Again","members":[]}`, status: 409},
			{name: "unknown and repeated members, each named", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: `{"key":"baltics","name":"Baltic registries","members":["ee","dk","lv","dk"]}`, status: 422,
				errors: []string{"members[0]", "members[2]", "members[3]"}},
			{name: "the failed group was not made", as: "admin", method: "GET", path: "/v1/peer-groups/baltics", status: 404},
			{name: "replace with an unknown member", as: "admin", method: "PUT", path: "/v1/peer-groups/nordics",
				body: `{"name":"Nordic registries","members":["dk","no"]}`, status: 422, errors: []string{"members[1]"}},
			{name: "the group is as it was", as: "dk", method: "GET", path: "/v1/peer-groups/nordics", status: 200,
				want: map[string]any{"members.0": "dk", "members.1": "se", "name": "Nordic registries"}},
			{name: "replace", as: "admin", method: "PUT", path: "/v1/peer-groups/nordics",
				body: `{"name":"Nordics","description":"Nordic ccTLDs","members":["dk"]}`, status: 200,
				want: map[string]any{"name": "Nordics", "members.0": "dk"}},
			{name: "replace unknown", as: "admin", method: "PUT", path: "/v1/peer-groups/none",
				body: `{"name":"x","members":[]}`, status: 404},
			{name: "bad key", as: "admin", method: "POST", path: "/v1/peer-groups",
				body: `{"key":"Big Ones","name":"x","members":[]}`, status: 422, errors: []string{"key"}},
			{name: "members may list", as: "se", method: "GET", path: "/v1/peer-groups", status: 200,
				want: map[string]any{"items.0.key": "nordics"}},
			{name: "members may not create", as: "se", method: "POST", path: "/v1/peer-groups",
				body: `{"key":"mine","name":"x","members":[]}`, status: 403},
			{name: "members may not delete", as: "se", method: "DELETE", path: "/v1/peer-groups/nordics", status: 403},
			{name: "delete", as: "admin", method: "DELETE", path: "/v1/peer-groups/nordics", status: 204},
			{name: "deleted", as: "admin", method: "GET", path: "/v1/peer-groups/nordics", status: 404},
			{name: "delete again", as: "admin", method: "DELETE", path: "/v1/peer-groups/nordics", status: 404},
		})
	})
}

func TestUsersAndTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		withMembers(h)
		h.run([]step{
			{name: "me as a member user", as: "dk", method: "GET", path: "/v1/me", status: 200,
				want: map[string]any{"user.email": "anna@punktum.dk", "user.role": "respondent", "member.code": "dk", "token.name": "laptop"}},
			{name: "me as the secretariat", as: "admin", method: "GET", path: "/v1/me", status: 200,
				want: map[string]any{"user.role": "secretariat", "member": nil}},
			{name: "duplicate e-mail, in another case", as: "admin", method: "POST", path: "/v1/users",
				body: `{"email":"ANNA@punktum.dk","role":"viewer","member":"dk"}`, status: 409, errors: []string{"email"}},
			{name: "bad e-mail", as: "admin", method: "POST", path: "/v1/users",
				body: `{"email":"Anna <anna@punktum.dk>","role":"viewer","member":"dk"}`, status: 422, errors: []string{"email"}},
			{name: "respondent without member", as: "admin", method: "POST", path: "/v1/users",
				body: `{"email":"x@example.org","role":"respondent"}`, status: 422, errors: []string{"member"}},
			{name: "secretariat with member", as: "admin", method: "POST", path: "/v1/users",
				body: `{"email":"x@example.org","role":"secretariat","member":"dk"}`, status: 422, errors: []string{"member"}},
			{name: "user of an unknown member", as: "admin", method: "POST", path: "/v1/users",
				body: `{"email":"x@example.org","role":"viewer","member":"zz"}`, status: 422, errors: []string{"member"}},
			{name: "unknown role", as: "admin", method: "POST", path: "/v1/users",
				body: `{"email":"x@example.org","role":"owner","member":"dk"}`, status: 422, errors: []string{"role"}},
			{name: "members may not create users", as: "dk", method: "POST", path: "/v1/users",
				body: `{"email":"y@punktum.dk","role":"viewer","member":"dk"}`, status: 403},
			{name: "a member lists only its own users", as: "dk", method: "GET", path: "/v1/users", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					items := r.json(t)["items"].([]any)
					if len(items) != 1 || items[0].(map[string]any)["member"] != "dk" {
						t.Fatalf("dk sees users %v", items)
					}
				}},
			{name: "a member asking for another member's users still sees only its own", as: "dk", method: "GET", path: "/v1/users?member=se", status: 200,
				want: map[string]any{"items.0.member": "dk"}},
			{name: "the secretariat filters by member", as: "admin", method: "GET", path: "/v1/users?member=se", status: 200,
				want: map[string]any{"items.0.email": "sven@internetstiftelsen.se"}},
			{name: "another member's user does not exist for dk", as: "dk", method: "GET", path: "/v1/users/{{se_user}}", status: 404},
			{name: "nor its tokens", as: "dk", method: "GET", path: "/v1/users/{{se_user}}/tokens", status: 404},
			{name: "nor one of its tokens", as: "dk", method: "GET", path: "/v1/tokens/{{se_token}}", status: 404},
			{name: "nor can dk revoke it", as: "dk", method: "DELETE", path: "/v1/tokens/{{se_token}}", status: 404},
			{name: "nor make one for it", as: "dk", method: "POST", path: "/v1/users/{{se_user}}/tokens", body: `{"name":"x"}`, status: 404},
			{name: "own tokens are listed without secrets", as: "dk", method: "GET", path: "/v1/users/{{dk_user}}/tokens", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if strings.Contains(string(r.body), h.vars["dk_secret"]) || strings.Contains(string(r.body), "secret") {
						t.Fatalf("a token list shows a secret: %s", r.body)
					}
				}},
			{name: "self-service token", as: "dk", method: "POST", path: "/v1/users/{{dk_user}}/tokens",
				body: `{"name":"short","expires_at":"2026-11-02T10:00:00Z"}`, status: 201,
				save: map[string]string{"short_secret": "secret"}},
			{name: "expiry in the past", as: "dk", method: "POST", path: "/v1/users/{{dk_user}}/tokens",
				body: `{"name":"old","expires_at":"2026-11-01T10:00:00Z"}`, status: 422, errors: []string{"expires_at"}},
			{name: "members may not update users", as: "dk", method: "PATCH", path: "/v1/users/{{dk_user}}", body: `{"role":"secretariat"}`, status: 403},
			{name: "unknown user", as: "admin", method: "GET", path: "/v1/users/usr_nobody", status: 404},
			{name: "unknown token", as: "admin", method: "GET", path: "/v1/tokens/tok_nobody", status: 404},
		})

		// Tokens that stop working.
		h.tokens["short"] = h.vars["short_secret"]
		h.run([]step{{name: "short token works", as: "short", method: "GET", path: "/v1/me", status: 200}})
		h.clock.Advance(2 * time.Hour)
		h.run([]step{
			{name: "expired token", as: "short", method: "GET", path: "/v1/me", status: 401,
				check: func(t *testing.T, h *harness, r response) {
					if r.header.Get("WWW-Authenticate") == "" {
						t.Fatal("a 401 without WWW-Authenticate")
					}
				}},
			{name: "the last use was recorded", as: "admin", method: "GET", path: "/v1/tokens/{{dk_token}}", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if r.json(t)["last_used_at"] == nil {
						t.Fatal("last_used_at is not set after use")
					}
				}},
			{name: "revoke se's token", as: "se", method: "DELETE", path: "/v1/tokens/{{se_token}}", status: 204},
			{name: "revoked token", as: "se", method: "GET", path: "/v1/me", status: 401},
			{name: "revocation is shown", as: "admin", method: "GET", path: "/v1/tokens/{{se_token}}", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if r.json(t)["revoked_at"] == nil {
						t.Fatal("revoked_at is not set")
					}
				}},
			{name: "deactivate dk's user", as: "admin", method: "PATCH", path: "/v1/users/{{dk_user}}", body: `{"active":false}`, status: 200},
			{name: "a deactivated user's token", as: "dk", method: "GET", path: "/v1/me", status: 401},
			{name: "no token", as: "", method: "GET", path: "/v1/members", status: 401},
			{name: "garbled token", as: "not-a-token", method: "GET", path: "/v1/members", status: 401},
			{name: "well-formed unknown token", as: "tsv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", method: "GET", path: "/v1/members", status: 401},
		})
	})
}

func TestMalformedRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		huge := `{"code":"dk","name":"` + strings.Repeat("x", 1<<20) + `","country":"DK","membership":"full"}`
		h.run([]step{
			{name: "not JSON", as: "admin", method: "POST", path: "/v1/members", body: `{"code": dk}`, status: 400},
			{name: "truncated JSON", as: "admin", method: "POST", path: "/v1/members", body: `{"code": "dk"`, status: 400},
			{name: "empty body", as: "admin", method: "POST", path: "/v1/members", body: ``, status: 400},
			{name: "two values", as: "admin", method: "POST", path: "/v1/members", body: `{} {}`, status: 400},
			{name: "an array", as: "admin", method: "POST", path: "/v1/members", body: `[]`, status: 400},
			{name: "wrong type, named", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"dk","name":"Punktum dk","country":"DK","membership":"full","active":"yes"}`, status: 400, errors: []string{"active"}},
			{name: "unknown field, named", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"dk","name":"Punktum dk","country":"DK","membership":"full","colour":"red"}`, status: 400, errors: []string{"colour"}},
			{name: "body over 1 MiB", as: "admin", method: "POST", path: "/v1/members", body: huge, status: 413},
			{name: "a NUL character, named", as: "admin", method: "POST", path: "/v1/members",
				body: `{"code":"dk","name":"Punktum\u0000dk","country":"DK","membership":"full"}`, status: 400, errors: []string{"name"}},
			{name: "a cursor hiding a NUL", as: "admin", method: "GET", path: "/v1/members?cursor=YQA", status: 400, errors: []string{"cursor"}},
			{name: "a query parameter of invalid UTF-8", as: "admin", method: "GET", path: "/v1/surveys?topic=%ff", status: 400, errors: []string{"topic"}},
			{name: "a path with a NUL", as: "admin", method: "GET", path: "/v1/surveys/abc%00def", status: 404},
			{name: "none of it was stored", as: "admin", method: "GET", path: "/v1/members", status: 200,
				check: func(t *testing.T, h *harness, r response) {
					if n := len(r.json(t)["items"].([]any)); n != 0 {
						t.Fatalf("%d members after only failed creates", n)
					}
				}},
			{name: "unknown route", as: "admin", method: "GET", path: "/v1/nothing", status: 404},
		})
	})
}

func TestSystemRoutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		h := newHarness(t, db)
		h.run([]step{
			{name: "healthz", method: "GET", path: "/healthz", status: 200, want: map[string]any{"status": "ok"}},
			{name: "readyz", method: "GET", path: "/readyz", status: 200, want: map[string]any{"database": db.Name}},
			{name: "spec", method: "GET", path: "/openapi.yaml", status: 200, check: func(t *testing.T, h *harness, r response) {
				if !strings.HasPrefix(string(r.body), "openapi: 3.") {
					t.Fatalf("/openapi.yaml starts with %.40q", r.body)
				}
			}},
			{name: "docs", method: "GET", path: "/docs", status: 200, check: func(t *testing.T, h *harness, r response) {
				if !strings.Contains(string(r.body), `<redoc spec-url="/openapi.yaml"`) {
					t.Fatalf("/docs does not render the spec: %s", r.body)
				}
			}},
			{name: "docs script", method: "GET", path: "/docs/redoc.standalone.js", status: 200, check: func(t *testing.T, h *harness, r response) {
				if len(r.body) < 100_000 || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
					t.Fatalf("the docs script is %d bytes of %s", len(r.body), r.header.Get("Content-Type"))
				}
			}},
		})
		if err := h.store.Close(); err != nil {
			t.Fatal(err)
		}
		h.run([]step{{name: "readyz without a database", method: "GET", path: "/readyz", status: http.StatusServiceUnavailable}})
	})
}
