package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestStandingsCostTwoQueries: the standings of a member and the response
// counts of a page of surveys cost the same queries for one survey as for many.
func TestStandingsCostTwoQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		s := db.Open(t, store.Options{Now: func() time.Time { return now }})
		if _, err := s.CreateMember(ctx, survey.Member{Code: "dk", Name: "DK", Country: "DK", Membership: survey.MembershipFull, Active: true}); err != nil {
			t.Fatal(err)
		}
		admin, err := s.CreateUser(ctx, survey.User{Email: "admin@example.org", Role: survey.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		deadline := now.Add(30 * 24 * time.Hour)
		var ids []string
		for i := range 12 {
			sv, err := s.CreateSurvey(ctx, survey.Survey{Title: "S", Edition: fmt.Sprint(i), Deadline: &deadline, Policy: survey.DefaultResultsPolicy(),
				Sections: []survey.Section{{Key: "a", Title: "A", Questions: []survey.Question{{Key: "n", Type: survey.Integer, Prompt: "N"}}}}}, admin.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.TransitionSurvey(ctx, sv.ID, survey.StatusOpen, admin.ID); err != nil {
				t.Fatal(err)
			}
			w := store.Write{SurveyID: sv.ID, Member: "dk", Answers: map[string]any{"n": float64(i)}, By: admin}
			switch i % 3 {
			case 1:
				_, err = s.Submit(ctx, w)
			case 2:
				_, err = s.SaveAnswers(ctx, w)
			}
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, sv.ID)
		}
		if _, err := s.SetExtension(ctx, ids[3], "dk", deadline.Add(time.Hour), admin.ID); err != nil {
			t.Fatal(err)
		}
		queries := store.CountQueries(s)
		for _, n := range []int{1, 12} {
			queries.Store(0)
			st, err := s.Standings(ctx, ids[:n], "dk")
			if err != nil || len(st) != n {
				t.Fatalf("standings of %d: %v, %d", n, err, len(st))
			}
			if q := queries.Load(); q != 2 {
				t.Errorf("standings of %d surveys: %d queries, want 2", n, q)
			}
			queries.Store(0)
			if _, err := s.ResponseCounts(ctx, ids[:n]); err != nil {
				t.Fatal(err)
			}
			if q := queries.Load(); q != 1 {
				t.Errorf("counts of %d surveys: %d queries, want 1", n, q)
			}
		}
		st, _ := s.Standings(ctx, ids, "dk")
		for i, id := range ids {
			want := []survey.ResponseStatus{survey.ResponseNotStarted, survey.ResponseSubmitted, survey.ResponseDraft}[i%3]
			if st[id].Status != want || (st[id].Extension != nil) != (i == 3) {
				t.Errorf("survey %d: %+v, want %s", i, st[id], want)
			}
		}
	})
}
