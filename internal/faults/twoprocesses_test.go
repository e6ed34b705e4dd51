package faults

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/mail/mailtest"
	"github.com/tldcouncil/surveyd/internal/survey"
	"github.com/tldcouncil/surveyd/internal/webhook"
)

// TestTwoProcessesOnOnePostgres runs two surveyd processes on one PostgreSQL
// database, as two API processes behind a load balancer, and has clients
// alternate between them: every read agrees with every write acknowledged
// before it, whichever process took the write; nothing either process keeps
// in memory makes the other's reads stale; the scheduler and the jobs, which
// both processes run, do each thing once.
//
// It runs on PostgreSQL only: SQLite is a file embedded in one process, and an
// installation of several processes is by nature one on PostgreSQL.
//
// What a process keeps in memory, and why none of it is in the way (checked
// with grep for sync.Map, sync.Once, map fields and caches in api, internal and
// cmd):
//   - the results cache is a table (decision 0024), stamped with the survey's
//     state, so a publication or an edit at one process retires it for both:
//     "caches";
//   - ETags are hashes of the body (or of what names the data), computed again
//     on every request, never remembered: a tag from A is worth the same at B;
//   - tokens, users, peer groups and sessions are read from the database on
//     every request: "caches" revokes, deactivates and edits on the other one;
//   - the throttles of failed authentications (api/throttle.go) and of sign-in
//     links (internal/web) count per process by design: they slow a failing
//     client down and never refuse a valid token, which "caches" checks on both;
//   - the store's ID generator is monotonic per process only: the order of a
//     response's history is checked with versions written by both processes;
//   - GORM prepares no statements of its own (PrepareStmt is off); pgx keeps a
//     cache of prepared statements per connection, which holds query plans,
//     never rows, so it cannot make a read stale. (A schema changed under it by
//     a newer version's migration can fail a cached statement once: a matter of
//     rolling upgrades, which two processes of one version do not exercise.)
func TestTwoProcessesOnOnePostgres(t *testing.T) {
	db := dbtest.Postgres(t)
	token := adminToken(t, db.URL)
	sqlDB := openDB(t, db.URL)
	smtp := mailtest.Start(t)
	hooks := startHookReceiver(t)
	members := addMembers(t, sqlDB, 6)

	// Both processes mail through the test's SMTP server, tick every second (the
	// default 30 s would not fit a test), remind an hour before a deadline, and
	// log at info, so that the editions they open can be counted in their logs.
	env := func(cmd *exec.Cmd) {
		cmd.Env = append(cmd.Env, "SURVEY_SMTP_HOST="+smtp.Host, "SURVEY_SMTP_PORT="+strconv.Itoa(smtp.Port),
			"SURVEY_SMTP_TLS=none", "SURVEY_MAIL_FROM=surveys@council.example", "SURVEY_TICK_EVERY=1s",
			"SURVEY_REMINDERS=1h", "SURVEY_LOG_LEVEL=info")
	}
	srvA, srvB := startServer(t, db.URL, env), startServer(t, db.URL, env)
	a, b := newClient(srvA.base, token), newClient(srvB.base, token)
	procs := [2]*client{a, b}

	// One respondent per member, made on alternate processes, and a webhook
	// told of every public event.
	respondents := map[string]string{} // member → address
	for i, m := range members {
		addr := "r-" + m + "@example.org"
		procs[i%2].must(t, "POST", "/v1/users", map[string]any{"email": addr, "name": "R " + m, "role": "respondent", "member": m}, 201, nil)
		respondents[m] = addr
	}
	var events []string
	for _, e := range survey.EventTypes() {
		events = append(events, string(e))
	}
	var hook struct{ Secret string }
	b.must(t, "POST", "/v1/webhooks", map[string]any{"url": hooks.url, "events": events}, 201, &hook)
	hooks.setSecret(hook.Secret)

	const questions = 3
	surveyID := numbersSurvey(t, a, questions)
	// The invitations go out before "caches" closes the survey: an invitation
	// to a survey closed meanwhile is not sent, by design.
	eventually(t, 15*time.Second, "the invitations to the survey mailed", func() bool {
		for _, addr := range respondents {
			if len(smtp.To(addr)) == 0 {
				return false
			}
		}
		return true
	})

	t.Run("writes", func(t *testing.T) {
		concurrentWrites(t, sqlDB, procs, surveyID, members[:4], questions)
	})
	t.Run("caches", func(t *testing.T) {
		caches(t, sqlDB, procs, surveyID, members)
	})
	t.Run("web sessions", func(t *testing.T) {
		webSessions(t, procs, respondents[members[0]], smtp)
	})
	t.Run("scheduler and jobs", func(t *testing.T) {
		schedulerAndJobs(t, sqlDB, [2]*server{srvA, srvB}, procs, members, respondents, smtp, hooks)
	})
}

