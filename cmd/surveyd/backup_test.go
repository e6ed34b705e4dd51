package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/demo"
	"github.com/tldcouncil/surveyd/internal/store"
)

// TestBackupRestoreCopy runs the three commands as an operator would: a backup
// of the demo, its restore into a new file, and a copy of that to PostgreSQL.
func TestBackupRestoreCopy(t *testing.T) {
	ctx := context.Background()
	live := dbtest.SQLite(t)
	st := live.Open(t, store.Options{})
	if _, err := demo.Load(ctx, st, io.Discard, "http://localhost"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "nightly.db")
	restored := filepath.Join(dir, "restored.db")
	pg := dbtest.Postgres(t)

	var out, errOut bytes.Buffer
	cmd := func(env map[string]string, args ...string) error {
		out.Reset()
		errOut.Reset()
		return run(ctx, args, mapEnv(env), &out, &errOut)
	}
	if err := cmd(map[string]string{"DATABASE_URL": live.URL}, "backup", file); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "schema version") || !strings.Contains(out.String(), "responses") {
		t.Fatalf("backup printed %q", out.String())
	}
	if err := cmd(nil, "restore", file, "--database-url", "sqlite:"+restored); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut.String())
	}
	if err := cmd(nil, "restore", "--database-url", "sqlite:"+restored, file); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("a second restore over the data: %v", err)
	}
	if err := cmd(nil, "restore", "--force", "--database-url", "sqlite:"+restored, file); err != nil {
		t.Fatalf("restore --force: %v", err)
	}
	if err := cmd(nil, "copy", "--from", "sqlite:"+restored, "--to", pg.URL); err != nil {
		t.Fatalf("copy: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "copied and verified") || !strings.Contains(out.String(), "answers") {
		t.Fatalf("copy printed %q", out.String())
	}
	if err := cmd(nil, "copy", "--from", "sqlite:"+restored, "--to", pg.URL); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a second copy into the same target: %v", err)
	}

	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"DATABASE_URL": live.URL}, []string{"backup"}, "want one argument"},
		{map[string]string{"DATABASE_URL": live.URL}, []string{"backup", "a.db", "b.db"}, "want one argument"},
		{map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "absent.db")}, []string{"backup", filepath.Join(dir, "x.db")}, "absent.db"},
		{map[string]string{"DATABASE_URL": pg.URL}, []string{"backup", filepath.Join(dir, "pg.db")}, "pg_dump"},
		{map[string]string{"DATABASE_URL": pg.URL}, []string{"restore", file}, "surveyd copy"},
		{nil, []string{"copy", "--from", "sqlite:" + restored}, "--from and --to are required"},
		{nil, []string{"copy", "--from", pg.URL, "--to", pg.URL}, "same database"},
		{nil, []string{"copy", "--from", "sqlite:" + filepath.Join(dir, "typo.db"), "--to", "sqlite:" + filepath.Join(dir, "new.db")}, "typo.db"},
	} {
		if err := cmd(tc.env, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error about %q", tc.args, err, tc.want)
		}
	}
}
