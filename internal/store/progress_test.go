package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestNoticesReadOnlyTheMembersWithPeople: whom a survey's notice goes to, and
// the progress its mails carry, cost the same queries in an audience of 600
// members as in one of 2, when the same two members have people; and they are
// the right people with the right progress.
func TestNoticesReadOnlyTheMembersWithPeople(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		s := db.Open(t, store.Options{Now: func() time.Time { return now }})
		member := func(code string) {
			t.Helper()
			if _, err := s.CreateMember(ctx, survey.Member{Code: code, Name: code, Country: "DK", Membership: survey.MembershipFull, Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		user := func(email string, role survey.Role, code string) survey.User {
			t.Helper()
			u, err := s.CreateUser(ctx, survey.User{Email: email, Role: role, Member: code, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		member("m0000")
		member("m0001")
		admin := user("admin@example.org", survey.RoleSecretariat, "")
		anna := user("anna@example.org", survey.RoleRespondent, "m0000")
		bo := user("bo@example.org", survey.RoleRespondent, "m0001")
		user("vera@example.org", survey.RoleViewer, "m0001") // viewers are not told
		deadline := now.Add(30 * 24 * time.Hour)
		sv, err := s.CreateSurvey(ctx, survey.Survey{Title: "S", Edition: "2026", Deadline: &deadline, Policy: survey.DefaultResultsPolicy(),
			Sections: []survey.Section{{Key: "a", Title: "A", Questions: []survey.Question{{Key: "n", Type: survey.Integer, Prompt: "N", Required: true}}}}}, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sv, err = s.TransitionSurvey(ctx, sv.ID, survey.StatusOpen, admin.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(ctx, store.Write{SurveyID: sv.ID, Member: "m0001", Answers: map[string]any{"n": float64(7)}, By: bo}); err != nil {
			t.Fatal(err)
		}
		queries := store.CountQueries(s)
		notice := func() (map[string][]survey.User, []survey.MemberProgress, int64) {
			t.Helper()
			queries.Store(0)
			people, err := s.Recipients(ctx, sv, "")
			if err != nil {
				t.Fatal(err)
			}
			progress, err := s.ProgressOf(ctx, sv, slices.Collect(maps.Keys(people)))
			if err != nil {
				t.Fatal(err)
			}
			return people, progress, queries.Load()
		}
		_, _, few := notice()
		for i := 2; i < 600; i++ {
			member(fmt.Sprintf("m%04d", i))
		}
		people, progress, many := notice()
		if many != few {
			t.Errorf("the notice cost %d queries in an audience of 600 and %d in one of 2", many, few)
		}
		if len(people) != 2 || len(people["m0000"]) != 1 || people["m0000"][0].ID != anna.ID || len(people["m0001"]) != 1 || people["m0001"][0].ID != bo.ID {
			t.Fatalf("people %+v, want Anna of m0000 and Bo of m0001", people)
		}
		if len(progress) != 2 || progress[0].Member != "m0000" || progress[0].Status != survey.ResponseNotStarted ||
			progress[1].Member != "m0001" || progress[1].Status != survey.ResponseSubmitted || progress[1].RequiredAnswered != 1 {
			t.Fatalf("progress %+v, want m0000 not started and m0001 submitted", progress)
		}
		// The whole audience's progress reads it in chunks, and misses no one.
		all, err := s.Progress(ctx, sv)
		if err != nil || len(all) != 600 || all[599].Member != "m0599" || all[1].Status != survey.ResponseSubmitted {
			t.Fatalf("progress of all: %d members, %v", len(all), err)
		}
	})
}
