package attack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	surveyd "github.com/tldcouncil/surveyd"
	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(surveyd.OpenAPI)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil
	return gorillamux.NewRouter(doc)
})

// council is the real server on one database, with a pool of members that
// every case draws its council from, each with a token.
type council struct {
	t      testing.TB
	e      http.Handler
	store  *store.Store
	admin  survey.User
	tokens map[string]string
	pool   []string
}

func newCouncil(t testing.TB, db dbtest.Database, members int) *council {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	st := db.Open(t, store.Options{Now: func() time.Time { return now }})
	c := &council{t: t, store: st, tokens: map[string]string{}, e: api.New(api.Config{Store: st, Now: func() time.Time { return now }})}
	admin, err := st.CreateUser(ctx, survey.User{Email: "admin@example.org", Name: "Admin", Role: survey.RoleSecretariat})
	if err != nil {
		t.Fatal(err)
	}
	c.admin = admin
	_, secret, err := st.CreateToken(ctx, admin.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.tokens["admin"] = secret
	for i := range members {
		code := fmt.Sprintf("m%02d", i)
		if _, err := st.CreateMember(ctx, survey.Member{Code: code, Name: code, Country: "DK", Membership: survey.MembershipFull, Active: true}); err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUser(ctx, survey.User{Email: code + "@example.org", Role: survey.RoleViewer, Member: code})
		if err != nil {
			t.Fatal(err)
		}
		if _, c.tokens[code], err = st.CreateToken(ctx, u.ID, "test", nil); err != nil {
			t.Fatal(err)
		}
		c.pool = append(c.pool, code)
	}
	return c
}

// do sends a request as the named token, checks the response against
// openapi.yaml and the status, and decodes the body into out (when not nil).
func (c *council) do(as, method, path string, body any, status int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[as])
	rec := httptest.NewRecorder()
	c.e.ServeHTTP(rec, req)
	if rec.Code != status {
		c.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, as, rec.Code, status, rec.Body.Bytes())
	}
	router, err := specRouter()
	if err != nil {
		c.t.Fatal(err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s: not in openapi.yaml: %v", method, path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code, Header: rec.Header(), Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Fatalf("%s %s: response does not fit openapi.yaml: %v\n%s", method, path, err, rec.Body.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			c.t.Fatal(err)
		}
	}
}
