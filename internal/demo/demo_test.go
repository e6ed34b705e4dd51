package demo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
