package faults

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// disk makes the file system under an SQLite database full, and then frees it.
type disk interface {
	fill(t *testing.T, srv *server)
	free(t *testing.T, srv *server)
}

// tmpfsDisk is a size-limited tmpfs mounted for the test: full is really full,
// ENOSPC, which SQLite reports as SQLITE_FULL. Mounting needs root.
type tmpfsDisk struct{ dir string }

func mountTmpfs(t *testing.T, size string) (*tmpfsDisk, error) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return &tmpfsDisk{dir: dir}, nil
}

func (d *tmpfsDisk) fill(t *testing.T, _ *server) {
	f, err := os.Create(filepath.Join(d.dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	for size := 4096; size > 0; size /= 2 { // the last pages too
		for {
			if _, err := f.Write(chunk[:size]); err != nil {
				break
			}
		}
	}
}

func (d *tmpfsDisk) free(t *testing.T, _ *server) {
	if err := os.Remove(filepath.Join(d.dir, "filler")); err != nil {
		t.Fatal(err)
	}
}

// rlimitDisk needs no privilege: it limits the size of the files the server
// process may write (RLIMIT_FSIZE, set with prlimit on the running process) to
// the size its database files have now. A write past it fails with EFBIG,
// which SQLite reports as SQLITE_IOERR, or as SQLITE_FULL if part was written.
// Go programs take no action on the SIGXFSZ that comes with it.
type rlimitDisk struct{ dir string }

func (d *rlimitDisk) fill(t *testing.T, srv *server) {
	var largest int64
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, info.Size())
	}
	lim := unix.Rlimit{Cur: uint64(largest), Max: unix.RLIM_INFINITY}
	if err := unix.Prlimit(srv.cmd.Process.Pid, unix.RLIMIT_FSIZE, &lim, nil); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
}

func (d *rlimitDisk) free(t *testing.T, srv *server) {
	lim := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	if err := unix.Prlimit(srv.cmd.Process.Pid, unix.RLIMIT_FSIZE, &lim, nil); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
}

// TestSQLiteDiskFull fills the disk under a running server's SQLite database
// while it imports answers: the write that does not fit is a 507 problem and a
// log line that says the disk is at fault, nothing of it is written, what was
// acknowledged before is intact, the database passes PRAGMA integrity_check, and
// the same write succeeds, without a restart, once space is back.
//
// It runs on a 16 MiB tmpfs when it can mount one (as root), and always with a
// file size limit on the server process, which needs no privilege; the subtests
// say which.
func TestSQLiteDiskFull(t *testing.T) {
	t.Run("tmpfs", func(t *testing.T) {
		d, err := mountTmpfs(t, "16m")
		if err != nil {
			// Not silent: the rlimit subtest below runs either way.
			t.Skipf("cannot mount a tmpfs here (%v); the rlimit subtest covers a full disk instead", err)
		}
		diskFull(t, d.dir, d)
	})
	t.Run("rlimit", func(t *testing.T) {
		dir := t.TempDir()
		diskFull(t, dir, &rlimitDisk{dir: dir})
	})
}

func diskFull(t *testing.T, dir string, d disk) {
	dbURL := "sqlite:" + filepath.Join(dir, "surveys.db")
	token := adminToken(t, dbURL)
	sqlDB := openDB(t, dbURL)
	const questions, rows = 5, 300
	members := addMembers(t, sqlDB, rows)
	srv := startServer(t, dbURL)
	c := newClient(srv.base, token)
	id := numbersSurvey(t, c, questions)
	c.must(t, "POST", "/v1/surveys/"+id+"/imports", importCSV(members, questions, 1), 200, nil)

	// Each import changes every answer and adds a history event for each, so
	// the database grows until a write no longer fits.
	d.fill(t, srv)
	acked, failed := 1, reply{}
	for v := 2; v <= 60; v++ {
		r := c.do(t.Context(), "POST", "/v1/surveys/"+id+"/imports", importCSV(members, questions, v))
		if r.err == nil && r.status == 200 {
			acked = v
			continue
		}
		failed = r
		break
	}
	if failed.status == 0 {
		t.Fatalf("60 imports after filling the disk: the last %s; the disk never filled", failed)
	}
	var p struct{ Code, Detail string }
	if failed.status != 507 || !strings.Contains(failed.header.Get("Content-Type"), "application/problem+json") ||
		json.Unmarshal(failed.body, &p) != nil || p.Code != "insufficient_storage" {
		t.Fatalf("a write that does not fit: %s, want a 507 insufficient_storage problem", failed)
	}
	logLine := srv.waitLog(t, "database cannot write: its disk is full or failing")
	ready := c.do(t.Context(), "GET", "/readyz", nil)

	// Nothing of the failed import, everything of the one acknowledged before.
	if n := count(t, sqlDB, "SELECT COUNT(*) FROM answers WHERE survey_id = $1 AND num_value = $2", id, acked); n != rows*questions {
		t.Errorf("with the disk full, %d answers hold the acknowledged value %d, want %d", n, acked, rows*questions)
	}
	checkIntegrity(t, sqlDB)
	var got struct{ Answers map[string]float64 }
	c.must(t, "GET", "/v1/surveys/"+id+"/responses/"+members[0], nil, 200, &got)
	if got.Answers["q1"] != float64(acked) {
		t.Errorf("reading with the disk full: q1 = %v, want %d", got.Answers["q1"], acked)
	}

	// Space back: the same write succeeds on the same process.
	d.free(t, srv)
	c.must(t, "POST", "/v1/surveys/"+id+"/imports", importCSV(members, questions, acked+1), 200, nil)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := srv.wait(25 * time.Second); err != nil || code != 0 {
		t.Fatalf("exit after SIGTERM: %d, %v", code, err)
	}
	checkIntegrity(t, sqlDB)
	if n := count(t, sqlDB, "SELECT COUNT(*) FROM answers WHERE survey_id = $1 AND num_value = $2", id, acked+1); n != rows*questions {
		t.Errorf("after space came back, %d answers hold %d, want %d", n, acked+1, rows*questions)
	}
	t.Logf("imports acknowledged until version %d; then %d %s; /readyz meanwhile %d; log: %s",
		acked, failed.status, p.Detail, ready.status, logLine)
}
