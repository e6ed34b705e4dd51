package backup_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/backup"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/demo"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// withDemo returns a migrated database of the kind given, filled with the demo.
func withDemo(t *testing.T, db dbtest.Database) *store.Store {
	t.Helper()
	st := db.Open(t, store.Options{})
	if loaded, err := demo.Load(context.Background(), st, io.Discard, "http://localhost"); err != nil || !loaded {
		t.Fatalf("load the demo: loaded %v, %v", loaded, err)
	}
	return st
}

// checkSame fails unless Verify finds the two installations alike, and the
// installation is not trivially empty: the demo has rows in the main tables and
// surveys with results.
func checkSame(t *testing.T, a, b *store.Store) {
	t.Helper()
	rep, err := backup.Verify(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)
}

// checkReport fails unless the report finds the two sides alike, over the
// demo's data.
func checkReport(t *testing.T, rep backup.Report) {
	t.Helper()
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, tc := range rep.Tables {
		rows[tc.Name] = tc.SourceRows
	}
	for _, name := range []string{"members", "peer_groups", "users", "api_tokens", "surveys", "responses", "answers", "answer_options", "response_events", "series"} {
		if rows[name] == 0 {
			t.Errorf("table %s has no rows: the comparison proves little", name)
		}
	}
	if len(rep.Surveys) < 3 {
		t.Errorf("%d surveys compared, want the demo's", len(rep.Surveys))
	}
	for _, s := range rep.Surveys {
		if len(s.SourceResults) != 64 {
			t.Errorf("survey %s: results checksum %q", s.ID, s.SourceResults)
		}
	}
}

func TestBackupThenRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := withDemo(t, dbtest.SQLite(t))
	dir := t.TempDir()
	file := filepath.Join(dir, "backup.db")
	sum, err := backup.Backup(ctx, src, file)
	if err != nil {
		t.Fatal(err)
	}
	if sum.SchemaVersion != store.LatestSchemaVersion() || sum.Path != file {
		t.Fatalf("backup summary %+v", sum)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file: %v, mode %v; want readable by its owner only", err, info.Mode())
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Fatalf("temporary files left beside the backup: %v", leftovers)
	}

	// Into a new file.
	target := filepath.Join(t.TempDir(), "restored.db")
	if _, err := backup.Restore(ctx, file, target, false); err != nil {
		t.Fatal(err)
	}
	restored := dbtest.Database{Name: "sqlite", URL: "sqlite:" + target}.Open(t, store.Options{})
	checkSame(t, src, restored)

	// Into a freshly migrated, empty database: allowed without --force.
	empty := dbtest.SQLite(t)
	if _, err := backup.Restore(ctx, file, strings.TrimPrefix(empty.URL, "sqlite:"), false); err != nil {
		t.Fatalf("restore into an empty database: %v", err)
	}
	checkSame(t, src, empty.Open(t, store.Options{}))

	// Over a database with data: refused, and the database is left as it was;
	// with force, replaced.
	other := dbtest.SQLite(t)
	otherStore := other.Open(t, store.Options{})
	if _, err := otherStore.CreateMember(ctx, demoMember()); err != nil {
		t.Fatal(err)
	}
	otherPath := strings.TrimPrefix(other.URL, "sqlite:")
	_, err = backup.Restore(ctx, file, otherPath, false)
	if err == nil || !strings.Contains(err.Error(), "holds data") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over data without force: %v", err)
	}
	if has, err := otherStore.HasMembers(ctx); err != nil || !has {
		t.Fatalf("the refused target lost its data: %v %v", has, err)
	}
	_ = otherStore.Close()
	if _, err := backup.Restore(ctx, file, otherPath, true); err != nil {
		t.Fatalf("restore with force: %v", err)
	}
	checkSame(t, src, other.Open(t, store.Options{}))
}

func TestBackupAndRestoreRefuseBadPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := withDemo(t, dbtest.SQLite(t))
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if _, err := backup.Backup(ctx, src, good); err != nil {
		t.Fatal(err)
	}
	notSQLite := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notSQLite, []byte("not a database, although long enough to have a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	// An SQLite file of another program, and one of a newer surveyd.
	foreign := filepath.Join(dir, "foreign.db")
	other, err := store.Open(ctx, "sqlite:"+foreign, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.DB().Exec("CREATE TABLE things (id TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	_ = other.Close()
	newer := filepath.Join(dir, "newer.db")
	if _, err := backup.Backup(ctx, src, newer); err != nil {
		t.Fatal(err)
	}
	n, err := store.Open(ctx, "sqlite:"+newer, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.DB().Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', CURRENT_TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	_ = n.Close()
	// The live database itself, with its write-ahead log beside it.
	live := strings.TrimPrefix(dbtest.SQLite(t).URL, "sqlite:")
	liveStore, err := store.Open(ctx, "sqlite:"+live, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer liveStore.Close()
	if _, err := liveStore.CreateMember(ctx, demoMember()); err != nil {
		t.Fatal(err)
	}

	pg := dbtest.Postgres(t).Open(t, store.Options{})
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"backup over an existing file", func() error { _, err := backup.Backup(ctx, src, good); return err }, "already exists"},
		{"backup into a missing directory", func() error {
			_, err := backup.Backup(ctx, src, filepath.Join(dir, "no", "such", "x.db"))
			return err
		}, "does not exist"},
		{"backup of PostgreSQL", func() error { _, err := backup.Backup(ctx, pg, filepath.Join(dir, "pg.db")); return err }, "pg_dump"},
		{"restore of a missing file", func() error {
			_, err := backup.Restore(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "t1.db"), false)
			return err
		}, "missing.db"},
		{"restore of a text file", func() error {
			_, err := backup.Restore(ctx, notSQLite, filepath.Join(dir, "t2.db"), false)
			return err
		}, "is not an SQLite database"},
		{"restore of another program's database", func() error {
			_, err := backup.Restore(ctx, foreign, filepath.Join(dir, "t3.db"), false)
			return err
		}, "not a surveyd database"},
		{"restore of a newer schema", func() error {
			_, err := backup.Restore(ctx, newer, filepath.Join(dir, "t4.db"), false)
			return err
		}, "schema version 999 is not known"},
		{"restore of a database in use", func() error {
			_, err := backup.Restore(ctx, live, filepath.Join(dir, "t5.db"), false)
			return err
		}, "write-ahead log"},
		{"restore into a missing directory", func() error {
			_, err := backup.Restore(ctx, good, filepath.Join(dir, "nowhere", "t6.db"), false)
			return err
		}, "does not exist"},
	} {
		err := tc.err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	for _, name := range []string{"t1.db", "t2.db", "t3.db", "t4.db", "t5.db", "pg.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("a refused command left %s behind", name)
		}
	}
}

// TestCopySQLiteToPostgres moves a whole installation to PostgreSQL and back,
// and shows that the verification notices a difference.
func TestCopySQLiteToPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := withDemo(t, dbtest.SQLite(t))
	pg := dbtest.Postgres(t).Open(t, store.Options{})
	rep, err := backup.Copy(ctx, src, pg)
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)

	// And back again, into a new SQLite file: both directions convert alike.
	back := dbtest.SQLite(t).Open(t, store.Options{})
	if rep, err = backup.Copy(ctx, pg, back); err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep)

	// A non-empty target is refused, and nothing is written to it: it still
	// equals the source.
	_, err = backup.Copy(ctx, src, pg)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("copy into a non-empty target: %v", err)
	}
	after, err := backup.Verify(ctx, src, pg)
	if err != nil || after.Err() != nil {
		t.Fatalf("the refused copy changed the target: %v %v", err, after.Err())
	}

	// One changed answer shows in the table's digest and in the survey's results.
	if _, err := pg.DB().Exec("UPDATE answers SET num_value = num_value + 1 WHERE num_value IS NOT NULL AND response_id = (SELECT MIN(response_id) FROM answers WHERE num_value IS NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	changed, err := backup.Verify(ctx, src, pg)
	if err != nil {
		t.Fatal(err)
	}
	msg := ""
	if err := changed.Err(); err != nil {
		msg = err.Error()
	}
	if !strings.Contains(msg, "table answers") || !strings.Contains(msg, "results differ") {
		t.Fatalf("a changed answer was not noticed: %q", msg)
	}
}

func TestCopyRefusesMismatchedSchemas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := dbtest.SQLite(t).Open(t, store.Options{})
	empty := dbtest.EmptyPostgres(t).Open(t, store.Options{})
	if _, err := backup.Copy(ctx, src, empty); err == nil || !strings.Contains(err.Error(), "schema_migrations") {
		t.Fatalf("copy into an unmigrated target: %v", err)
	}
	// A source one step behind the target, as an older installation would be.
	if _, err := src.DB().Exec("DELETE FROM schema_migrations WHERE version = ?", store.LatestSchemaVersion()); err != nil {
		t.Fatal(err)
	}
	target := dbtest.Postgres(t).Open(t, store.Options{})
	_, err := backup.Copy(ctx, src, target)
	if err == nil || !strings.Contains(err.Error(), "surveyd migrate") {
		t.Fatalf("copy from an older schema: %v", err)
	}
}

func demoMember() survey.Member {
	return survey.Member{Code: "zz", Name: "Test registry", Country: "ZZ", Membership: survey.MembershipFull, Active: true}
}

// TestBackupWhileWriting backs up from one connection while another, as the
// server would, keeps writing: the writer is not refused, and the backup is a
// whole database of one moment between the first and the last write.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	server := db.Open(t, store.Options{})
	tool := db.Open(t, store.Options{})
	stop, first := make(chan struct{}), make(chan struct{})
	written := make(chan int)
	go func() {
		n := 0
		defer func() { written <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			m := demoMember()
			m.Code = fmt.Sprintf("m%d", n)
			if _, err := server.CreateMember(ctx, m); err != nil {
				t.Errorf("write %d during the backup: %v", n, err)
				return
			}
			if n++; n == 10 {
				close(first)
			}
		}
	}()
	select { // let some writes land first
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatal("no writes landed")
	}
	file := filepath.Join(t.TempDir(), "online.db")
	sum, err := backup.Backup(ctx, tool, file)
	close(stop)
	total := <-written
	if err != nil {
		t.Fatal(err)
	}
	var members int64 = -1
	for _, r := range sum.Rows {
		if r.Table == "members" {
			members = r.Rows
		}
	}
	if members < 10 || members > int64(total) {
		t.Fatalf("the backup has %d members; %d were written in all", members, total)
	}
	t.Logf("%d members in the backup, %d written in all", members, total)
}
