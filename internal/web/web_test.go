package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
	"github.com/tldcouncil/surveyd/internal/web"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// questionnaire has a condition: "since" is asked only of those who sign.
const questionnaire = `{"title":"DNSSEC 2026","edition":"2026","deadline":"2099-01-01T00:00:00Z",
"results_policy":{"visibility":"anonymous","min_respondents":1,"respondents_only":true},
"sections":[{"key":"main","title":"DNSSEC","questions":[
{"key":"signed","type":"boolean","prompt":"Is your zone signed?","required":true},
{"key":"since","type":"integer","prompt":"Signed since which year?","required":true,"constraints":{"min":1995,"max":2026},"condition":{"question":"signed","operator":"equals","value":true}},
{"key":"algorithm","type":"single_choice","prompt":"Algorithm","options":[{"key":"rsa","label":"RSA"},{"key":"ecdsa","label":"ECDSA"}]}]}]}`

// site is the web app and the API on a fresh database, with a secretariat token.
type site struct {
	t     *testing.T
	srv   *httptest.Server
	store *store.Store
	admin string // the secretariat's API token
	clock *time.Time
}

func newSite(t *testing.T, db dbtest.Database) *site {
	t.Helper()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	s := &site{t: t, clock: &now}
	clk := func() time.Time { return *s.clock }
	s.store = db.Open(t, store.Options{Now: clk})
	h, err := web.New(web.Config{Store: s.store, Now: clk, API: api.New(api.Config{Store: s.store, Now: clk})})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	ctx := context.Background()
	for _, code := range []string{"dk", "se"} {
		if _, err := s.store.CreateMember(ctx, survey.Member{Code: code, Name: "Registry " + code, Country: strings.ToUpper(code), Membership: survey.MembershipFull, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	users := []survey.User{
		{Email: "admin@example.org", Name: "Admin", Role: survey.RoleSecretariat},
		{Email: "alice@dk.example.org", Name: "Alice", Role: survey.RoleRespondent, Member: "dk"},
		{Email: "bob@dk.example.org", Name: "Bob", Role: survey.RoleRespondent, Member: "dk"},
		{Email: "sven@se.example.org", Name: "Sven", Role: survey.RoleRespondent, Member: "se"},
	}
	for _, u := range users {
		made, err := s.store.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role == survey.RoleSecretariat {
			if _, s.admin, err = s.store.CreateToken(ctx, made.ID, "test", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

// apiCall calls the API with the secretariat's token.
func (s *site) apiCall(method, path, body string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.admin)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// openSurvey creates the questionnaire and opens it.
func (s *site) openSurvey() string {
	s.t.Helper()
	code, body := s.apiCall("POST", "/v1/surveys", questionnaire)
	if code != 201 {
		s.t.Fatalf("create survey: %d %s", code, body)
	}
	var sv struct{ ID string }
	_ = json.Unmarshal(body, &sv)
	if code, body := s.apiCall("POST", "/v1/surveys/"+sv.ID+"/open", ""); code != 200 {
		s.t.Fatalf("open: %d %s", code, body)
	}
	return sv.ID
}

// openPeriod creates the series of doc (key monthly-stats) and opens its
// edition of 2026-10, returning the edition's id.
func (s *site) openPeriod(doc string) string {
	s.t.Helper()
	if code, body := s.apiCall("POST", "/v1/series", doc); code != 201 {
		s.t.Fatalf("series: %d %s", code, body)
	}
	code, body := s.apiCall("POST", "/v1/series/monthly-stats/editions", `{"period":"2026-10"}`)
	if code != 201 {
		s.t.Fatalf("edition: %d %s", code, body)
	}
	var ed struct{ ID string }
	_ = json.Unmarshal(body, &ed)
	return ed.ID
}

// browser is a person's browser: a cookie jar, and the last page.
type browser struct {
	s      *site
	c      *http.Client
	page   string
	status int
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, c: &http.Client{Jar: jar}}
}

func (b *browser) do(req *http.Request) *browser {
	b.s.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.page, b.status = string(body), res.StatusCode
	return b
}

func (b *browser) get(path string) *browser {
	req, _ := http.NewRequest("GET", b.s.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as a browser of this site would, with the page's CSRF token
// unless the form sets csrf itself.
func (b *browser) post(path string, form url.Values, header ...string) *browser {
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf())
	}
	req, _ := http.NewRequest("POST", b.s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.s.srv.URL)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf() string {
	m := csrfField.FindStringSubmatch(b.page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func (b *browser) want(status int, texts ...string) {
	b.s.t.Helper()
	if b.status != status {
		b.s.t.Fatalf("status %d, want %d; page:\n%s", b.status, status, b.page)
	}
	for _, text := range texts {
		if !strings.Contains(html.UnescapeString(b.page), text) {
			b.s.t.Fatalf("the page lacks %q:\n%s", text, b.page)
		}
	}
}

// lastLink returns the sign-in link of the newest sign-in mail job to the user.
func (s *site) lastLink(email string) string {
	s.t.Helper()
	js, _, err := s.store.Jobs(context.Background(), store.JobFilter{Kind: jobs.KindMail}, store.Page{Limit: 100})
	if err != nil {
		s.t.Fatal(err)
	}
	link := ""
	for _, j := range js {
		var m survey.Mail
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			s.t.Fatal(err)
		}
		if m.Kind == survey.MailSignIn && m.To == email {
			link = m.Data.Link // the newest: Jobs lists newest first
			break
		}
	}
	if link == "" {
		s.t.Fatalf("no sign-in mail to %s", email)
	}
	return strings.TrimPrefix(link, s.srv.URL)
}

// signIn asks for a link, opens it and confirms.
func (s *site) signIn(email string) *browser {
	s.t.Helper()
	b := s.browser()
	b.get("/").want(200, "Sign in")
	b.post("/signin", url.Values{"email": {email}}).want(200, "a sign-in link is on its way")
	link := s.lastLink(email)
	b.get(link).want(200, "Press the button")
	b.post(link, url.Values{}).want(200)
	return b
}

func TestSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		b := s.browser()
		b.get("/").want(200, "Your e-mail address")
		// The answer is the same whether the address exists or not.
		b.post("/signin", url.Values{"email": {"nobody@example.org"}}).want(200, "If an account has the address", "nobody@example.org", "a sign-in link is on its way")
		unknown := strings.ReplaceAll(b.page, "nobody@example.org", "X")
		b.post("/signin", url.Values{"email": {"alice@dk.example.org"}}).want(200)
		if known := strings.ReplaceAll(b.page, "alice@dk.example.org", "X"); known != unknown {
			t.Errorf("the page for a known address differs from an unknown one's")
		}
		link := s.lastLink("alice@dk.example.org")
		// Without the form's token nothing happens.
		b.post(link, url.Values{"csrf": {"forged"}}).want(403, "security token")
		b.get(link).post(link, url.Values{}).want(200, "Your surveys")
		// A link works once, in any browser.
		other := s.browser()
		other.get(link).post(link, url.Values{}).want(401, "This sign-in link cannot be used")
		other.get("/tokens").want(401, "Your e-mail address")

		// Tokens: mint one and use it on the API, then revoke it.
		b.get("/tokens").post("/tokens", url.Values{"name": {"my script"}}).want(200, "shown this once")
		secret := regexp.MustCompile(`<code id="new-token">([^<]+)</code>`).FindStringSubmatch(b.page)[1]
		req, _ := http.NewRequest("GET", s.srv.URL+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
			t.Fatalf("the minted token does not work: %v %v", err, res)
		}
		id := regexp.MustCompile(`/tokens/([^/]+)/revoke`).FindStringSubmatch(b.page)[1]
		b.post("/tokens/"+id+"/revoke", url.Values{}).want(200, "revoked")
		if res, _ := http.DefaultClient.Do(req); res.StatusCode != 401 {
			t.Fatalf("a revoked token still works: %d", res.StatusCode)
		}

		// A form from another origin, or without the token: 403, nothing made.
		b.get("/tokens")
		b.post("/tokens", url.Values{"name": {"evil"}}, "Origin", "https://evil.example").want(403, "another site")
		b.post("/tokens", url.Values{"name": {"evil"}}, "Sec-Fetch-Site", "cross-site").want(403)
		b.post("/tokens", url.Values{"name": {"evil"}, "csrf": {""}}).want(403, "security token")
		if b.get("/tokens"); strings.Contains(b.page, "evil") {
			t.Fatal("a refused form made a token")
		}

		// Sign-out ends the session for good, even for a copy of the cookie.
		u, _ := url.Parse(s.srv.URL)
		cookies := b.c.Jar.Cookies(u)
		b.post("/signout", url.Values{}).want(200, "Your e-mail address")
		thief := s.browser()
		thief.c.Jar.SetCookies(u, cookies)
		thief.get("/tokens").want(401, "Your e-mail address")

		// A deactivated user's session ends at its next request.
		c := s.signIn("bob@dk.example.org")
		c.get("/tokens").want(200, "Your API tokens")
		users, _, _ := s.store.Users(context.Background(), store.UserFilter{Member: "dk"}, store.Page{Limit: 10})
		off := false
		for _, u := range users {
			if u.Email == "bob@dk.example.org" {
				if _, err := s.store.UpdateUser(context.Background(), u.ID, survey.UserUpdate{Active: &off}); err != nil {
					t.Fatal(err)
				}
			}
		}
		c.get("/tokens").want(401, "Your e-mail address")

		// An expired link: a clear page, no session.
		d := s.browser()
		d.get("/").post("/signin", url.Values{"email": {"sven@se.example.org"}})
		link = s.lastLink("sven@se.example.org")
		*s.clock = s.clock.Add(16 * time.Minute)
		d.get(link).post(link, url.Values{}).want(401, "This sign-in link cannot be used")

		// Throttled per address, with the same words whether or not it exists.
		e := s.browser()
		e.get("/")
		for range 3 {
			e.post("/signin", url.Values{"email": {"sven@se.example.org"}}).want(200)
		}
		e.post("/signin", url.Values{"email": {"sven@se.example.org"}}).want(429, "Too many sign-in requests")
	})
}

func TestAnswerAndResults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		id := s.openSurvey()
		page := "/surveys/" + id + "/responses/dk"
		alice := s.signIn("alice@dk.example.org")
		alice.want(200, "Needs you now", "DNSSEC 2026")
		alice.get(page).want(200, "Is your zone signed?", "Still needed")
		if strings.Contains(alice.page, "Signed since which year?") {
			t.Fatal("a question hidden by its condition is shown")
		}
		version := func(b *browser) string {
			return regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(b.page)[1]
		}
		save := func(b *browser, action string, answers map[string]string) *browser {
			f := url.Values{"version": {version(b)}, "action": {action}}
			for k, v := range answers {
				f.Add("q", k)
				f.Add("a."+k, v)
			}
			return b.post(page, f)
		}
		// Signing shows the question that depends on it (the server decides).
		save(alice, "save", map[string]string{"signed": "true"}).want(200, "Your draft was saved", "Signed since which year?")
		// A value the API refuses is explained next to its field, in the API's words.
		save(alice, "save", map[string]string{"since": "1990"}).want(422, "some answers do not fit", `since must be at least 1995`)
		// Submitting with a required answer missing lists what blocks it.
		save(alice, "submit", map[string]string{}).want(422, "What blocks submission", "since")

		// A colleague saves meanwhile: Alice's stale save shows both versions.
		bob := s.signIn("bob@dk.example.org")
		bob.get(page)
		save(bob, "save", map[string]string{"algorithm": "rsa"}).want(200, "Your draft was saved")
		save(alice, "save", map[string]string{"algorithm": "ecdsa"}).want(409, "A colleague changed this response", "ecdsa", "rsa")
		alice.post(page, url.Values{"version": {version(alice)}, "action": {"save"}, "q": {"algorithm"}, "a.algorithm": {"ecdsa"}}).want(200, "Your draft was saved")
		// Without the CSRF token: 403, nothing written.
		before := version(alice)
		alice.post(page, url.Values{"csrf": {"nope"}, "version": {before}, "action": {"save"}, "q": {"since"}, "a.since": {"2010"}}).want(403)
		alice.get(page)
		if version(alice) != before {
			t.Fatal("a form without its token changed the response")
		}
		save(alice, "submit", map[string]string{"since": "2010"}).want(200, "Your response was submitted", "submitted")
		// Withdraw and submit again, until the deadline.
		alice.post(page, url.Values{"version": {version(alice)}, "action": {"withdraw"}}).want(200, "Your response was withdrawn", "draft")
		save(alice, "submit", map[string]string{}).want(200, "Your response was submitted")
		alice.get(page+"/history").want(200, "History of the response of dk", "since", "algorithm", "ecdsa")

		// Another member's response: the API's own refusal.
		sven := s.signIn("sven@se.example.org")
		_, apiBody := s.apiCall("GET", "/v1/surveys/"+id, "")
		_ = apiBody
		sven.get(page).want(403, "this is the response of member dk; you may see only your own member's")
		// Results before publication are refused as the API refuses them.
		alice.get("/surveys/" + id + "/results")
		if alice.status == 200 {
			t.Fatal("a member reads results before publication")
		}

		// The secretariat sees progress, closes and publishes.
		admin := s.signIn("admin@example.org")
		admin.get("/surveys/"+id).want(200, "1 submitted", "0 in draft", "1 not started")
		admin.post("/surveys/"+id+"/lifecycle", url.Values{"to": {"close"}}).want(200, "now closed")
		admin.post("/surveys/"+id+"/lifecycle", url.Values{"to": {"publish"}}).want(200, "now published")
		sven.get(page).want(403)

		alice.get("/surveys/"+id+"/results").want(200, "Results: DNSSEC 2026", "1 members submitted", "Your answer:")
		chart := alice.get("/surveys/" + id + "/results/charts/algorithm")
		if chart.status != 200 || !strings.Contains(chart.page, "<svg") {
			t.Fatalf("chart: %d %.200s", chart.status, chart.page)
		}
		alice.get("/surveys/"+id+"/results/export?format=csv").want(200, "algorithm")
	})
}

func TestHeaders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		res, err := http.Get(s.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Content-Security-Policy"); got != web.CSP {
			t.Errorf("CSP %q", got)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
		}
		for _, c := range res.Cookies() {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %s is not HttpOnly and SameSite=Lax", c.Name)
			}
		}
		res, err = http.Get(s.srv.URL + "/assets/htmx.min.js")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("htmx: %v %v", err, res)
		}
		res.Body.Close()
		// The API keeps its own policy.
		res, _ = http.Get(s.srv.URL + "/v1/me")
		res.Body.Close()
		if res.StatusCode != 401 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("API: %d %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
	})
}

