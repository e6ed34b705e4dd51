package faults

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// killMidway sends a request made by next and kills the server with SIGKILL
// partway through it, and returns when it killed (after the request was sent)
// and the survey of the request it landed in.
//
// On PostgreSQL it kills as soon as the server has a transaction that has
// written something (a backend of the database with an xid) and not committed.
// On SQLite, where that cannot be seen from outside, it kills half of took after
// the request is sent. Either way, if the server answered first, it tries again
// with a new request, killing sooner (a quarter of took, then an eighth).
func killMidway(t *testing.T, db dbtest.Database, sqlDB *sql.DB, srv *server, c *client, took time.Duration,
	next func() (id, method, path string, body any)) (time.Duration, string) {
	t.Helper()
	for _, frac := range []time.Duration{2, 4, 8} {
		id, method, path, body := next()
		written := make(chan struct{})
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(written) }}
		done := make(chan reply, 1)
		go func() { done <- c.do(httptrace.WithClientTrace(context.Background(), trace), method, path, body) }()
		<-written
		sent := time.Now()
		if db.Name == "postgres" {
			for time.Since(sent) < took && !writing(t, sqlDB) {
			}
		} else {
			time.Sleep(took / frac)
		}
		select {
		case r := <-done:
			t.Logf("%s %s answered %d within %v: trying again, sooner", method, path, r.status, time.Since(sent))
			continue
		default:
		}
		after := time.Since(sent)
		srv.kill()
		if r := <-done; r.err == nil {
			t.Fatalf("%s %s answered %s although the server was killed", method, path, r)
		}
		return after, id
	}
	t.Fatalf("every request was answered before the kill")
	return 0, ""
}

// writing reports whether another connection to the PostgreSQL database is in a
// transaction that has written and not yet committed.
func writing(t *testing.T, sqlDB *sql.DB) bool {
	t.Helper()
	return count(t, sqlDB, `SELECT COUNT(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL`) > 0
}

// allOrNothing fails unless got is 0 or want, and says which.
func allOrNothing(t *testing.T, what string, got, want int) string {
	t.Helper()
	switch got {
	case 0:
		return "nothing"
	case want:
		return "all"
	}
	t.Errorf("%s: %d after the kill, want 0 or %d", what, got, want)
	return "part"
}

