package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/mail"
	"github.com/tldcouncil/surveyd/internal/store"
)

// redirected posts a form with the page's CSRF token and checks that the
// browser was sent (303) to a page that shows texts.
func (b *browser) redirected(path string, form url.Values, texts ...string) {
	b.s.t.Helper()
	form.Set("csrf", b.csrf())
	req, _ := http.NewRequest("POST", b.s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.s.srv.URL)
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := b.c.Do(req)
	b.c.CheckRedirect = nil
	if err != nil {
		b.s.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.s.t.Fatalf("POST %s: status %d, want 303; page:\n%s", path, res.StatusCode, body)
	}
	b.get(res.Header.Get("Location")).want(200, texts...)
}

// userID is the id of the user with the address, from the store.
func (s *site) userID(email string) string {
	s.t.Helper()
	users, _, err := s.store.Users(context.Background(), store.UserFilter{}, store.Page{Limit: 200})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email {
			return u.ID
		}
	}
	s.t.Fatalf("no user %s", email)
	return ""
}

// fieldError reports whether the page shows reason as the error of the input
// with the id, tied to it for screen readers.
func fieldError(page, id, reason string) bool {
	re := regexp.MustCompile(`id="` + id + `"[^>]*aria-invalid="true" aria-describedby="` + id + `-error"`)
	shown := regexp.MustCompile(`<p class="error" id="` + id + `-error">[^<]*` + regexp.QuoteMeta(reason))
	return re.MatchString(page) && shown.MatchString(strings.ReplaceAll(page, "&#39;", "'"))
}

func TestAdminMembersAndUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		admin := s.signIn("admin@example.org")
		admin.get("/admin/members").want(200, "Add a member", "Registry dk")
		admin.redirected("/admin/members", url.Values{"code": {"no"}, "name": {"Norid"}, "country": {"no"}, "membership": {"associate"}, "active": {"true"}},
			"The member was added.", "Norid")
		// A bad value: the API's reason next to its field, what was typed kept.
		admin.post("/admin/members", url.Values{"code": {"fi"}, "name": {"Traficom"}, "country": {"XX"}, "membership": {"full"}}).want(422, "Traficom")
		if !fieldError(admin.page, "m-country", "") {
			t.Fatalf("the country's error is not next to it:\n%s", admin.page)
		}
		admin.post("/admin/members", url.Values{"code": {"no"}, "name": {"Again"}, "country": {"NO"}, "membership": {"full"}}).want(409)
		admin.get("/admin/members/no").want(200, "Norid", "Suspend no")
		admin.redirected("/admin/members/no", url.Values{"name": {"Norid AS"}, "country": {"NO"}, "membership": {"full"}}, "The member was changed.", "Norid AS")
		if _, body := s.apiCall("GET", "/v1/members/no", ""); !strings.Contains(string(body), `"membership":"full"`) {
			t.Fatalf("the change is not in the API: %s", body)
		}
		admin.get("/admin/members/no")
		admin.redirected("/admin/members/no/active", url.Values{"active": {"false"}}, "The member was suspended")
		admin.get("/admin/members/no").want(200, "Reactivate no")
		admin.redirected("/admin/members/no/active", url.Values{"active": {"true"}}, "The member was reactivated.")

		// A user's name, role and member.
		sven := s.userID("sven@se.example.org")
		admin.get("/admin/users/"+sven).want(200, "sven@se.example.org", `value="Sven"`)
		admin.redirected("/admin/users/"+sven, url.Values{"name": {"Sven S"}, "role": {"viewer"}, "member": {"no"}}, "The user was changed.", "Sven S")
		if _, body := s.apiCall("GET", "/v1/users/"+sven, ""); !strings.Contains(string(body), `"role":"viewer"`) || !strings.Contains(string(body), `"member":"no"`) {
			t.Fatalf("the user's change is not in the API: %s", body)
		}
		admin.get("/admin/users/"+sven).post("/admin/users/"+sven, url.Values{"name": {"Sven"}, "role": {"respondent"}, "member": {""}}).want(422)
		if !fieldError(admin.page, "u-member", "top-level domain label") {
			t.Fatalf("the member's error is not next to it:\n%s", admin.page)
		}
		admin.get("/admin")
		admin.redirected("/admin/users/"+sven+"/active", url.Values{"active": {"false"}}, "The user was deactivated", "Activate sven@se.example.org")
		admin.redirected("/admin/users/"+sven+"/active", url.Values{"active": {"true"}}, "The user was activated", "Deactivate sven@se.example.org")

		// A member's user: the API's refusal, nothing changed.
		alice := s.signIn("alice@dk.example.org")
		alice.get("/admin/members").want(403, "only the secretariat")
		alice.post("/admin/members", url.Values{"code": {"is"}, "name": {"ISNIC"}, "country": {"IS"}, "membership": {"full"}}).want(403, "only the secretariat may do this")
		alice.post("/admin/members/dk", url.Values{"name": {"Mine"}, "country": {"DK"}, "membership": {"full"}}).want(403, "only the secretariat may do this")
		alice.post("/admin/users/"+sven, url.Values{"name": {"X"}, "role": {"respondent"}, "member": {"dk"}}).want(403)
		if code, _ := s.apiCall("GET", "/v1/members/is", ""); code != 404 {
			t.Fatalf("a member's user added a member: %d", code)
		}
		// Without the form's token: 403, nothing made.
		admin.get("/admin/members").post("/admin/members", url.Values{"csrf": {""}, "code": {"is"}, "name": {"ISNIC"}, "country": {"IS"}, "membership": {"full"}}).
			want(403, "security token")
		if code, _ := s.apiCall("GET", "/v1/members/is", ""); code != 404 {
			t.Fatalf("a form without its token added a member: %d", code)
		}
	})
}