const monthlyStats = `{"key": "monthly-stats", "title": "Monthly statistics", "recurrence": "monthly", "open_day": 1, "deadline_days": 20,
  "template": {"title": "Monthly statistics", "results_policy": {"min_respondents": 1},
    "sections": [{"key": "counts", "title": "Counts", "questions": [
      {"key": "domains", "type": "integer", "prompt": "Domains under management", "required": true, "constraints": {"min": 0}}]}]}}`

func TestMonthlyStatistics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		edition := s.openPeriod(monthlyStats)
		b := s.signIn("alice@dk.example.org")
		b.want(200, "Needs you now", "series and trends")
		b.get("/series/monthly-stats").want(200, "Monthly statistics", "Enter the figures of 2026-10", "Domains under management")
		b.get("/surveys/"+edition+"/responses/dk").want(200, "Domains under management")
		v := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(b.page)[1]
		b.post("/surveys/"+edition+"/responses/dk", url.Values{"version": {v}, "action": {"submit"}, "q": {"domains"}, "a.domains": {"1320000"}}).
			want(200, "Your response was submitted")
		chart := b.get("/series/monthly-stats/charts/domains")
		if chart.status != 200 || !strings.Contains(chart.page, "<svg") {
			t.Fatalf("trend chart: %d %.300s", chart.status, chart.page)
		}
		// Against a peer group: the page offers the groups and asks for the
		// group's chart; a group that does not exist gets the API's refusal.
		if code, body := s.apiCall("POST", "/v1/peer-groups", `{"key":"nordics","name":"Nordics","members":["dk","se"]}`); code != 201 {
			t.Fatalf("peer group: %d %s", code, body)
		}
		b.get("/series/monthly-stats?peer_group=nordics").want(200, `<option value="nordics" selected>peer group nordics</option>`,
			`/series/monthly-stats/charts/domains?peer_group=nordics`, "as it was when each month was published")
		if chart := b.get("/series/monthly-stats/charts/domains?peer_group=nordics"); chart.status != 200 || !strings.Contains(chart.page, "<svg") {
			t.Fatalf("trend chart against a group: %d %.300s", chart.status, chart.page)
		}
		b.get("/series/monthly-stats/charts/domains?peer_group=atlantis").want(404, "atlantis")
	})
}

