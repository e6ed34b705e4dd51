package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestTokenCreateThenServe is the way a real installation gets its first
// administrator: token create prints a token alone, and the server accepts it.
func TestTokenCreateThenServe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		env := map[string]string{"DATABASE_URL": db.URL}
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"token", "create", "--email", "a@example.org", "--role", "secretariat"}, mapEnv(env), &out, &errOut)
		if err != nil {
			t.Fatalf("token create: %v\n%s", err, errOut.String())
		}
		token := strings.TrimSpace(out.String())
		if strings.Count(out.String(), "\n") != 1 || !strings.HasPrefix(token, "tsv_") {
			t.Fatalf("token create printed %q, want the token alone on one line", out.String())
		}
		// Asking again for the same user with another role is refused, and prints nothing.
		out.Reset()
		err = run(context.Background(), []string{"token", "create", "--email", "A@example.org", "--role", "viewer", "--member", "dk"}, mapEnv(env), &out, &errOut)
		if err == nil || out.Len() != 0 {
			t.Fatalf("token create for an existing user with another role: err %v, printed %q", err, out.String())
		}

		addr := freeAddr(t)
		env["SURVEY_ADDR"] = addr
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx, nil, mapEnv(env), &bytes.Buffer{}, &bytes.Buffer{}) }()
		waitReady(t, "http://"+addr)

		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			User struct{ Email, Role string }
		}
		err = json.NewDecoder(res.Body).Decode(&me)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || me.User.Email != "a@example.org" || me.User.Role != "secretariat" {
			t.Fatalf("GET /v1/me: status %d, %+v, %v", res.StatusCode, me, err)
		}

		// The headers' limit is the server's: 431 beyond it, plain text from net/http.
		for _, tc := range []struct{ size, want int }{{16 << 10, 200}, {64 << 10, 431}} {
			req, _ := http.NewRequest("GET", "http://"+addr+"/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("X-Padding", strings.Repeat("p", tc.size))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("a header of %d bytes: status %d, want %d", tc.size, res.StatusCode, tc.want)
			}
		}

		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve after a signal: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the server did not stop")
		}
	})
}

func TestMigrateAndDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		env := mapEnv(map[string]string{"DATABASE_URL": db.URL})
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate"}, env, &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), "schema at version ") {
			t.Fatalf("migrate printed %q", out.String())
		}

		// The demo loads into the empty database and prints three tokens, once.
		for i, wantTokens := range []int{3, 0} {
			addr := freeAddr(t)
			ctx, cancel := context.WithCancel(context.Background())
			var demoOut bytes.Buffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"serve", "--demo", "--addr", addr}, env, &demoOut, &bytes.Buffer{})
			}()
			waitReady(t, "http://"+addr)
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(demoOut.String(), "tsv_"); got != wantTokens {
				t.Fatalf("start %d printed %d tokens, want %d:\n%s", i+1, got, wantTokens, demoOut.String())
			}
			// The second start says how to get a token again.
			hint := "token create --email secretariat@example.org --role secretariat"
			if again := strings.Contains(demoOut.String(), hint); again != (i == 1) {
				t.Fatalf("start %d: hint of token create shown %v:\n%s", i+1, again, demoOut.String())
			}
		}
	})
}

func TestBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"bogus"}, nil, "unknown command"},
		{[]string{"serve", "--log-level", "loud"}, nil, "log level"},
		{[]string{"serve"}, map[string]string{"SURVEY_DEMO": "maybe"}, "SURVEY_DEMO"},
		{[]string{"serve"}, map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{[]string{"token", "create", "--role", "secretariat"}, nil, "--email"},
		{[]string{"token", "list"}, nil, "subcommands are create"},
		{[]string{"token"}, nil, "subcommands are create"},
		{[]string{"serve", "--bogus"}, nil, "-bogus"},
		{[]string{"migrate", "extra"}, nil, "unexpected arguments"},
	} {
		err := run(context.Background(), tc.args, mapEnv(tc.env), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got %v, want an error about %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not become ready", base)
}
