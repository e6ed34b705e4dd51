package store_test

import (
	"context"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMembersRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		m, err := s.CreateMember(ctx, survey.Member{Code: "dk", Name: "Punktum dk", Country: "DK", Membership: survey.MembershipFull, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Member(ctx, "dk")
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(m.CreatedAt) || got.Name != "Punktum dk" || !got.Active {
			t.Fatalf("got %+v, want %+v", got, m)
		}
		if _, err := s.CreateMember(ctx, m); survey.ErrorCode(err) != survey.Conflict {
			t.Fatalf("duplicate create: got %v, want conflict", err)
		}
		if _, err := s.Member(ctx, "xx"); survey.ErrorCode(err) != survey.NotFound {
			t.Fatalf("missing member: got %v, want not found", err)
		}
	})
}
