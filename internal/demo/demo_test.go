package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/demo"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestLoadOnceIntoAnEmptyDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		st := db.Open(t, store.Options{})
		var out bytes.Buffer
		loaded, err := demo.Load(ctx, st, &out, "http://127.0.0.1:8080")
		if err != nil || !loaded {
			t.Fatalf("first load: %v, %v", loaded, err)
		}
		if n := strings.Count(out.String(), "tsv_"); n != 3 {
			t.Fatalf("printed %d tokens, want 3:\n%s", n, out.String())
		}
		groups, _, err := st.WorkGroups(ctx, store.Page{Limit: 10})
		if err != nil || len(groups) != 6 {
			t.Fatalf("work groups: %+v, %v; want the six", groups, err)
		}
		technical, err := st.WorkGroup(ctx, "technical")
		if err != nil || len(technical.Chairs) != 1 {
			t.Fatalf("technical: %+v, %v; want one chair", technical, err)
		}
		members, err := demo.Members()
		if err != nil {
			t.Fatal(err)
		}
		nordics, err := st.PeerGroup(ctx, "nordics")
		if err != nil || strings.Join(nordics.Members, ",") != "dk,fi,is,no,se" {
			t.Fatalf("nordics: %v, %v", nordics.Members, err)
		}
		euEEA, err := st.PeerGroup(ctx, "eu-eea")
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, m := range members {
			if m.EUEEA && m.Active {
				want++
			}
		}
		if len(euEEA.Members) != want {
			t.Fatalf("eu-eea has %d members, want %d", len(euEEA.Members), want)
		}
		surveys, _, err := st.Surveys(ctx, store.SurveyFilter{Series: "dnssec-annual"}, store.Page{Limit: 10})
		if err != nil || len(surveys) != 2 || surveys[0].Status != survey.StatusOpen || surveys[1].Status != survey.StatusPublished {
			t.Fatalf("dnssec-annual editions: %+v, %v", surveys, err)
		}
		if surveys[0].WorkGroup != "technical" || surveys[1].WorkGroup != "technical" {
			t.Fatalf("the DNSSEC editions are in work groups %q and %q, want technical", surveys[0].WorkGroup, surveys[1].WorkGroup)
		}
		if n := len(surveys[0].Questions()); n < 12 {
			t.Fatalf("the DNSSEC questionnaire has %d questions, want a dozen", n)
		}
		progress, err := st.Progress(ctx, surveys[0])
		if err != nil {
			t.Fatal(err)
		}
		count := map[survey.ResponseStatus]int{}
		for _, p := range progress {
			count[p.Status]++
		}
		if count[survey.ResponseSubmitted] != 5 || count[survey.ResponseDraft] != 3 {
			t.Fatalf("the open edition has %v responses; want 5 submitted and 3 drafts", count)
		}
		last, err := st.Progress(ctx, surveys[1])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range last {
			if p.Status != survey.ResponseSubmitted {
				t.Fatalf("%s has not submitted the 2025 edition: %s", p.Member, p.Status)
			}
		}
		drafts, _, err := st.Surveys(ctx, store.SurveyFilter{Status: survey.StatusDraft, Topic: "suspensions"}, store.Page{Limit: 10})
		if err != nil || len(drafts) != 1 {
			t.Fatalf("suspensions drafts: %d, %v", len(drafts), err)
		}

		editions, err := st.Editions(ctx, "monthly-stats", []survey.Status{survey.StatusPublished})
		if err != nil || len(editions) != 24 {
			t.Fatalf("%d published months of statistics, %v; want 24", len(editions), err)
		}
		out.Reset()
		loaded, err = demo.Load(ctx, st, &out, "http://127.0.0.1:8080")
		if err != nil || loaded || out.Len() != 0 {
			t.Fatalf("second load: %v, %v, printed %q", loaded, err, out.String())
		}
	})
}

// TestDemoShowsTheWholeMembership reads the published DNSSEC edition and the
// monthly trends as a member: the disclosure audit (decision 0010) must leave
// the whole membership's figures visible.
func TestDemoShowsTheWholeMembership(t *testing.T) {
	ctx := context.Background()
	st := dbtest.SQLite(t).Open(t, store.Options{})
	if _, err := demo.Load(ctx, st, io.Discard, "http://127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, survey.User{Email: "reader@dk.example", Role: survey.RoleViewer, Member: "dk"})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreateToken(ctx, u.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := api.New(api.Config{Store: st})
	get := func(path string, out any) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.Bytes())
		}
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	surveys, _, err := st.Surveys(ctx, store.SurveyFilter{Series: "dnssec-annual", Status: survey.StatusPublished}, store.Page{Limit: 1})
	if err != nil || len(surveys) != 1 {
		t.Fatalf("published DNSSEC edition: %v, %v", surveys, err)
	}
	var doc struct {
		Questions []struct {
			Key  string  `json:"key"`
			Type string  `json:"type"`
			Code *string `json:"code"`
		} `json:"questions"`
	}
	get("/v1/surveys/"+surveys[0].ID+"/results", &doc)
	shown, aggregated := 0, 0
	for _, q := range doc.Questions {
		if q.Type == "text" || q.Type == "date" {
			continue
		}
		aggregated++
		if q.Code == nil {
			shown++
		} else {
			t.Logf("over all members, %s is suppressed: %s", q.Key, *q.Code)
		}
	}
	if shown*4 < aggregated*3 {
		t.Errorf("only %d of %d questions are shown over all members", shown, aggregated)
	}
	t.Logf("over all members, %d of %d questions are shown", shown, aggregated)
	var trend struct {
		Points []struct {
			Period string  `json:"period"`
			Code   *string `json:"code"`
		} `json:"points"`
	}
	get("/v1/series/monthly-stats/trends?question=domains_under_management", &trend)
	hidden := 0
	for _, p := range trend.Points {
		if p.Code != nil {
			hidden++
			t.Logf("the total of %s is suppressed: %s", p.Period, *p.Code)
		}
	}
	if hidden*2 > len(trend.Points) {
		t.Errorf("%d of %d months of the total are suppressed", hidden, len(trend.Points))
	}
}
