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

// TestMigrateTwiceAndConcurrently: a second run applies nothing, and processes
// starting together on one PostgreSQL do not trip over each other.
func TestMigrateTwiceAndConcurrently(t *testing.T) {
	ctx := context.Background()
	db := dbtest.EmptyPostgres(t)
	const n = 4
	errs := make(chan error, n)
	applied := make(chan int, n)
	for range n {
		go func() {
			s, err := store.Open(ctx, db.URL, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			v, err := s.Migrate(ctx)
			applied <- len(v)
			errs <- err
		}()
	}
	total := 0
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(applied)
	for k := range applied {
		total += k
	}
	s := db.Open(t, store.Options{})
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total != v {
		t.Fatalf("%d migrations applied in all, want each of %d once", total, v)
	}
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("a second migrate applied %v, %v", again, err)
	}
}

// TestMigrateKeepsData: migrating a database that holds data leaves the data.
func TestMigrateKeepsData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		if _, err := s.CreateMember(ctx, survey.Member{Code: "se", Name: "Internetstiftelsen", Country: "SE", Membership: survey.MembershipFull, Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if m, err := s.Member(ctx, "se"); err != nil || m.Name != "Internetstiftelsen" {
			t.Fatalf("after migrate: %+v, %v", m, err)
		}
	})
}

func TestEnsureUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		s := db.Open(t, store.Options{})
		u, created, err := s.EnsureUser(ctx, survey.User{Email: "Root@Example.org", Role: survey.RoleSecretariat})
		if err != nil || !created || u.Email != "root@example.org" {
			t.Fatalf("first ensure: %+v %v %v", u, created, err)
		}
		again, created, err := s.EnsureUser(ctx, survey.User{Email: "root@example.org", Role: survey.RoleSecretariat})
		if err != nil || created || again.ID != u.ID {
			t.Fatalf("second ensure: %+v %v %v", again, created, err)
		}
		if _, _, err := s.EnsureUser(ctx, survey.User{Email: "root@example.org", Role: survey.RoleViewer, Member: "dk"}); survey.ErrorCode(err) != survey.Conflict {
			t.Fatalf("ensure with another role: %v, want conflict", err)
		}
		if _, _, err := s.EnsureUser(ctx, survey.User{Email: "not an address", Role: survey.RoleSecretariat}); survey.ErrorCode(err) != survey.Invalid {
			t.Fatalf("ensure with a bad address: %v, want invalid", err)
		}
	})
}
