// Package pgtemp starts a throwaway PostgreSQL server in a temporary directory, on
// a free port of 127.0.0.1, for tests and benchmarks. It uses the PostgreSQL
// programs installed on the machine (Debian's postgresql-15 by default), and runs
// them as the postgres user when started as root, since PostgreSQL refuses root.
package pgtemp

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
)

// Server is a running throwaway PostgreSQL server.
type Server struct {
	URL        string // postgres://... of its postgres database, as the superuser
	dir, bin   string
	settings   string // the options pg_ctl passes to the server: port, socket, fsync
	asPostgres bool   // PostgreSQL refuses to run as root: run it as the postgres user
}

// Options tune the server.
type Options struct {
	Durable bool // keep fsync on, as a benchmark against production settings wants
}

// Start initialises and starts a PostgreSQL server on a free port of 127.0.0.1.
// Unless opts.Durable, it skips fsync: the data is thrown away.
func Start(opts Options) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "surveyd-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin, asPostgres: os.Geteuid() == 0}
	if s.asPostgres {
		if err := chownToPostgres(dir); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	port, err := FreePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := s.cmd("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "--no-locale", "-E", "UTF8"); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s.settings = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200", port, dir)
	if !opts.Durable {
		s.settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if err := s.Resume(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return s, nil
}

// Halt stops the server at once, as a crash would, and keeps its files: Resume
// starts it again on the same port and data directory.
func (s *Server) Halt() error {
	return s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
}

// Resume starts the server, after Start has initialised it or Halt stopped it,
// and waits until it accepts connections.
func (s *Server) Resume() error {
	return s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-l", filepath.Join(s.dir, "log"), "-o", s.settings, "-w", "start")
}

// Stop stops the server at once and removes its files.
func (s *Server) Stop() {
	_ = s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	_ = os.RemoveAll(s.dir)
}

// cmd runs one of PostgreSQL's programs, as the postgres user when we are root.
func (s *Server) cmd(name string, args ...string) error {
	path := filepath.Join(s.bin, name)
	var c *exec.Cmd
	if s.asPostgres {
		c = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		c = exec.Command(path, args...)
	}
	out, err := c.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	return nil
}

// findBin returns the directory of PostgreSQL's programs: PG_BIN, the Debian
// location of version 15, or wherever initdb is on the PATH.
func findBin() (string, error) {
	for _, dir := range []string{os.Getenv("PG_BIN"), "/usr/lib/postgresql/15/bin"} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("initdb not found in PG_BIN, /usr/lib/postgresql/15/bin or PATH")
}

func chownToPostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// FreePort returns a port of 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