// TestKilledMidImportOrPublication kills the server with SIGKILL in the middle of
// a large CSV import, and then of a publication, on each database: afterwards
// the database holds all of the write or none of it, is sound, and the same
// request succeeds on a restarted server.
func TestKilledMidImportOrPublication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		token := adminToken(t, db.URL)
		sqlDB := openDB(t, db.URL)
		const questions, rows, groups = 5, 500, 30
		members := addMembers(t, sqlDB, rows)
		addPeerGroups(t, sqlDB, groups, members) // what a publication copies, groups × members rows
		srv := startServer(t, db.URL)
		c := newClient(srv.base, token)
		id := numbersSurvey(t, c, questions)
		upload := importCSV(members, questions, 3)

		// The import. A dry run does the same work and writes nothing: it tells
		// how long the real one takes, so that the kill lands in its middle.
		start := time.Now()
		c.must(t, "POST", "/v1/surveys/"+id+"/imports?dry_run=true", upload, 200, nil)
		importAfter, id := killMidway(t, db, sqlDB, srv, c, time.Since(start), func() (string, string, string, any) {
			id := numbersSurvey(t, c, questions)
			return id, "POST", "/v1/surveys/" + id + "/imports", upload
		})
		checkSound(t, db, sqlDB)
		importOutcome := allOrNothing(t, "responses of the import", count(t, sqlDB, "SELECT COUNT(*) FROM responses WHERE survey_id = $1", id), rows)
		allOrNothing(t, "answers of the import", count(t, sqlDB, "SELECT COUNT(*) FROM answers WHERE survey_id = $1", id), rows*questions)
		allOrNothing(t, "history of the import", count(t, sqlDB,
			"SELECT COUNT(*) FROM response_events e JOIN responses r ON r.id = e.response_id WHERE r.survey_id = $1", id), rows*questions)

		srv = startServer(t, db.URL)
		c = newClient(srv.base, token)
		c.must(t, "POST", "/v1/surveys/"+id+"/imports", upload, 200, nil)
		if n := count(t, sqlDB, "SELECT COUNT(*) FROM answers WHERE survey_id = $1 AND num_value = 3", id); n != rows*questions {
			t.Fatalf("the import again after the restart wrote %d answers, want %d", n, rows*questions)
		}

		// The publication, timed on the survey imported into, killed midway on others.
		c.must(t, "POST", "/v1/surveys/"+id+"/close", nil, 200, nil)
		start = time.Now()
		c.must(t, "POST", "/v1/surveys/"+id+"/publish", nil, 200, nil)
		publishAfter, id := killMidway(t, db, sqlDB, srv, c, time.Since(start), func() (string, string, string, any) {
			id := numbersSurvey(t, c, questions)
			c.must(t, "POST", "/v1/surveys/"+id+"/close", nil, 200, nil)
			return id, "POST", "/v1/surveys/" + id + "/publish", nil
		})
		checkSound(t, db, sqlDB)
		var status string
		if err := sqlDB.QueryRow("SELECT status FROM surveys WHERE id = $1", id).Scan(&status); err != nil {
			t.Fatal(err)
		}
		copied := count(t, sqlDB, "SELECT COUNT(*) FROM published_peer_groups WHERE survey_id = $1", id)
		recorded := count(t, sqlDB, "SELECT COUNT(*) FROM survey_transitions WHERE survey_id = $1 AND to_status = 'published'", id)
		publishOutcome := "part"
		switch {
		case status == "closed" && copied == 0 && recorded == 0:
			publishOutcome = "nothing"
		case status == "published" && copied == groups*rows && recorded == 1:
			publishOutcome = "all"
		default:
			t.Errorf("after a kill mid-publication: status %s, %d peer-group rows copied of %d, %d transitions recorded",
				status, copied, groups*rows, recorded)
		}

		srv = startServer(t, db.URL)
		c = newClient(srv.base, token)
		if publishOutcome == "nothing" {
			c.must(t, "POST", "/v1/surveys/"+id+"/publish", nil, 200, nil)
		}
		if n := count(t, sqlDB, "SELECT COUNT(*) FROM published_peer_groups WHERE survey_id = $1", id); n != groups*rows {
			t.Fatalf("published after the restart with %d peer-group rows, want %d", n, groups*rows)
		}
		t.Logf("killed %v into an import of %d rows: %s of it was kept; %v into a publication copying %d rows: %s",
			importAfter, rows, importOutcome, publishAfter, groups*rows, publishOutcome)
	})
}

// addPeerGroups makes n peer groups g1..gn, each of all the members.
func addPeerGroups(t testing.TB, db *sql.DB, n int, members []string) {
	t.Helper()
	now := time.Now().UTC()
	for g := 1; g <= n; g++ {
		key := fmt.Sprintf("g%d", g)
		if _, err := db.Exec("INSERT INTO peer_groups (key, name, description, created_at, updated_at) VALUES ($1, $2, '', $3, $4)",
			key, "Group "+key, now, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO peer_group_members (group_key, member_code) SELECT $1, code FROM members", key); err != nil {
			t.Fatal(err)
		}
	}
	if got := count(t, db, "SELECT COUNT(*) FROM peer_group_members"); got != n*len(members) {
		t.Fatalf("peer groups hold %d members, want %d", got, n*len(members))
	}
}

// checkSound checks the database after a crash: SQLite's integrity check, and
// that every answer belongs to a response of its survey.
func checkSound(t *testing.T, db dbtest.Database, sqlDB *sql.DB) {
	t.Helper()
	if db.Name == "sqlite" {
		checkIntegrity(t, sqlDB)
	}
	if n := count(t, sqlDB, `SELECT COUNT(*) FROM answers a LEFT JOIN responses r ON r.id = a.response_id
		WHERE r.id IS NULL OR r.survey_id <> a.survey_id`); n != 0 {
		t.Errorf("%d answers without their response", n)
	}
}

// checkIntegrity runs SQLite's PRAGMA integrity_check.
func checkIntegrity(t testing.TB, sqlDB *sql.DB) {
	t.Helper()
	rows, err := sqlDB.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if len(lines) != 1 || lines[0] != "ok" {
		t.Fatalf("PRAGMA integrity_check: %s", strings.Join(lines, "; "))
	}
}
