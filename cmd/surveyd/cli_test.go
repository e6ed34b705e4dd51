package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// TestHelp: help, -h and --help, alone and on every command of the table, exit 0
// and print the commands or the command's flags on standard output.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, mapEnv(nil), &out, &errOut); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, c := range commands() {
			if !strings.Contains(out.String(), "  "+c.name+" ") {
				t.Errorf("%v does not list %q:\n%s", args, c.name, out.String())
			}
		}
		for _, flag := range []string{"--database-url", "--log-level", "--version", "--addr", "--email"} {
			if !strings.Contains(out.String(), flag) {
				t.Errorf("%v does not mention %s:\n%s", args, flag, out.String())
			}
		}
		if errOut.Len() > 0 {
			t.Errorf("%v wrote to standard error: %s", args, errOut.String())
		}
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		for _, args := range [][]string{append(words[:len(words):len(words)], "--help"), append(words[:len(words):len(words)], "-h"), append([]string{"help"}, words...)} {
			var out bytes.Buffer
			if err := run(context.Background(), args, mapEnv(nil), &out, &bytes.Buffer{}); err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			if !strings.HasPrefix(out.String(), "usage: surveyd "+c.name) || !strings.Contains(out.String(), c.summary) {
				t.Errorf("%v printed:\n%s", args, out.String())
			}
		}
	}
	// The flags of each command, from its own flag set.
	for args, flags := range map[string][]string{
		"serve --help":        {"-addr", "-demo", "-database-url", "-log-level"},
		"token create --help": {"-email", "-role", "-member", "-name", "-expires", "-database-url"},
		"migrate --help":      {"-database-url", "-log-level"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), strings.Fields(args), mapEnv(nil), &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		for _, f := range flags {
			if !strings.Contains(out.String(), "  "+f+" ") && !strings.Contains(out.String(), "  "+f+"\n") {
				t.Errorf("%s does not list %s:\n%s", args, f, out.String())
			}
		}
		if args == "migrate --help" && strings.Contains(out.String(), "-addr") {
			t.Errorf("migrate lists the server's -addr:\n%s", out.String())
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, mapEnv(nil), &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		line := out.String()
		if !strings.HasPrefix(line, "surveyd ") || !strings.Contains(line, " commit ") || !strings.Contains(line, " go1.") || strings.Count(line, "\n") != 1 {
			t.Errorf("%v printed %q", args, line)
		}
	}
}

// TestOpenErrorsNameTheDatabase: a database that cannot be opened is named, in
// one line, and nothing but JSON reaches the log.
func TestOpenErrorsNameTheDatabase(t *testing.T) {
	for _, tc := range []struct {
		url       string
		want      []string
		forbidden string
	}{
		{"sqlite:/nonexistent/dir/x.db", []string{"/nonexistent/dir/x.db", "directory /nonexistent/dir does not exist"}, "out of memory"},
		{"sqlite:/proc/x.db", []string{"/proc/x.db", "cannot open or create"}, "out of memory"},
		{"postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable", []string{"PostgreSQL at 127.0.0.1:1", `database "db"`, "connection refused"}, "hunter2"},
	} {
		for _, cmd := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"token", "create", "--email", "a@example.org", "--role", "secretariat"}} {
			var errOut bytes.Buffer
			err := run(context.Background(), cmd, mapEnv(map[string]string{"DATABASE_URL": tc.url}), &bytes.Buffer{}, &errOut)
			if err == nil {
				t.Fatalf("%v on %s: no error", cmd, tc.url)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%v on %s: %q does not say %q", cmd, tc.url, msg, w)
				}
			}
			if strings.Contains(msg, tc.forbidden) || strings.Contains(errOut.String(), tc.forbidden) || strings.Contains(msg, "\n") {
				t.Errorf("%v on %s: %q", cmd, tc.url, msg)
			}
			allJSON(t, errOut.String())
		}
	}
}

// TestLogsAreJSON: every line each command logs is a JSON object.
func TestLogsAreJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		env := mapEnv(map[string]string{"DATABASE_URL": db.URL, "SURVEY_LOG_LEVEL": "debug"})
		for _, args := range [][]string{{"migrate"}, {"token", "create", "--email", "new@example.org", "--role", "secretariat"}} {
			var errOut bytes.Buffer
			if err := run(context.Background(), args, env, &bytes.Buffer{}, &errOut); err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			if args[0] == "token" && !strings.Contains(errOut.String(), `"msg":"user created"`) {
				t.Fatalf("token create logged no user:\n%s", errOut.String())
			}
			allJSON(t, errOut.String())
		}
		var errOut bytes.Buffer
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve", "--addr", addr}, env, &bytes.Buffer{}, &errOut) }()
		waitReady(t, "http://"+addr)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), `"msg":"request"`) {
			t.Fatalf("serve logged no request:\n%s", errOut.String())
		}
		allJSON(t, errOut.String())
	})
}

func allJSON(t *testing.T, log string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var v map[string]any
		if line != "" && json.Unmarshal([]byte(line), &v) != nil {
			t.Errorf("a log line that is not JSON: %q", line)
		}
	}
}