// latest is, per member, the highest version acknowledged to any writer so far.
type latest struct {
	mu sync.Mutex
	v  map[string]int
}

func (l *latest) get(m string) int { l.mu.Lock(); defer l.mu.Unlock(); return l.v[m] }
func (l *latest) ack(m string, v int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.v[m] = max(l.v[m], v)
}

// concurrentWrites has two writers per member save its response, each
// alternating between the processes and both racing for the same versions
// with If-Match. After each acknowledged save, and after each 412, the writer
// reads from the other process, which must show that version or a later one,
// never an older one. At the end each version was acknowledged to exactly one
// writer, the database holds the last, and the history holds every version
// once, in order.
func concurrentWrites(t *testing.T, sqlDB *sql.DB, procs [2]*client, surveyID string, members []string, questions int) {
	const perWriter = 8 // acknowledged saves each writer makes
	seen := &latest{v: map[string]int{}}
	var mu sync.Mutex
	acked := map[string][]int{} // member → versions acknowledged, to any writer
	var bad []string
	var refused atomic.Int64 // saves that lost the race for a version: 412
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		bad = append(bad, fmt.Sprintf(format, args...))
	}
	path := func(m string) string { return "/v1/surveys/" + surveyID + "/responses/" + m }
	// read reads the member's response from c and checks it against what was
	// acknowledged before the read began.
	read := func(c *client, m string) (int, bool) {
		floor := seen.get(m)
		r := c.do(context.Background(), "GET", path(m), nil)
		if r.err != nil || r.status != 200 {
			fail("GET %s at %s: %s", m, c.base, r)
			return 0, false
		}
		v := answersOf(r, questions, fail)
		if v < floor {
			fail("GET %s at %s: version %d, but version %d had been acknowledged before the read", m, c.base, v, floor)
		}
		if tag := r.header.Get("ETag"); tag != fmt.Sprintf(`"%d"`, v) {
			fail("GET %s at %s: ETag %s for version %d", m, c.base, tag, v)
		}
		return v, true
	}
	var wg sync.WaitGroup
	for _, m := range members {
		for w := range 2 {
			wg.Go(func() {
				known, turn, acks := 0, w, 0
				for tries := 0; acks < perWriter && tries < 20*perWriter; tries++ {
					c, other := procs[turn%2], procs[(turn+1)%2]
					turn++
					next := known + 1
					r := c.do(context.Background(), "PATCH", path(m), map[string]any{"answers": sameAnswers(questions, next)},
						"If-Match", fmt.Sprintf(`"%d"`, known))
					switch {
					case r.err == nil && r.status == 200:
						if v := answersOf(r, questions, fail); v != next {
							fail("a save of version %d of %s answered version %d", next, m, v)
						}
						seen.ack(m, next)
						mu.Lock()
						acked[m] = append(acked[m], next)
						mu.Unlock()
						acks++
						if v, ok := read(other, m); ok {
							known = v
						}
					case r.err == nil && r.status == 412:
						refused.Add(1)
						// The other writer took the version: read where it is from the other process.
						if v, ok := read(other, m); ok {
							if v <= known {
								fail("a save of %s on version %d got 412, but the other process shows version %d", m, known, v)
							}
							known = v
						}
					default:
						fail("save of version %d of %s at %s: %s", next, m, c.base, r)
						return
					}
				}
				if acks < perWriter {
					fail("writer %d of %s got %d saves acknowledged, want %d", w, m, acks, perWriter)
				}
			})
		}
	}
	wg.Wait()
	for _, s := range bad {
		t.Error(s)
	}
	contended := 0
	for _, m := range members {
		vs := acked[m]
		slices.Sort(vs)
		for i, v := range vs {
			if v != i+1 {
				t.Fatalf("versions acknowledged for %s: %v, want each of 1..%d once: a lost update or a gap", m, vs, len(vs))
			}
		}
		last := len(vs)
		checkResponse(t, sqlDB, surveyID, m, questions, last, last)
		checkHistory(t, procs[0], surveyID, m, questions, last)
		contended += last
	}
	t.Logf("%d writers made %d versions of %d responses (%d saves lost the race, 412), every read from the other process at least as new",
		2*len(members), contended, len(members), refused.Load())
}

