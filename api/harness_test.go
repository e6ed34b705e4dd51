package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	surveyd "github.com/tldcouncil/surveyd"
	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// spec is openapi.yaml, loaded and validated once.
var spec = sync.OnceValues(func() (*openapi3.T, error) {
	// The non-JSON responses are compared as text; their schemas are plain strings.
	for _, ct := range []string{"text/html", "text/javascript", "application/yaml", "text/csv", "image/svg+xml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	for _, ct := range []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "image/png"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	doc, err := openapi3.NewLoader().LoadFromData(surveyd.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	return doc, nil
})

var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := spec()
	if err != nil {
		return nil, err
	}
	// Match paths only: the tests do not run on the server URL the spec names.
	doc.Servers = nil
	return gorillamux.NewRouter(doc)
})

// clock is a settable clock for the server and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is the real server on a fresh database, with a secretariat token.
type harness struct {
	t      *testing.T
	e      *echo.Echo
	store  *store.Store
	clock  *clock
	tokens map[string]string // by name: "admin" is the secretariat's
	vars   map[string]string // values captured from responses, for later paths and bodies
}

func newHarness(t *testing.T, db dbtest.Database) *harness {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	st := db.Open(t, store.Options{Now: clk.Now})
	h := &harness{t: t, store: st, clock: clk, tokens: map[string]string{}, vars: map[string]string{}}
	h.e = api.New(api.Config{Store: st, Now: clk.Now})
	admin, err := st.CreateUser(context.Background(), survey.User{Email: "admin@example.org", Name: "Admin", Role: survey.RoleSecretariat})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := st.CreateToken(context.Background(), admin.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	h.tokens["admin"] = secret
	h.vars["admin_id"] = admin.ID
	return h
}

// twin is another server on h's database, as another process would be: its
// own store, with its own connections and nothing kept in memory yet, and the
// same tokens and clock.
func (h *harness) twin(db dbtest.Database) *harness {
	b := *h
	b.store = db.Open(h.t, store.Options{Now: h.clock.Now})
	b.e = api.New(api.Config{Store: b.store, Now: h.clock.Now})
	return &b
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return v
}

var varRef = regexp.MustCompile(`\{\{(\w+)\}\}`)

// expand replaces {{name}} by the captured value of name.
func (h *harness) expand(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-2]
		v, ok := h.vars[name]
		if !ok {
			h.t.Fatalf("no captured value %q", name)
		}
		return v
	})
}

// do sends one request as the named token ("" for none, anything unknown is sent
// as given) and checks the response against openapi.yaml.
func (h *harness) do(as, method, path string, body any) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(h.expand(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, h.expand(path), rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		secret, ok := h.tokens[as]
		if !ok {
			secret = as
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	h.checkAgainstSpec(req, res)
	return res
}

// checkAgainstSpec fails the test when the response is not one the spec allows
// for the route, status included.
func (h *harness) checkAgainstSpec(req *http.Request, res response) {
	h.t.Helper()
	router, err := specRouter()
	if err != nil {
		h.t.Fatalf("openapi.yaml: %v", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if res.status == http.StatusNotFound || res.status == http.StatusMethodNotAllowed {
			return // a route the server does not have either
		}
		h.t.Fatalf("%s %s: not in openapi.yaml: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.status,
		Header:                 res.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		h.t.Fatalf("%s %s: response %d does not fit openapi.yaml: %v\n%s", req.Method, req.URL.Path, res.status, err, res.body)
	}
}