func TestAdminPeerGroups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		for i := range 8 {
			if code, body := s.apiCall("POST", "/v1/members", fmt.Sprintf(`{"code":"m%d","name":"Member %d","country":"DE","membership":"full"}`, i, i)); code != 201 {
				t.Fatalf("member: %d %s", code, body)
			}
		}
		admin := s.signIn("admin@example.org")
		admin.get("/admin/peer-groups").want(200, "Make a peer group", "No peer group yet")
		// Five by the boxes and the codes typed: the other five are a piece as big; no warning.
		admin.redirected("/admin/peer-groups", url.Values{"key": {"big"}, "name": {"Big five"}, "member": {"dk", "se", "m0"}, "codes": {"m1, m2\nm2"}},
			"The peer group was made.", "5 members: dk m0 m1 m2 se")
		// A code of no member: the API's reason next to the members.
		admin.get("/admin/peer-groups").post("/admin/peer-groups", url.Values{"key": {"odd"}, "name": {"Odd"}, "member": {"dk"}, "codes": {"zz"}}).want(422, "Odd")
		if !strings.Contains(admin.page, `<p class="error" id="g-members-error">`) || !strings.Contains(admin.page, "zz") {
			t.Fatalf("the members' error is not next to them:\n%s", admin.page)
		}
		admin.post("/admin/peer-groups", url.Values{"key": {"big"}, "name": {"Again"}, "member": {"dk"}}).want(409)
		if !fieldError(admin.page, "g-key", "exists already") {
			t.Fatalf("the key's error is not next to it:\n%s", admin.page)
		}
		// Three of ten: the groups leave pieces of fewer than 5; the page says so in words.
		admin.get("/admin/peer-groups/big").post("/admin/peer-groups/big", url.Values{"name": {"Big three"}, "member": {"dk", "se", "m0"}}).
			want(200, "The peer group was changed.", "Some members could be singled out", "pieces of fewer than 5")
		if _, body := s.apiCall("GET", "/v1/peer-groups/big", ""); !strings.Contains(string(body), `"members":["dk","m0","se"]`) {
			t.Fatalf("the change is not in the API: %s", body)
		}
		// A new group that leaves small pieces: its page at once, with the warning.
		admin.get("/admin/peer-groups").post("/admin/peer-groups", url.Values{"key": {"pair"}, "name": {"A pair"}, "member": {"m3", "m4"}}).
			want(200, "The peer group was made.", "A pair", "2 members: m3 m4", "Some members could be singled out")
		alice := s.signIn("alice@dk.example.org")
		alice.post("/admin/peer-groups/big/delete", url.Values{}).want(403, "only the secretariat may do this")
		alice.post("/admin/peer-groups", url.Values{"key": {"mine"}, "name": {"Mine"}, "member": {"dk"}}).want(403, "only the secretariat may do this")
		admin.get("/admin/peer-groups/big")
		admin.redirected("/admin/peer-groups/big/delete", url.Values{}, "The peer group was deleted.", "pair")
		if strings.Contains(admin.page, `href="/admin/peer-groups/big"`) {
			t.Fatal("the deleted group is still listed")
		}
	})
}

