package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// lockedBuffer is a log destination that several goroutines may write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestQueryLogsHoldNoValues: what GORM logs of a failed query is a JSON line
// with the SQL and its placeholders, never the values, which may be answers.
func TestQueryLogsHoldNoValues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		var logs lockedBuffer
		s := db.Open(t, store.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		ctx := context.Background()
		m := survey.Member{Code: "dk", Name: "Secret-Name-Of-Punktum", Country: "DK", Membership: survey.MembershipFull, Active: true}
		if _, err := s.CreateMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateMember(ctx, m); survey.ErrorCode(err) != survey.Conflict {
			t.Fatalf("duplicate create: %v, want conflict", err)
		}
		// A query run by Scan, failing: its values stay out too.
		var n int
		if err := s.DB().QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := s.FailingScan(ctx, "Secret-Hash-Of-A-Token"); err == nil {
			t.Fatal("the failing scan did not fail")
		}
		out := logs.String()
		if !strings.Contains(out, "no_such_table") {
			t.Fatalf("the failed scan was not logged:\n%s", out)
		}
		if !strings.Contains(out, "INSERT INTO") {
			t.Fatalf("the failed insert was not logged:\n%s", out)
		}
		if strings.Contains(out, "Secret-Name-Of-Punktum") || strings.Contains(out, "Secret-Hash-Of-A-Token") {
			t.Fatalf("a value reached the log:\n%s", out)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if !json.Valid([]byte(line)) {
				t.Fatalf("not a JSON line: %s", line)
			}
		}
	})
}
