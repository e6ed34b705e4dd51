// Package backup copies whole installations: an online backup of an SQLite
// database into one file, the restore of such a file, and the copy of an
// installation from one database to another (SQLite to PostgreSQL, when an
// installation outgrows the embedded default), each verified table by table and
// survey by survey. It works on tables, not on domain values, and reads the
// schema from each database's catalog, so that a table added by a later
// migration is copied without a change here.
package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tldcouncil/surveyd/internal/store"
)

// postgresAdvice is Backup's answer on PostgreSQL, whose own tools do the job.
const postgresAdvice = "surveyd backup copies SQLite databases; back up PostgreSQL with its own tools: " +
	"pg_dump --format=custom --file=surveyd.dump \"$DATABASE_URL\" for a logical copy (restore it with pg_restore --no-owner --dbname=URL surveyd.dump), " +
	"or pg_basebackup for a physical one with point-in-time recovery (see the README)"

// Summary describes one SQLite database file: its schema version and the rows
// of each table.
type Summary struct {
	Path          string
	SchemaVersion int
	Rows          []TableRows
}

// TableRows is how many rows a table holds.
type TableRows struct {
	Table string
	Rows  int64
}

// Write prints the summary for an operator.
func (s Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "%s: schema version %d\n", s.Path, s.SchemaVersion)
	for _, t := range s.Rows {
		fmt.Fprintf(w, "  %-24s %10d\n", t.Table, t.Rows)
	}
}

// Backup writes a consistent copy of the SQLite database of st to path while it
// is in use, by VACUUM INTO: the copy is one moment of the database, taken
// without stopping writers for longer than a read. It writes to a temporary file
// beside path, checks it, and renames it, so that path either does not exist or
// holds a whole backup. It refuses to overwrite path.
func Backup(ctx context.Context, st *store.Store, path string) (Summary, error) {
	if st.Dialect() == "postgres" {
		return Summary{}, errors.New(postgresAdvice)
	}
	if err := checkNew(path); err != nil {
		return Summary{}, err
	}
	tmp, err := tempName(path)
	if err != nil {
		return Summary{}, err
	}
	// VACUUM INTO accepts an empty file: made first, it is readable by its owner
	// only, as a database of confidential answers should be.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Summary{}, fmt.Errorf("backup: %w", err)
	}
	_ = f.Close()
	defer func() { _ = os.Remove(tmp) }() // gone after the rename; removed on failure
	if _, err := st.DB().ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return Summary{}, fmt.Errorf("back up into %s: %w", path, err)
	}
	sum, err := Inspect(ctx, tmp)
	if err != nil {
		return Summary{}, fmt.Errorf("the backup does not read back: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return Summary{}, err
	}
	if err := os.Link(tmp, path); err != nil { // unlike a rename, never replaces a file made meanwhile
		return Summary{}, fmt.Errorf("backup: %w", err)
	}
	sum.Path = path
	return sum, syncDir(filepath.Dir(path))
}

// checkNew fails unless path names a file that does not exist yet, in a
// directory that does.
func checkNew(path string) error {
	dir := filepath.Dir(path)
	switch info, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: the directory %s does not exist", path, dir)
	case err != nil:
		return err
	case !info.IsDir():
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	switch _, err := os.Lstat(path); {
	case err == nil:
		return fmt.Errorf("%s already exists: back up into a new file", path)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return nil
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// Inspect opens the SQLite file at path read-only and checks that it is a whole
// surveyd database: an SQLite file that passes SQLite's integrity check, with a
// schema this program knows. It returns its schema version and the rows of each
// table.
func Inspect(ctx context.Context, path string) (Summary, error) {
	sum := Summary{Path: path}
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	head := make([]byte, len(sqliteMagic))
	_, err = io.ReadFull(f, head)
	_ = f.Close()
	if err != nil || string(head) != sqliteMagic {
		return sum, fmt.Errorf("%s is not an SQLite database", path)
	}
	if info, err := os.Stat(path + "-wal"); err == nil && info.Size() > 0 {
		return sum, fmt.Errorf("%s has a write-ahead log beside it, so it is a database in use, not a backup: make one with surveyd backup", path)
	}
	st, err := store.Open(ctx, "sqlite:"+path, store.Options{ReadOnly: true})
	if err != nil {
		return sum, fmt.Errorf("%s: %w", path, err)
	}
	defer st.Close()
	var check string
	if err := st.DB().QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&check); err != nil {
		return sum, fmt.Errorf("%s: integrity check: %w", path, err)
	}
	if check != "ok" {
		return sum, fmt.Errorf("%s is damaged: %s", path, check)
	}
	if sum.SchemaVersion, err = st.CheckSchema(ctx); err != nil {
		return sum, fmt.Errorf("%s: %w", path, err)
	}
	tables, err := readCatalog(ctx, st)
	if err != nil {
		return sum, fmt.Errorf("%s: %w", path, err)
	}
	for _, t := range tables {
		var n int64
		if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quote(t.name)).Scan(&n); err != nil {
			return sum, fmt.Errorf("%s: count %s: %w", path, t.name, err)
		}
		sum.Rows = append(sum.Rows, TableRows{Table: t.name, Rows: n})
	}
	return sum, nil
}

// Restore puts the backup at from in place of the SQLite database at to, which
// must not be in use: stop the server first. It checks the backup (Inspect), and
// refuses to replace a database that holds data unless force is set. It copies
// the file beside the target and renames it into place, so that the target is
// either untouched or the whole backup. A backup of an older schema is migrated
// by the next command that opens it.
func Restore(ctx context.Context, from, to string, force bool) (Summary, error) {
	sum, err := Inspect(ctx, from)
	if err != nil {
		return sum, err
	}
	if err := checkTarget(ctx, to, force); err != nil {
		return sum, err
	}
	tmp, err := tempName(to)
	if err != nil {
		return sum, err
	}
	defer func() { _ = os.Remove(tmp) }() // gone after the rename; removed on failure
	if err := copyFile(from, tmp); err != nil {
		return sum, fmt.Errorf("restore into %s: %w", to, err)
	}
	// The log and shared memory of the database being replaced belong to it:
	// left beside the backup, SQLite would replay them into it.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(to + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return sum, fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, to); err != nil {
		return sum, fmt.Errorf("restore: %w", err)
	}
	sum.Path = to
	return sum, syncDir(filepath.Dir(to))
}

// checkTarget fails unless the database at path may be replaced: it does not
// exist, or holds no rows but the record of its schema, or force is set.
func checkTarget(ctx context.Context, path string, force bool) error {
	dir := filepath.Dir(path)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("%s: the directory %s does not exist", path, dir)
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case info.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case force:
		return nil
	case info.Size() == 0:
		return nil
	}
	st, err := store.Open(ctx, "sqlite:"+path, store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer st.Close()
	tables, err := readCatalog(ctx, st)
	if err != nil {
		return fmt.Errorf("%s is not a database this command may replace (%v): pass --force to replace it anyway", path, err)
	}
	if err := refuseData(ctx, st.DB(), tables); err != nil {
		return fmt.Errorf("%s holds data: pass --force to replace it with the backup", path)
	}
	return nil
}

// tempName returns an unused name beside path for a file to rename into it.
func tempName(path string) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"."+hex.EncodeToString(b)+".tmp"), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
