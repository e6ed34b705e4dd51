package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// The fuzz targets of the API: arbitrary questionnaires and CSV uploads sent to
// the real server on SQLite. Whatever the body, the answer is a success or a
// 4xx problem, never a 5xx or a crash. `make fuzz` runs each for a while; `go
// test` runs their seeds and the cases found so far in testdata/fuzz.

// fuzzServer is the real server on a fresh SQLite database, with a
// secretariat token, two members and an open survey of every question type.
type fuzzServer struct {
	e        *echo.Echo
	token    string
	surveyID string
}

func newFuzzServer(f *testing.F) fuzzServer {
	f.Helper()
	ctx := context.Background()
	st := dbtest.SQLite(f).Open(f, store.Options{})
	admin, err := st.CreateUser(ctx, survey.User{Email: "admin@example.org", Name: "Admin", Role: survey.RoleSecretariat})
	if err != nil {
		f.Fatal(err)
	}
	_, secret, err := st.CreateToken(ctx, admin.ID, "fuzz", nil)
	if err != nil {
		f.Fatal(err)
	}
	for _, code := range []string{"dk", "se"} {
		if _, err := st.CreateMember(ctx, survey.Member{Code: code, Name: code, Country: "DK", Membership: survey.MembershipFull, Active: true}); err != nil {
			f.Fatal(err)
		}
	}
	srv := fuzzServer{e: api.New(api.Config{Store: st}), token: secret}
	var created struct{ ID string }
	if status := srv.do(f, "POST", "/v1/surveys", "application/json", []byte(everyTypeSurvey), &created); status != http.StatusCreated {
		f.Fatalf("create the fuzzed survey: %d", status)
	}
	if status := srv.do(f, "POST", "/v1/surveys/"+created.ID+"/open", "", nil, nil); status != http.StatusOK {
		f.Fatalf("open the fuzzed survey: %d", status)
	}
	srv.surveyID = created.ID
	return srv
}

// do sends one request and fails on a 5xx; it decodes a 2xx body into out.
func (s fuzzServer) do(t testing.TB, method, path, contentType string, body []byte, out any) int {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s answered %d: %s\nbody sent: %q", method, path, rec.Code, rec.Body.String(), body)
	}
	if rec.Code < 300 && out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s answered %d with a body that is not JSON: %v", method, path, rec.Code, err)
		}
	}
	return rec.Code
}

// everyTypeSurvey is a questionnaire with every question type, constraints and
// conditions, the seed of both targets.
const everyTypeSurvey = `{"title":"Every type","topics":["fuzz"],"edition":"2026","deadline":"2099-01-01T00:00:00Z","sections":[{"key":"all","title":"All","questions":[
{"key":"signed","type":"boolean","prompt":"Signed?","required":true},
{"key":"since","type":"integer","prompt":"Since?","constraints":{"min":1995,"max":2026},"condition":{"question":"signed","operator":"equals","value":true}},
{"key":"algorithm","type":"single_choice","prompt":"Algorithm","options":[{"key":"rsa","label":"RSA"},{"key":"ecdsa","label":"ECDSA"}]},
{"key":"share","type":"percentage","prompt":"Share"},
{"key":"domains","type":"number","prompt":"Domains","constraints":{"min":0}},
{"key":"incentives","type":"multiple_choice","prompt":"Incentives","options":[{"key":"discount","label":"Discount"},{"key":"label","label":"Label"}],"constraints":{"min_selections":1,"max_selections":2}},
{"key":"satisfaction","type":"scale","prompt":"Satisfied?","constraints":{"scale_size":5},"condition":{"question":"algorithm","operator":"one_of","values":["rsa"]}},
{"key":"adopted","type":"date","prompt":"Adopted on","constraints":{"min_date":"2000-01-01","max_date":"2030-12-31"}},
{"key":"comments","type":"text","prompt":"Comments","constraints":{"max_length":50},"condition":{"question":"share","operator":"at_least","value":50}}]}]}`

// FuzzCreateSurvey posts an arbitrary body as a new questionnaire. What is
// created must read back.
func FuzzCreateSurvey(f *testing.F) {
	f.Add([]byte(everyTypeSurvey))
	f.Add([]byte(`{"title":"t","sections":[{"key":"a","title":"A","questions":[{"key":"q","type":"scale","prompt":"p","constraints":{"scale_size":0}}]}]}`))
	f.Add([]byte(`{"title":"t","sections":[{"key":"a","title":"A","questions":[{"key":"q","type":"integer","prompt":"p","constraints":{"min":5,"max":1}},` +
		`{"key":"r","type":"text","prompt":"p","condition":{"question":"q","operator":"at_least","value":"x"}}]}]}`))
	f.Add([]byte(`{"title":"t","sections":[{"key":"a","title":"A","questions":[{"key":"q","type":"single_choice","prompt":"p","options":[]},` +
		`{"key":"r","type":"date","prompt":"p","constraints":{"min_date":"2020-02-30"}}]}]}`))
	f.Add([]byte(`{"title":"t","deadline":"2026-13-01T00:00:00Z","audience":{"peer_group":"nope"},"results_policy":{"min_respondents":-1},"sections":null}`))
	f.Add([]byte(`{"title":1e999}`))
	f.Add([]byte(`[`))
	srv := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var created struct{ ID string }
		if srv.do(t, "POST", "/v1/surveys", "application/json", body, &created) != http.StatusCreated {
			return
		}
		if status := srv.do(t, "GET", "/v1/surveys/"+created.ID, "", nil, nil); status != http.StatusOK {
			t.Fatalf("a created survey reads back as %d", status)
		}
	})
}

// FuzzImportCSV uploads an arbitrary CSV of answers to the open survey of every
// type, as a dry run or for real.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("member,signed,since,algorithm,share,domains,incentives,satisfaction,adopted,comments\n"+
		"dk,yes,2010,rsa,97.5,1000,discount;label,4,2019-06-30,fine\nse,no,,ecdsa,10,,label,,,\n"), false)
	f.Add([]byte("\ufeffmember,signed\r\ndk,true\r\n"), true)
	f.Add([]byte("member,since\ndk,1990\nse,20.5\nxx,2000\n"), false)
	f.Add([]byte("member,incentives,comments\ndk,;;,\"multi\nline\"\n"), true)
	f.Add([]byte("member,signed,signed\ndk,1,0\n"), false)
	f.Add([]byte("member,\"unterminated\ndk\n"), false)
	f.Add([]byte("signed\nyes\n"), false)
	f.Add([]byte(""), true)
	srv := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, csv []byte, write bool) {
		path := "/v1/surveys/" + srv.surveyID + "/imports?dry_run=true"
		if write {
			path = "/v1/surveys/" + srv.surveyID + "/imports?dry_run=false"
		}
		srv.do(t, "POST", path, "text/csv", csv, nil)
	})
}