func TestAdministration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		admin := s.signIn("admin@example.org")
		admin.get("/admin/members").want(200, "Members", "Registry dk")
		admin.get("/admin").want(200, "Administration", "alice@dk.example.org")
		admin.post("/admin/users", url.Values{"email": {"not an address"}, "role": {"respondent"}, "member": {"se"}}).want(422, "email")
		admin.get("/admin").post("/admin/users", url.Values{"email": {"carol@se.example.org"}, "name": {"Carol"}, "role": {"respondent"}, "member": {"se"}}).
			want(200, "The user was made", "carol@se.example.org")
		// The change is in the audit trail under the signed-in person, as through a token.
		made, _, err := s.store.Audit(context.Background(), store.AuditFilter{ObjectType: "user"}, store.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		audited := false
		for _, e := range made {
			if strings.Contains(string(e.After), "carol@se.example.org") {
				audited = e.Actor != "system" && e.Actor != "" && e.RequestID != ""
				if !audited {
					t.Errorf("carol's creation is audited as actor %q, request %q", e.Actor, e.RequestID)
				}
			}
		}
		if !audited {
			t.Fatalf("carol's creation through the page is not in the audit trail: %+v", made)
		}
		carol := s.signIn("carol@se.example.org")
		carol.get("/admin").want(403, "only the secretariat")
		var id []string
		for _, row := range strings.Split(admin.page, "<tr>") {
			if strings.Contains(row, "Deactivate carol@se.example.org") {
				id = regexp.MustCompile(`/admin/users/([^/"]+)/active`).FindStringSubmatch(row)
			}
		}
		if id == nil {
			t.Fatalf("no deactivate button for carol:\n%s", admin.page)
		}
		admin.post("/admin/users/"+id[1]+"/active", url.Values{"active": {"false"}}).want(200, "Administration")
		carol.get("/tokens").want(401, "Your e-mail address")
	})
}
