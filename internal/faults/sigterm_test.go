package faults

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
)

// importCSV is an upload that sets q1..qn of every member to value.
func importCSV(members []string, questions, value int) []byte {
	var b strings.Builder
	b.WriteString("member")
	for q := 1; q <= questions; q++ {
		fmt.Fprintf(&b, ",q%d", q)
	}
	b.WriteString("\n")
	for _, m := range members {
		b.WriteString(m)
		for q := 1; q <= questions; q++ {
			fmt.Fprintf(&b, ",%d", value)
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// TestSIGTERMUnderLoad sends SIGTERM while writers save answers and a large
// import is in flight: the import and every request already received finish with
// their normal answer, a new connection is refused while they do, and the
// process exits 0, well within the 20 s it gives requests in flight.
func TestSIGTERMUnderLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		token := adminToken(t, db.URL)
		sqlDB := openDB(t, db.URL)
		const writers, questions, importRows = 4, 5, 300
		members := addMembers(t, sqlDB, importRows+writers)
		imported, own := members[:importRows], members[importRows:]
		srv := startServer(t, db.URL)
		c := newClient(srv.base, token)
		id := numbersSurvey(t, c, questions)

		// Writers: each saves its own member's answers, version after version.
		ctx, stopWriters := context.WithCancel(context.Background())
		defer stopWriters()
		acked := make([]int, writers) // the last version each writer was told was saved
		var wg sync.WaitGroup
		var mu sync.Mutex
		var bad []string
		var signalled time.Time // set before SIGTERM, read by writers after their requests fail
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for v := 1; ctx.Err() == nil; v++ {
					r := c.do(ctx, "PATCH", "/v1/surveys/"+id+"/responses/"+own[w], map[string]any{"answers": sameAnswers(questions, v)},
						"If-Match", fmt.Sprintf(`"%d"`, v-1))
					if r.err != nil {
						mu.Lock()
						if signalled.IsZero() {
							bad = append(bad, fmt.Sprintf("writer %d, version %d, before SIGTERM: %s", w, v, r))
						}
						mu.Unlock()
						return // the connection was closed: shutting down
					}
					if r.status != 200 {
						mu.Lock()
						bad = append(bad, fmt.Sprintf("writer %d, version %d: %s", w, v, r))
						mu.Unlock()
						return
					}
					acked[w] = v
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)

		// The import: SIGTERM goes once its body is sent and while it is handled.
		written := make(chan struct{})
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(written) }}
		importDone := make(chan reply, 1)
		go func() {
			ictx := httptrace.WithClientTrace(context.Background(), trace)
			importDone <- c.do(ictx, "POST", "/v1/surveys/"+id+"/imports", importCSV(imported, questions, 0)) // writers write 1, 2, …: never 0
		}()
		<-written
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		signalled = time.Now()
		mu.Unlock()
		if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}

		// While the import is still being handled, a new connection is refused.
		refused := false
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !refused; time.Sleep(5 * time.Millisecond) {
			conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.base, "http://"), time.Second)
			if err == nil {
				conn.Close()
				continue
			}
			// Reset: the dial was in the backlog of the listener as it closed.
			if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("dialling during shutdown: %v, want the connection refused", err)
			}
			refused = true
		}
		select {
		case r := <-importDone:
			t.Fatalf("the import finished (%s) before new connections were refused: it was not in flight", r)
		default:
		}
		if !refused {
			t.Fatal("new connections were still accepted 5 s after SIGTERM")
		}

		r := <-importDone
		finished := time.Since(signalled)
		if r.err != nil || r.status != 200 {
			t.Fatalf("the import in flight at SIGTERM: %s", r)
		}
		var res struct{ Rows, Changed int }
		if err := json.Unmarshal(r.body, &res); err != nil || res.Rows != len(imported) || res.Changed != len(imported) {
			t.Fatalf("the import in flight at SIGTERM answered %s", r.body)
		}
		code, err := srv.wait(25 * time.Second)
		exited := time.Since(signalled)
		if err != nil || code != 0 {
			t.Fatalf("exit after SIGTERM: code %d, %v\n%s", code, err, srv.log.String())
		}
		stopWriters()
		wg.Wait()
		if len(bad) > 0 {
			t.Fatalf("requests in flight at SIGTERM did not finish normally:\n%s", strings.Join(bad, "\n"))
		}
		t.Logf("import answered %v after SIGTERM, process exited 0 after %v; writers acknowledged versions %v",
			finished.Round(time.Millisecond), exited.Round(time.Millisecond), acked)

		// Everything acknowledged is in the database: the whole import, every save.
		if n := count(t, sqlDB, "SELECT COUNT(*) FROM answers WHERE survey_id = $1 AND num_value = 0", id); n != len(imported)*questions {
			t.Errorf("the import wrote %d answers, want %d", n, len(imported)*questions)
		}
		// Exactly what was acknowledged: a save that got no answer was never
		// handled, since the server finishes every request it has read.
		for w, m := range own {
			checkResponse(t, sqlDB, id, m, questions, acked[w], acked[w])
		}
	})
}

// sameAnswers gives q1..qn the value v: a response whose answers all equal its
// version is one whose saves were never half-written.
func sameAnswers(questions, v int) map[string]any {
	a := make(map[string]any, questions)
	for i := 1; i <= questions; i++ {
		a[fmt.Sprintf("q%d", i)] = v
	}
	return a
}