// answersOf returns the version of a response, checking that every answer
// equals it (sameAnswers wrote them so).
func answersOf(r reply, questions int, fail func(string, ...any)) int {
	var body struct {
		Version int
		Answers map[string]float64
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		fail("unreadable response %s: %v", r.body, err)
		return 0
	}
	if body.Version > 0 && len(body.Answers) != questions {
		fail("version %d has %d answers, want %d", body.Version, len(body.Answers), questions)
	}
	for k, v := range body.Answers {
		if int(v) != body.Version {
			fail("version %d has %s = %v", body.Version, k, v)
		}
	}
	return body.Version
}

// checkHistory reads the response's history page by page and checks that each
// question changed once per version, from the one before, oldest first.
func checkHistory(t *testing.T, c *client, surveyID, member string, questions, versions int) {
	t.Helper()
	byQuestion := map[string][]string{}
	cursor := ""
	for {
		var page struct {
			Items []struct {
				Kind     string
				Question *string
				Old      any `json:"old_value"`
				New      any `json:"new_value"`
			}
			NextCursor string `json:"next_cursor"`
		}
		path := "/v1/surveys/" + surveyID + "/responses/" + member + "/history?limit=50"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		c.must(t, "GET", path, nil, 200, &page)
		for _, e := range page.Items {
			if e.Question != nil {
				byQuestion[*e.Question] = append(byQuestion[*e.Question], fmt.Sprintf("%v→%v", e.Old, e.New))
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	want := make([]string, versions)
	for v := 1; v <= versions; v++ {
		old := any(nil)
		if v > 1 {
			old = float64(v - 1)
		}
		want[v-1] = fmt.Sprintf("%v→%v", old, float64(v))
	}
	if len(byQuestion) != questions {
		t.Errorf("history of %s names %d questions, want %d", member, len(byQuestion), questions)
	}
	for q, got := range byQuestion {
		if !slices.Equal(got, want) {
			t.Errorf("history of %s, %s: %v, want %v", member, q, got, want)
		}
	}
}

// results is what the cache checks read of results.
type results struct {
	Status      string
	Respondents int
}

// getResults reads the results of path from c and returns them with the ETag.
func getResults(t *testing.T, c *client, path string) (results, string) {
	t.Helper()
	r := c.do(context.Background(), "GET", path, nil)
	if r.err != nil || r.status != 200 {
		t.Fatalf("GET %s at %s: %s", path, c.base, r)
	}
	var out results
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	return out, r.header.Get("ETag")
}

// revalidate asks c for path with If-None-Match tag and returns the status.
func revalidate(t *testing.T, c *client, path, tag string) int {
	t.Helper()
	r := c.do(context.Background(), "GET", path, nil, "If-None-Match", tag)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.status
}

// as is a client of the same process with another token.
func as(c *client, token string) *client { return &client{base: c.base, token: token, http: c.http} }

// caches reads on A, changes on B what the read depends on, and reads on A
// again: A shows the change at once, and A's old ETag is no longer current at
// B. The members of the survey submitted nothing yet; the first four have
// answers from "writes".
func caches(t *testing.T, sqlDB *sql.DB, procs [2]*client, surveyID string, members []string) {
	a, b := procs[0], procs[1]
	results := "/v1/surveys/" + surveyID + "/results"
	submit := func(c *client, m string) {
		t.Helper()
		c.must(t, "POST", "/v1/surveys/"+surveyID+"/responses/"+m+"/submit", nil, 200, nil)
	}
	submit(a, members[0])
	submit(b, members[1])

	// Live results: a submission on B is in A's next read, and A's tag is stale at
	// B; so is A's tag of the raw answers' export, a digest of the responses.
	before, tag := getResults(t, a, results)
	export := "/v1/surveys/" + surveyID + "/answers/export?format=csv"
	exported := a.do(context.Background(), "GET", export, nil)
	if exported.err != nil || exported.status != 200 || exported.header.Get("ETag") == "" {
		t.Fatalf("the export at A: %s", exported)
	}
	if got := revalidate(t, b, export, exported.header.Get("ETag")); got != 304 {
		t.Errorf("A's ETag of the export at B, nothing changed: %d, want 304", got)
	}
	submit(b, members[2])
	if got := revalidate(t, b, export, exported.header.Get("ETag")); got != 200 {
		t.Errorf("A's ETag of the export from before the submission, at B: %d, want 200", got)
	}
	after, tagAfter := getResults(t, a, results)
	if before.Respondents != 2 || after.Respondents != 3 {
		t.Errorf("live results at A: %d respondents, then %d after a submission at B; want 2, then 3", before.Respondents, after.Respondents)
	}
	if got := revalidate(t, b, results, tag); got != 200 {
		t.Errorf("A's ETag from before the submission, at B: %d, want 200", got)
	}
	if got := revalidate(t, b, results, tagAfter); got != 304 {
		t.Errorf("A's current ETag at B: %d, want 304: the processes tag one body alike", got)
	}

	// A peer group edited at B filters A's next read.
	a.must(t, "POST", "/v1/peer-groups", map[string]any{"key": "twoproc", "name": "Two processes", "members": members[:1]}, 201, nil)
	grouped := results + "?peer_group=twoproc"
	g1, gtag := getResults(t, a, grouped)
	b.must(t, "PUT", "/v1/peer-groups/twoproc", map[string]any{"name": "Two processes", "members": members[:3]}, 200, nil)
	g2, _ := getResults(t, a, grouped)
	if g1.Respondents != 1 || g2.Respondents != 3 {
		t.Errorf("results of the peer group at A: %d respondents, then %d after B edited the group; want 1, then 3", g1.Respondents, g2.Respondents)
	}
	if got := revalidate(t, b, grouped, gtag); got != 200 {
		t.Errorf("A's ETag of the group's results from before the edit, at B: %d, want 200", got)
	}

	// A token revoked at B, and a user deactivated at B, are refused by A at once.
	viewer := func(m string) (id, token, tokenID string) {
		var u struct{ ID string }
		a.must(t, "POST", "/v1/users", map[string]any{"email": "v-" + m + "@example.org", "name": "V " + m, "role": "viewer", "member": m}, 201, &u)
		var tok struct{ ID, Secret string }
		b.must(t, "POST", "/v1/users/"+u.ID+"/tokens", map[string]any{"name": "script"}, 201, &tok)
		for _, c := range procs {
			as(c, tok.Secret).must(t, "GET", "/v1/me", nil, 200, nil)
		}
		return u.ID, tok.Secret, tok.ID
	}
	_, revoked, revokedID := viewer(members[4])
	b.must(t, "DELETE", "/v1/tokens/"+revokedID, nil, 204, nil)
	userID, deactivated, _ := viewer(members[5])
	b.must(t, "PATCH", "/v1/users/"+userID, map[string]any{"active": false}, 200, nil)
	for what, tok := range map[string]string{"revoked at B": revoked, "of a user deactivated at B": deactivated} {
		if r := as(a, tok).do(context.Background(), "GET", "/v1/me", nil); r.status != 401 {
			t.Errorf("a token %s, at A: %s, want 401", what, r)
		}
	}

	// A publication at B: A's next read is the published view, to the secretariat
	// and to a member's viewer who could read nothing before.
	_, member0, _ := viewer(members[0])
	a.must(t, "POST", "/v1/surveys/"+surveyID+"/close", nil, 200, nil)
	closed, ctag := getResults(t, a, results)
	if r := as(a, member0).do(context.Background(), "GET", results, nil); r.status != 403 {
		t.Errorf("a member's results of a closed survey, at A: %s, want 403", r)
	}
	b.must(t, "POST", "/v1/surveys/"+surveyID+"/publish", nil, 200, nil)
	published, _ := getResults(t, a, results)
	if closed.Status != "closed" || published.Status != "published" {
		t.Errorf("results at A: %s, then %s after B published; want closed, then published", closed.Status, published.Status)
	}
	if got := revalidate(t, b, results, ctag); got != 200 {
		t.Errorf("A's ETag of the closed survey's results, at B after the publication: %d, want 200", got)
	}
	// The member's view is computed by one process, kept in the database, and
	// served by the other alike.
	var tags []string
	for _, c := range []*client{a, b, a} {
		m, tag := getResults(t, as(c, member0), results)
		if m.Status != "published" || m.Respondents != 3 {
			t.Errorf("a member's results at %s after the publication: %+v, want published with 3 respondents", c.base, m)
		}
		tags = append(tags, tag)
	}
	if tags[0] != tags[1] || tags[1] != tags[2] {
		t.Errorf("a member's published results have the ETags %v at A, B and A: the processes disagree", tags)
	}
	if n := count(t, sqlDB, "SELECT COUNT(*) FROM results_cache WHERE survey_id = $1", surveyID); n == 0 {
		t.Errorf("no view of the published survey in the results cache")
	}
	// An edit at B of what the kept view was computed for (its title and its
	// threshold, which may be raised) is in A's next read of it, whatever B or A
	// kept.
	r := b.do(context.Background(), "PATCH", "/v1/surveys/"+surveyID, map[string]any{"title": "Faults, edited",
		"results_policy": map[string]any{"min_respondents": 6}})
	if r.err != nil || r.status != 200 {
		t.Fatalf("editing the published survey at B: %s", r)
	}
	var edited struct {
		Title         string
		ResultsPolicy struct {
			MinRespondents int `json:"min_respondents"`
		} `json:"results_policy"`
	}
	raw := as(a, member0).do(context.Background(), "GET", results, nil)
	if err := json.Unmarshal(raw.body, &edited); err != nil || raw.status != 200 {
		t.Fatalf("a member's results at A after the edit: %s", raw)
	}
	if edited.Title != "Faults, edited" || edited.ResultsPolicy.MinRespondents != 6 {
		t.Errorf("a member's results at A after B edited the survey: %q with k = %d, want %q with k = 6",
			edited.Title, edited.ResultsPolicy.MinRespondents, "Faults, edited")
	}
	if got := revalidate(t, as(b, member0), results, tags[0]); got != 200 {
		t.Errorf("A's ETag of the member's view from before the edit, at B: %d, want 200", got)
	}

	// The throttles of failed authentication are each process's own, and never
	// refuse a valid token: after enough failures at A to be throttled, the
	// secretariat's token still works at both.
	throttled := false
	for range 30 {
		r := as(a, "svd_"+strings.Repeat("0", 43)).do(context.Background(), "GET", "/v1/me", nil)
		throttled = throttled || r.status == 429
	}
	if !throttled {
		t.Errorf("30 failed authentications at A were never throttled")
	}
	for _, c := range procs {
		c.must(t, "GET", "/v1/me", nil, 200, nil)
	}
}

// eventually polls cond until it holds or within passes, then fails with what.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
	}
}

// schedulerAndJobs: with both processes running the scheduler and the job
// workers, a monthly series whose current period is due gets one edition, and
// every mail (invitations, reminders, receipts, results, the period's call)
// and every webhook delivery of the whole test arrives once.
func schedulerAndJobs(t *testing.T, sqlDB *sql.DB, srvs [2]*server, procs [2]*client, members []string,
	respondents map[string]string, smtp *mailtest.Server, hooks *hookReceiver) {
	a, b := procs[0], procs[1]

	// A survey due in an hour and five seconds: its reminder, an hour before the
	// deadline, falls due in five seconds.
	deadline := time.Now().Add(time.Hour + 5*time.Second).UTC().Truncate(time.Second)
	var reminded struct{ ID string }
	a.must(t, "POST", "/v1/surveys", map[string]any{"title": "Reminded", "deadline": deadline.Format(time.RFC3339),
		"sections": []map[string]any{{"key": "s", "title": "S", "questions": []map[string]any{{"key": "q", "type": "boolean", "prompt": "Q?"}}}}},
		201, &reminded)
	b.must(t, "POST", "/v1/surveys/"+reminded.ID+"/open", nil, 200, nil)

	// A monthly series opening on the 1st: this month's edition is due at once.
	b.must(t, "POST", "/v1/series", map[string]any{"key": "stats", "title": "Monthly statistics", "recurrence": "monthly",
		"open_day": 1, "deadline_days": 27, "template": map[string]any{"title": "Monthly statistics", "results_policy": map[string]any{"min_respondents": 3},
			"sections": []map[string]any{{"key": "counts", "title": "Counts", "questions": []map[string]any{
				{"key": "domains", "type": "integer", "prompt": "Domains under management", "required": true}}}}}}, 201, nil)
	period := time.Now().UTC().Format("2006-01")
	editions := func() int { return count(t, sqlDB, "SELECT COUNT(*) FROM surveys WHERE series_key = 'stats'") }
	ticks := func() int {
		return count(t, sqlDB, "SELECT COUNT(*) FROM jobs WHERE kind = 'tick' AND state = 'done'")
	}
	eventually(t, 10*time.Second, "the scheduler opened this month's edition", func() bool { return editions() > 0 })
	// Both processes go on ticking: a few more ticks must add nothing.
	done := ticks()
	eventually(t, 10*time.Second, "four more ticks", func() bool { return ticks() >= done+4 })
	if n := editions(); n != 1 {
		t.Fatalf("%d editions of the series, want 1", n)
	}
	opened := 0
	for _, s := range srvs {
		opened += strings.Count(s.log.String(), `"msg":"edition opened"`)
	}
	if opened != 1 {
		t.Errorf("the processes logged %d editions opened, want 1", opened)
	}
	var editionID string
	if err := sqlDB.QueryRow("SELECT id FROM surveys WHERE series_key = 'stats' AND period = $1", period).Scan(&editionID); err != nil {
		t.Fatalf("this month's edition, %s: %v", period, err)
	}

	// Live trends: a submission at B is in A's next trend, and A's tag is stale at B.
	trends := "/v1/series/stats/trends?question=domains"
	trendN := func(c *client) (int, string) {
		t.Helper()
		r := c.do(context.Background(), "GET", trends, nil)
		if r.err != nil || r.status != 200 {
			t.Fatalf("GET %s at %s: %s", trends, c.base, r)
		}
		var tr struct {
			Points []struct {
				Period string
				N      *int
			}
		}
		if err := json.Unmarshal(r.body, &tr); err != nil {
			t.Fatal(err)
		}
		for _, p := range tr.Points {
			if p.Period == period && p.N != nil {
				return *p.N, r.header.Get("ETag")
			}
		}
		return 0, r.header.Get("ETag")
	}
	report := func(c *client, m string, domains int) {
		t.Helper()
		path := "/v1/surveys/" + editionID + "/responses/" + m
		c.must(t, "PATCH", path, map[string]any{"answers": map[string]any{"domains": domains}}, 200, nil)
		c.must(t, "POST", path+"/submit", nil, 200, nil)
	}
	for i, m := range members[:3] {
		report(procs[i%2], m, 1000*(i+1))
	}
	before, tag := trendN(a)
	report(b, members[3], 4000)
	after, _ := trendN(a)
	if before != 3 || after != 4 {
		t.Errorf("trend of %s at A: n = %d, then %d after a submission at B; want 3, then 4", period, before, after)
	}
	if got := revalidate(t, b, trends, tag); got != 200 {
		t.Errorf("A's trend ETag from before the submission, at B: %d, want 200", got)
	}

	// Every mail arrives once. Wait for the queue to drain and the reminder to
	// be sent, then count what the SMTP server received, by recipient and subject.
	eventually(t, 20*time.Second, "the reminder, and no job left due", func() bool {
		return count(t, sqlDB, `SELECT COUNT(*) FROM jobs WHERE kind <> 'tick'
			AND (state = 'running' OR (state = 'pending' AND run_at <= now()))`) == 0 &&
			count(t, sqlDB, "SELECT COUNT(*) FROM jobs WHERE kind = 'reminder' AND state = 'done'") > 0
	})
	got := map[string]int{}
	for _, r := range smtp.Received() {
		for _, to := range r.To {
			got[to+": "+r.Subject]++
		}
	}
	for what, n := range got {
		if n != 1 {
			t.Errorf("%s: received %d times, want once", what, n)
		}
	}
	want := map[string][]string{}
	for _, m := range members {
		want[m] = []string{"New survey: Faults", "New survey: Reminded", "Results published: Faults",
			"Reminder: Reminded is due", "Monthly statistics for " + period + ": please report"}
	}
	for i, m := range members[:4] {
		if i < 3 {
			want[m] = append(want[m], "Received: Member "+m+"'s response to Faults")
		}
		want[m] = append(want[m], "Received: Member "+m+"'s response to Monthly statistics")
	}
	for m, subjects := range want {
		for _, s := range subjects {
			found := 0
			for what, n := range got {
				if strings.HasPrefix(what, respondents[m]+": "+s) {
					found += n
				}
			}
			if found != 1 {
				t.Errorf("%s got %d mails %q, want 1", respondents[m], found, s)
			}
		}
	}
	if n := count(t, sqlDB, "SELECT COUNT(*) FROM jobs WHERE state = 'failed'"); n != 0 {
		t.Errorf("%d jobs failed", n)
	}
	// One mail job done per mail received: none sent twice by two processes, or
	// by one after a lease ran out.
	if n := count(t, sqlDB, "SELECT COUNT(*) FROM jobs WHERE kind = 'mail' AND state = 'done'"); n != len(smtp.Received()) {
		t.Errorf("%d mail jobs done, and %d mails received", n, len(smtp.Received()))
	}

	// Every public event of the test reaches the webhook once.
	var wantEvents []string
	rows, err := sqlDB.Query("SELECT id FROM notifications WHERE type <> $1 ORDER BY id", string(survey.NotifyDeadlineMoved))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		wantEvents = append(wantEvents, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	eventually(t, 10*time.Second, "every event delivered to the webhook", func() bool { return len(hooks.received()) >= len(wantEvents) })
	gotEvents := hooks.received()
	for _, id := range wantEvents {
		if gotEvents[id] != 1 {
			t.Errorf("event %s reached the webhook %d times, want once", id, gotEvents[id])
		}
		delete(gotEvents, id)
	}
	for id, n := range gotEvents {
		t.Errorf("the webhook got %d times an event %s that is not one of the test's", n, id)
	}
	if bad := hooks.unsigned.Load(); bad != 0 {
		t.Errorf("%d deliveries without a valid signature", bad)
	}

	t.Logf("one edition of %s; %d mails to %d pairs of recipient and subject, each once; %d events delivered once each",
		period, len(smtp.Received()), len(got), len(wantEvents))
}

// hookReceiver is a webhook endpoint that counts the deliveries of each event
// by its webhook-id and checks their signatures.
type hookReceiver struct {
	url      string
	mu       sync.Mutex
	secret   string
	byID     map[string]int
	unsigned atomic.Int64
}

func startHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{byID: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if webhook.Verify(h.secret, r.Header, body, time.Now(), 5*time.Minute) != nil {
			h.unsigned.Add(1)
		}
		h.byID[r.Header.Get("webhook-id")]++
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/hook"
	return h
}

func (h *hookReceiver) setSecret(s string) { h.mu.Lock(); h.secret = s; h.mu.Unlock() }

func (h *hookReceiver) received() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.byID)
}

