// Package dbtest gives every test a fresh database of each kind the platform runs
// on: an SQLite file in a temporary directory, and a new PostgreSQL database that
// is dropped when the test ends. When TEST_DATABASE_URL is unset it starts a
// throwaway PostgreSQL server for the test binary and stops it afterwards.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver for the admin connection

	"github.com/tldcouncil/surveyd/internal/pgtemp"
	"github.com/tldcouncil/surveyd/internal/store"
)

// pg is the PostgreSQL server of this test binary, set by Main.
var pg struct {
	url      string // admin connection to the server's postgres database
	template string // a migrated database that test databases are copied from
	once     sync.Once
	err      error
}

// Main runs the tests of a package with a PostgreSQL server: the one named by
// TEST_DATABASE_URL, or else one it starts and stops itself. A package whose
// tests use Each calls it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain that has its own cleanup to do
// after the tests: it returns the exit code.
func Run(m *testing.M) int {
	pg.url = os.Getenv("TEST_DATABASE_URL")
	if pg.url == "" {
		srv, err := pgtemp.Start(pgtemp.Options{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: cannot start a throwaway PostgreSQL server: %v\n", err)
			fmt.Fprintln(os.Stderr, "dbtest: install PostgreSQL 15 or set TEST_DATABASE_URL; the tests do not skip PostgreSQL")
			return 1
		}
		defer srv.Stop()
		pg.url = srv.URL
	}
	code := m.Run()
	if pg.template != "" {
		if err := dropDatabase(pg.template); err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: %v\n", err)
		}
	}
	return code
}

// Database is one database a test runs against.
type Database struct {
	Name string // "sqlite" or "postgres"
	URL  string // a DATABASE_URL for it, migrated
}

// Each runs fn as a subtest named after each database kind, with a fresh, migrated
// database of that kind.
func Each(t *testing.T, fn func(t *testing.T, db Database)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Open opens db with the options and closes it when the test ends.
func (db Database) Open(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), db.URL, opts)
	if err != nil {
		t.Fatalf("open %s: %v", db.Name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// SQLite returns a fresh, migrated SQLite database in the test's temporary directory.
func SQLite(t testing.TB) Database {
	t.Helper()
	db := Database{Name: "sqlite", URL: "sqlite:" + filepath.Join(t.TempDir(), "test.db")}
	migrate(t, db.URL)
	return db
}

// Postgres returns a fresh, migrated PostgreSQL database, dropped when the test ends.
func Postgres(t testing.TB) Database {
	t.Helper()
	if pg.url == "" {
		t.Fatal("dbtest: no PostgreSQL server: call dbtest.Main from TestMain")
	}
	pg.once.Do(func() {
		pg.template = "surveyd_template_" + randomName()
		if pg.err = execSQL(pg.url, "CREATE DATABASE "+pg.template); pg.err != nil {
			return
		}
		s, err := store.Open(context.Background(), withDatabase(pg.url, pg.template), store.Options{})
		if err != nil {
			pg.err = err
			return
		}
		_, pg.err = s.Migrate(context.Background())
		_ = s.Close()
	})
	if pg.err != nil {
		t.Fatalf("dbtest: prepare template database: %v", pg.err)
	}
	name := "surveyd_test_" + randomName()
	if err := execSQL(pg.url, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, pg.template)); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(name); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return Database{Name: "postgres", URL: withDatabase(pg.url, name)}
}

// EmptyPostgres returns a fresh PostgreSQL database without the schema, for tests
// of migration itself.
func EmptyPostgres(t testing.TB) Database {
	t.Helper()
	name := "surveyd_empty_" + randomName()
	if err := execSQL(pg.url, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(name); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return Database{Name: "postgres", URL: withDatabase(pg.url, name)}
}

func migrate(t testing.TB, url string) {
	t.Helper()
	s, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", url, err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
}

func dropDatabase(name string) error {
	return execSQL(pg.url, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

func execSQL(url, stmt string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// withDatabase returns url with its database name replaced.
func withDatabase(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	i := strings.LastIndex(base, "/")
	if i < len("postgres://") {
		base += "/"
		i = len(base) - 1
	}
	out := base[:i+1] + name
	if query != "" {
		out += "?" + query
	}
	return out
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