func TestAdminWorkGroupsAndChairs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		admin := s.signIn("admin@example.org")
		admin.get("/work-groups").want(200, "Make a work group")
		admin.post("/work-groups", url.Values{"key": {"Not A Key"}, "name": {"Technical"}}).want(422, "Technical")
		if !fieldError(admin.page, "w-key", "") {
			t.Fatalf("the key's error is not next to it:\n%s", admin.page)
		}
		admin.redirected("/work-groups", url.Values{"key": {"technical"}, "name": {"Technical"}, "description": {"DNS and DNSSEC"}}, "The work group was made.", "DNS and DNSSEC")
		alice, bob := s.userID("alice@dk.example.org"), s.userID("bob@dk.example.org")
		admin.redirected("/work-groups/technical/people", url.Values{"user": {alice}, "role": {"chair"}}, "The person was added", "Alice (alice@dk.example.org)", "Stop alice@dk.example.org chairing")
		admin.redirected("/work-groups/technical/people", url.Values{"user": {bob}, "role": {"member"}}, "The person was added", "Make bob@dk.example.org a chair")
		// The secretariat is no one's person: the API's reason next to the field.
		admin.post("/work-groups/technical/people", url.Values{"user": {s.userID("admin@example.org")}, "role": {"member"}}).want(422)
		if !fieldError(admin.page, "wg-user", "users of member registries") {
			t.Fatalf("the person's error is not next to it:\n%s", admin.page)
		}
		admin.redirected("/work-groups/technical", url.Values{"name": {"Technical group"}, "description": {"DNS"}}, "The work group was changed.", "Technical group")
		admin.redirected("/work-groups/technical/chairs/"+bob, url.Values{"chair": {"true"}}, "chairs were changed", "Stop bob@dk.example.org chairing")
		admin.redirected("/work-groups/technical/people/"+bob+"/remove", url.Values{}, "taken out of the work group")
		if _, body := s.apiCall("GET", "/v1/work-groups/technical", ""); strings.Contains(string(body), bob) || !strings.Contains(string(body), alice) {
			t.Fatalf("the chairs are not alice alone: %s", body)
		}

		// A survey of the group, and one of none.
		doc := strings.Replace(questionnaire, `"title":"DNSSEC 2026"`, `"title":"Resolvers 2026","work_group":"technical"`, 1)
		code, body := s.apiCall("POST", "/v1/surveys", doc)
		if code != 201 {
			t.Fatalf("survey: %d %s", code, body)
		}
		var sv struct{ ID string }
		_ = json.Unmarshal(body, &sv)
		other := s.openSurvey()
		admin.get("/surveys?work_group=technical").want(200, "Resolvers 2026")
		if strings.Contains(admin.page, other) {
			t.Fatal("the list filtered by work group shows a survey of none")
		}
		admin.get("/surveys?status=open").want(200, "DNSSEC 2026")
		if strings.Contains(admin.page, "Resolvers 2026") {
			t.Fatal("the list of open surveys shows a draft")
		}

		// The chair: its groups on the home page, their surveys, and the page that runs them.
		chair := s.signIn("alice@dk.example.org")
		chair.get("/").want(200, "Work groups you chair", `href="/work-groups/technical"`)
		chair.get("/work-groups/technical").want(200, "Resolvers 2026", `href="/surveys/`+sv.ID+`/manage"`)
		if strings.Contains(chair.page, "Add a person") {
			t.Fatal("a chair is offered the secretariat's forms")
		}
		chair.get("/surveys/"+sv.ID+"/manage").want(200, "Resolvers 2026", "Open to members")
		chair.post("/surveys/"+sv.ID+"/lifecycle", url.Values{"to": {"open"}}).want(200, "now open")
		chair.get("/surveys").want(200, `href="/surveys/`+sv.ID+`/manage"`, `href="/surveys/`+other+`"`)
		if strings.Contains(chair.page, other+"/manage") {
			t.Fatal("a chair is offered to run a survey of no group it chairs")
		}
		// Not a chair of the other survey's group (it has none): the API's refusal.
		chair.get("/surveys/" + other + "/manage").want(403)
		// A member's user who chairs nothing may not make groups or add people.
		sven := s.signIn("sven@se.example.org")
		sven.get("/work-groups/technical").want(200, "Technical group")
		if strings.Contains(sven.page, "alice@dk.example.org") {
			t.Fatal("another member's user sees dk's people")
		}
		sven.post("/work-groups", url.Values{"key": {"legal"}, "name": {"Legal"}}).want(403, "only the secretariat may do this")
		sven.post("/work-groups/technical/people", url.Values{"user": {s.userID("sven@se.example.org")}, "role": {"chair"}}).want(403, "only the secretariat may do this")
		sven.get("/surveys/" + sv.ID + "/manage").want(403)
		// Without the form's token: 403.
		admin.get("/work-groups").post("/work-groups", url.Values{"csrf": {"x"}, "key": {"legal"}, "name": {"Legal"}}).want(403, "security token")
	})
}

func TestAdminWebhooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		var hits atomic.Int64
		sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer sub.Close()
		admin := s.signIn("admin@example.org")
		admin.get("/admin/webhooks").want(200, "Register a webhook", "No webhook.")
		admin.post("/admin/webhooks", url.Values{"url": {"ftp://example.net/x"}, "event": {"survey.opened"}}).want(422, "ftp://example.net/x")
		if !fieldError(admin.page, "h-url", "http or https") {
			t.Fatalf("the URL's error is not next to it:\n%s", admin.page)
		}
		admin.post("/admin/webhooks", url.Values{"url": {sub.URL + "/hooks"}}).want(422)
		if !strings.Contains(admin.page, `<p class="error" id="h-events-error">must name at least one event`) {
			t.Fatalf("the events' error is not next to them:\n%s", admin.page)
		}
		req, _ := http.NewRequest("POST", s.srv.URL+"/admin/webhooks", strings.NewReader(url.Values{"csrf": {admin.csrf()}, "url": {sub.URL + "/hooks"},
			"event": {"survey.opened", "response.submitted"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := admin.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("made: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
		}
		admin.get("/admin/webhooks")
		id := regexp.MustCompile(`/admin/webhooks/(whk_[^"/]+)"`).FindStringSubmatch(admin.page)
		if id == nil {
			t.Fatalf("no webhook listed:\n%s", admin.page)
		}
		if strings.Contains(admin.page, "whsec_") {
			t.Fatal("the secret is shown again")
		}
		// Another one made through the page shows its secret once.
		admin.post("/admin/webhooks", url.Values{"url": {sub.URL + "/other"}, "event": {"survey.closed"}}).want(200, "shown this once", "whsec_")
		// An event, delivered by the jobs: the delivery and its answer are listed.
		s.openSurvey()
		tpl, err := mail.ParseTemplates()
		if err != nil {
			t.Fatal(err)
		}
		w := jobs.New(s.store, jobs.Options{Name: "test"})
		w.HandleNotifications(jobs.NotifyOptions{Templates: tpl, BaseURL: s.srv.URL, Sender: jobs.Outbox{Store: s.store, Log: slog.New(slog.DiscardHandler)}})
		for range 5 {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		page := "/admin/webhooks/" + id[1]
		admin.get(page).want(200, "survey.opened", "delivered (204)")
		delivery := regexp.MustCompile(`/deliveries/([^/"]+)/resend`).FindStringSubmatch(admin.page)
		if delivery == nil || hits.Load() == 0 {
			t.Fatalf("no delivery (%d hits):\n%s", hits.Load(), admin.page)
		}
		admin.redirected(page+"/deliveries/"+delivery[1]+"/resend", url.Values{}, "queued to be sent again")
		admin.redirected(page+"/active", url.Values{"active": {"false"}}, "The webhook was disabled", "Enable")
		admin.redirected(page+"/active", url.Values{"active": {"true"}}, "The webhook was enabled", "Disable")

		alice := s.signIn("alice@dk.example.org")
		alice.get("/admin/webhooks").want(403, "only the secretariat")
		alice.post(page+"/delete", url.Values{}).want(403, "only the secretariat may do this")
		alice.post(page+"/deliveries/"+delivery[1]+"/resend", url.Values{}).want(403)
		admin.get(page).post(page+"/delete", url.Values{"csrf": {""}}).want(403, "security token")
		admin.get(page)
		admin.redirected(page+"/delete", url.Values{}, "The webhook was deleted.")
		admin.get(page).want(404)
	})
}

func TestAuditTrailPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		admin := s.signIn("admin@example.org")
		admin.get("/admin/members")
		admin.redirected("/admin/members", url.Values{"code": {"no"}, "name": {"Norid"}, "country": {"NO"}, "membership": {"full"}, "active": {"true"}}, "The member was added.")
		admin.get("/admin/members/no")
		admin.redirected("/admin/members/no", url.Values{"name": {"Norid AS"}, "country": {"NO"}, "membership": {"associate"}}, "The member was changed.")
		// Who by name, what in words, before and after by field.
		admin.get("/audit?object_type=member&object_id=no").want(200, "Audit trail", "member updated", "Admin (admin@example.org)",
			"<dt>membership</dt><dd>full → associate</dd>", "<dt>name</dt><dd>Norid → Norid AS</dd>", "member created")
		if strings.Contains(admin.page, "<dt>updated at</dt>") {
			t.Fatal("the times of the snapshots are listed as changes")
		}
		admin.get("/audit?actor=system").want(200, "member created: <code>Registry dk (dk)</code>")
		if strings.Contains(admin.page, "member updated") {
			t.Fatal("the filter by who shows another's changes")
		}
		// A bad filter: the API's reason next to its field.
		admin.get("/audit?from=2026-11-05&to=2026-11-01").want(400)
		if !fieldError(admin.page, "a-to", "must be later than from") {
			t.Fatalf("the date's error is not next to it:\n%s", admin.page)
		}
		// Dates are days: to includes its day (the site's clock is 2 Nov 2026).
		admin.get("/audit?from=2026-11-02&to=2026-11-02").want(200, "member created")
		admin.get("/audit?to=2026-11-01").want(200, "No change matches.")

		// The API's cursor: more than a page of changes.
		for i := range 55 {
			if code, body := s.apiCall("PATCH", "/v1/members/no", fmt.Sprintf(`{"name":"Norid %d"}`, i)); code != 200 {
				t.Fatalf("patch: %d %s", code, body)
			}
		}
		admin.get("/audit?object_type=member").want(200, "Norid 53 → Norid 54", "Older changes")
		next := regexp.MustCompile(`href="(/audit\?[^"]+)">Older changes`).FindStringSubmatch(admin.page)
		admin.get(strings.ReplaceAll(next[1], "&amp;", "&")).want(200, "member created")
		if strings.Contains(admin.page, "Norid 53 → Norid 54") || strings.Contains(admin.page, "user created") {
			t.Fatalf("the second page repeats the first or drops the filter:\n%s", admin.page)
		}

		// A member's user reads its own member's entries only, as the API scopes it.
		admin.get("/admin")
		admin.redirected("/admin/users", url.Values{"email": {"dora@dk.example.org"}, "name": {"Dora"}, "role": {"viewer"}, "member": {"dk"}}, "The user was made")
		admin.get("/admin")
		admin.redirected("/admin/users", url.Values{"email": {"erik@se.example.org"}, "name": {"Erik"}, "role": {"viewer"}, "member": {"se"}}, "The user was made")
		alice := s.signIn("alice@dk.example.org")
		alice.get("/audit").want(200, "your member, dk", "user created", "Dora (dora@dk.example.org)", "someone outside your member")
		if strings.Contains(alice.page, "erik@se.example.org") || strings.Contains(alice.page, "Norid") {
			t.Fatalf("a member's user reads others' entries:\n%s", alice.page)
		}
		alice.get("/audit?member=se").want(403, "you read the audit trail of member dk only")
	})
}