// browser posts forms and sends cookies as a browser would, without following
// redirects, to either process.
type browser struct {
	http    *http.Client
	cookies map[string]string
}

func (b *browser) do(t *testing.T, method, url string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return res.StatusCode, string(raw)
}

var (
	signInLink = regexp.MustCompile(`/signin/([A-Za-z0-9_-]+)`)
	csrfField  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// webSessions: a sign-in link asked for at A is spent at B, the session works
// at A, and signing out at B ends it at A at once. Sessions are rows, not
// process memory.
func webSessions(t *testing.T, procs [2]*client, email string, smtp *mailtest.Server) {
	a, b := procs[0].base, procs[1].base
	br := &browser{http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		cookies: map[string]string{}}
	if status, _ := br.do(t, "GET", a+"/tokens", nil); status != 401 {
		t.Fatalf("a page before signing in, at A: %d, want 401", status)
	}
	pre := br.cookies["surveyd_csrf"]
	if status, page := br.do(t, "POST", a+"/signin", url.Values{"email": {email}, "csrf": {pre}}); status != 200 {
		t.Fatalf("asking for a sign-in link at A: %d\n%s", status, page)
	}
	var secret string
	eventually(t, 10*time.Second, "the sign-in link mailed", func() bool {
		for _, m := range smtp.To(email) {
			if m.Subject == "Your sign-in link" {
				if found := signInLink.FindStringSubmatch(m.Text); found != nil {
					secret = found[1]
					return true
				}
			}
		}
		return false
	})
	if status, page := br.do(t, "POST", b+"/signin/"+secret, url.Values{"csrf": {pre}}); status != 303 || br.cookies["surveyd_session"] == "" {
		t.Fatalf("spending the link at B: %d, cookies %v\n%s", status, br.cookies, page)
	}
	status, page := br.do(t, "GET", a+"/tokens", nil)
	if status != 200 {
		t.Fatalf("a page with the session made at B, at A: %d", status)
	}
	token := csrfField.FindStringSubmatch(page)
	if token == nil {
		t.Fatalf("no form token on the page:\n%s", page)
	}
	session := br.cookies["surveyd_session"]
	if status, _ := br.do(t, "POST", b+"/signout", url.Values{"csrf": {token[1]}}); status != 303 {
		t.Fatalf("signing out at B: %d", status)
	}
	br.cookies["surveyd_session"] = session // a copy of the cookie, kept
	if status, _ := br.do(t, "GET", a+"/tokens", nil); status != 401 {
		t.Errorf("the session signed out at B, at A: %d, want 401", status)
	}
}
