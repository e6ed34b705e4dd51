package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/mail"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// answer writes and submits a member's response through the API, as the
// secretariat on the member's behalf.
func (s *site) answer(id, member, answers string) {
	s.t.Helper()
	path := "/v1/surveys/" + id + "/responses/" + member
	if code, body := s.apiCall("PATCH", path, `{"answers":`+answers+`}`); code != 200 {
		s.t.Fatalf("answer %s: %d %s", member, code, body)
	}
	if code, body := s.apiCall("POST", path+"/submit", ""); code != 200 {
		s.t.Fatalf("submit %s: %d %s", member, code, body)
	}
}

// work runs the queue once, as the server's worker would, mailing to the outbox.
func (s *site) work() {
	s.t.Helper()
	tpl, err := mail.ParseTemplates()
	if err != nil {
		s.t.Fatal(err)
	}
	w := jobs.New(s.store, jobs.Options{Name: "test"})
	w.HandleNotifications(jobs.NotifyOptions{Templates: tpl, BaseURL: s.srv.URL,
		Sender: jobs.Outbox{Store: s.store, Log: slog.New(slog.DiscardHandler)}})
	if _, err := w.RunOnce(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// version is the response's version on the answer page.
func version(b *browser) string {
	b.s.t.Helper()
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(b.page)
	if m == nil {
		b.s.t.Fatalf("no version on the page:\n%s", b.page)
	}
	return m[1]
}

// TestProgressAndReminders: the secretariat's page of a survey says who has
// answered, who drafts and who has not started, who was told and when, and
// sends a reminder now, which then shows among the told.
func TestProgressAndReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		id := s.openSurvey()
		alice := s.signIn("alice@dk.example.org")
		alice.get("/surveys/" + id + "/responses/dk")
		alice.post("/surveys/"+id+"/responses/dk", url.Values{"version": {version(alice)}, "action": {"save"}, "q": {"signed"}, "a.signed": {"false"}}).
			want(200, "Your draft was saved")

		admin := s.signIn("admin@example.org")
		admin.get("/surveys/"+id).want(200, "0 submitted, 1 in draft, 1 not started", "Who was told", "Nobody yet",
			"Send a reminder now to every member that has not submitted")
		groups := regexp.MustCompile(`(?s)<strong>Draft:</strong>(.*?)</li>.*<strong>Not started:</strong>(.*?)</li>`).FindStringSubmatch(admin.page)
		if groups == nil || !strings.Contains(groups[1], "dk") || strings.Contains(groups[1], "se") || !strings.Contains(groups[2], "se") {
			t.Fatalf("dk should be in draft and se not started: %q", groups)
		}
		s.work() // the invitations
		admin.get("/surveys/"+id).want(200, "Invitation to sven@se.example.org", "Invitation to alice@dk.example.org", ": sent")

		// One member, by its row's button.
		admin.post("/surveys/"+id+"/reminders", url.Values{"member": {"se"}}).want(200, "A reminder is on its way to the people of se.")
		s.work()
		admin.get("/surveys/"+id).want(200, "Reminder to sven@se.example.org")
		if strings.Contains(admin.page, "Reminder to alice@dk.example.org") {
			t.Fatal("dk was reminded though only se was asked for")
		}
		// Everyone who has not submitted.
		s.answer(id, "se", `{"signed":false}`)
		admin.post("/surveys/"+id+"/reminders", url.Values{}).want(200, "A reminder is on its way to the people of dk.")
		s.work()
		admin.get("/surveys/"+id).want(200, "Reminder to alice@dk.example.org", "1 submitted")
		// The API's refusals, in its words.
		admin.post("/surveys/"+id+"/reminders", url.Values{"member": {"se"}}).want(422, "se has already submitted")
		admin.post("/surveys/"+id+"/reminders", url.Values{"member": {"zz"}}).want(422, `"zz" is not a member of the survey's audience`)
		alice.get("/")
		alice.post("/surveys/"+id+"/reminders", url.Values{}).want(403)
		admin.post("/surveys/"+id+"/lifecycle", url.Values{"to": {"close"}}).want(200, "now closed")
		if strings.Contains(admin.page, "Send a reminder now") || strings.Contains(admin.page, "Remind now") {
			t.Fatal("a closed survey offers reminders")
		}
		admin.post("/surveys/"+id+"/reminders", url.Values{}).want(409, "reminders are sent only while it is open")
	})
}

// seriesQuestionnaire is the questionnaire as the first edition of a series.
func seriesQuestionnaire(edition string) string {
	q := strings.Replace(questionnaire, `"edition":"2026"`, `"edition":"`+edition+`","series":"dnssec"`, 1)
	return strings.Replace(q, `"title":"DNSSEC 2026"`, `"title":"DNSSEC `+edition+`"`, 1)
}

// twoEditions makes two published editions of a series answered by five
// members, and returns the second's id: the algorithms moved from RSA to ECDSA,
// and "signed" is the same for all but one member, so it is held back.
func (s *site) twoEditions() string {
	t := s.t
	t.Helper()
	for _, code := range []string{"fi", "no", "is"} {
		if _, err := s.store.CreateMember(context.Background(), survey.Member{Code: code, Name: "Registry " + code, Country: strings.ToUpper(code),
			Membership: survey.MembershipFull, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	code, body := s.apiCall("POST", "/v1/surveys", seriesQuestionnaire("2025"))
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var first struct{ ID string }
	_ = json.Unmarshal(body, &first)
	for _, step := range []string{"open"} {
		if code, body := s.apiCall("POST", "/v1/surveys/"+first.ID+"/"+step, ""); code != 200 {
			t.Fatalf("%s: %d %s", step, code, body)
		}
	}
	for code, answers := range map[string]string{"dk": `{"signed":true,"since":2010,"algorithm":"rsa"}`,
		"se": `{"signed":true,"since":2012,"algorithm":"rsa"}`, "fi": `{"signed":true,"since":2014,"algorithm":"rsa"}`,
		"no": `{"signed":true,"since":2016,"algorithm":"ecdsa"}`, "is": `{"signed":false,"algorithm":"ecdsa"}`} {
		s.answer(first.ID, code, answers)
	}
	for _, step := range []string{"close", "publish"} {
		if code, body := s.apiCall("POST", "/v1/surveys/"+first.ID+"/"+step, ""); code != 200 {
			t.Fatalf("%s: %d %s", step, code, body)
		}
	}
	code, body = s.apiCall("POST", "/v1/surveys/"+first.ID+"/clone", `{"edition":"2026","title":"DNSSEC 2026"}`)
	if code != 201 {
		t.Fatalf("clone: %d %s", code, body)
	}
	var second struct{ ID string }
	_ = json.Unmarshal(body, &second)
	if code, body := s.apiCall("PATCH", "/v1/surveys/"+second.ID, `{"deadline":"2099-01-01T00:00:00Z"}`); code != 200 {
		t.Fatalf("deadline: %d %s", code, body)
	}
	if code, body := s.apiCall("POST", "/v1/surveys/"+second.ID+"/open", ""); code != 200 {
		t.Fatalf("open: %d %s", code, body)
	}
	for code, answers := range map[string]string{"dk": `{"signed":true,"since":2010,"algorithm":"rsa"}`,
		"se": `{"signed":true,"since":2012,"algorithm":"rsa"}`, "fi": `{"signed":true,"since":2014,"algorithm":"ecdsa"}`,
		"no": `{"signed":true,"since":2016,"algorithm":"ecdsa"}`, "is": `{"signed":true,"since":2020,"algorithm":"ecdsa"}`} {
		s.answer(second.ID, code, answers)
	}
	for _, step := range []string{"close", "publish"} {
		if code, body := s.apiCall("POST", "/v1/surveys/"+second.ID+"/"+step, ""); code != 200 {
			t.Fatalf("%s: %d %s", step, code, body)
		}
	}
	return second.ID
}

// TestResultsCompareAndSuppression: an edition's results against the previous
// edition's, in words, and every figure held back explained.
func TestResultsCompareAndSuppression(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		second := s.twoEditions()
		alice := s.signIn("alice@dk.example.org")
		alice.get("/surveys/"+second+"/results").want(200, "compared with the previous edition, <strong>2025</strong>",
			"Against 2025", "Share in 2025", "down 20 points", "up 20 points")
		// Both signed this time: the answer to "signed" would tell each one's.
		alice.want(200, "Every member that answered, or all but one, gave the same answer")
		// The question asked of one member in 2025 alone was held back then.
		alice.want(200, "In 2025: ")
		// Without the comparison, none of it.
		alice.get("/surveys/"+second+"/results?compare=none").want(200, "Results: DNSSEC 2026")
		if strings.Contains(alice.page, "Against 2025") {
			t.Fatal("compare=none still compares")
		}
	})
}

// TestHistoryNames: the history names its authors as the reader may know them.
func TestHistoryNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		id := s.openSurvey()
		page := "/surveys/" + id + "/responses/dk"
		alice := s.signIn("alice@dk.example.org")
		alice.get(page)
		alice.post(page, url.Values{"version": {version(alice)}, "action": {"save"}, "q": {"signed"}, "a.signed": {"false"}}).want(200, "Your draft was saved")
		if code, body := s.apiCall("PATCH", "/v1/surveys/"+id+"/responses/dk", `{"answers":{"algorithm":"rsa"}}`); code != 200 {
			t.Fatalf("on behalf: %d %s", code, body)
		}
		alice.get(page+"/history").want(200, "Alice (alice@dk.example.org)", "the secretariat")
		if strings.Contains(alice.page, "admin@example.org") || regexp.MustCompile(`usr_[0-9a-z]+`).MatchString(alice.page) {
			t.Fatalf("a member's user sees the secretariat's people or bare ids:\n%s", alice.page)
		}
		admin := s.signIn("admin@example.org")
		admin.get(page+"/history").want(200, "Alice (alice@dk.example.org)", "Admin (admin@example.org), for the secretariat")
	})
}

// TestLockedResponse: a submitted response reads as sent with a withdraw
// button; past the deadline, or closed, it takes no edits and says why.
func TestLockedResponse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		id := s.openSurvey()
		page := "/surveys/" + id + "/responses/dk"
		alice := s.signIn("alice@dk.example.org")
		alice.get(page).want(200, "Save draft")
		alice.post(page, url.Values{"version": {version(alice)}, "action": {"submit"}, "q": {"signed"}, "a.signed": {"false"}}).
			want(200, "Your response was submitted", "This response cannot be changed now", "To change it, withdraw it", "Withdraw the submission")
		editable := func(b *browser) bool {
			return strings.Contains(b.page, `name="a.`) || strings.Contains(b.page, `id="save"`) || strings.Contains(b.page, `id="submit"`)
		}
		if editable(alice) {
			t.Fatalf("a submitted response is shown as a form:\n%s", alice.page)
		}
		alice.want(200, "<dd>No</dd>")
		alice.post(page+"?section=main", url.Values{"version": {version(alice)}, "action": {"withdraw"}}).want(200, "Your response was withdrawn", "Save draft")
		alice.post(page, url.Values{"version": {version(alice)}, "action": {"submit"}}).want(200, "Your response was submitted")

		// Past the deadline: no withdraw, no form, and why.
		*s.clock = time.Date(2099, 1, 2, 0, 0, 0, 0, time.UTC)
		alice = s.signIn("alice@dk.example.org") // the session of 2026 has long ended
		alice.get(page).want(200, "This response cannot be changed now", "has passed", "Ask the secretariat for more time")
		if editable(alice) || strings.Contains(alice.page, "Withdraw the submission") {
			t.Fatalf("a response past its deadline offers changes:\n%s", alice.page)
		}
		// A crafted save is refused by the API, in its words.
		v := regexp.MustCompile(`version (\d+)`).FindStringSubmatch(alice.page)[1]
		alice.post(page, url.Values{"version": {v}, "action": {"save"}, "q": {"signed"}, "a.signed": {"true"}}).want(409, "has passed")
		alice.post(page, url.Values{"version": {v}, "action": {"withdraw"}}).want(409, "has passed")

		// A draft of a closed survey: read-only too.
		sven := s.signIn("sven@se.example.org")
		if code, body := s.apiCall("POST", "/v1/surveys/"+id+"/close", ""); code != 200 {
			t.Fatalf("close: %d %s", code, body)
		}
		sven.get("/surveys/"+id+"/responses/se").want(200, "This response cannot be changed now", "the survey is closed")
		if editable(sven) {
			t.Fatalf("a closed survey's response is a form:\n%s", sven.page)
		}
	})
}

// upload posts a file in a multipart form, as the series page's upload does.
func (b *browser) upload(path string, fields map[string]string, name, content string) *browser {
	b.s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf())
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.s.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.s.srv.URL)
	return b.do(req)
}

const twoFigures = `{"key": "monthly-stats", "title": "Monthly statistics", "recurrence": "monthly", "open_day": 1, "deadline_days": 20,
  "template": {"title": "Monthly statistics", "results_policy": {"min_respondents": 1},
    "sections": [{"key": "counts", "title": "Counts", "questions": [
      {"key": "domains", "type": "integer", "prompt": "Domains under management", "required": true, "constraints": {"min": 0}},
      {"key": "signed", "type": "integer", "prompt": "DNSSEC-signed domains", "constraints": {"min": 0}}]}]}}`

// TestMonthlyUpload: a period's figures from a CSV file, all or nothing, every
// bad line named by its number.
func TestMonthlyUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		edition := s.openPeriod(twoFigures)
		alice := s.signIn("alice@dk.example.org")
		alice.get("/series/monthly-stats").want(200, "Upload a period's figures as a CSV file", "Download the template", `<option value="`+edition+`">2026-10</option>`)
		alice.get("/series/monthly-stats/template.csv").want(200, "question,value\ndomains,\nsigned,\n")
		alice.get("/series/monthly-stats")
		saved := func() map[string]any {
			code, body := s.apiCall("GET", "/v1/surveys/"+edition+"/responses/dk", "")
			if code != 200 {
				t.Fatalf("response: %d %s", code, body)
			}
			var r struct{ Answers map[string]any }
			_ = json.Unmarshal(body, &r)
			return r.Answers
		}
		up := func(content string) *browser {
			return alice.upload("/series/monthly-stats/upload", map[string]string{"survey": edition}, "figures.csv", content)
		}
		// The shape of the file, checked whole before anything is sent.
		up("question,value\ndomains,5\nsigned\ndomains,6\nsigned,1,2\n").want(422, "The file was not saved",
			"line 3: has 1 columns", "line 4: domains is given already on line 2", "line 5: has 3 columns", "Nothing was saved.")
		// The values, by the API: every one named, by its line.
		up("domains,-5\nnope,3\nsigned,many\n").want(422, "line 1: domains must be at least 0", "line 2: nope is not a question of this survey",
			"line 3: signed", "Nothing was saved")
		if a := saved(); len(a) != 0 {
			t.Fatalf("a refused file saved %v", a)
		}
		up("").want(422, "Choose a CSV file")
		up("question,value\ndomains,\n").want(422, "every value is empty")
		// A good file: one PATCH, the figures in the response.
		up("question,value\ndomains,\"1,320,000\"\nsigned,\n").want(200, "Saved 1 figure of 2026-10", "Open the response")
		if a := saved(); a["domains"] != float64(1320000) || a["signed"] != nil {
			t.Fatalf("saved %v, want domains 1320000 alone", a)
		}
		up("domains,1320001\nsigned,400000\n").want(200, "Saved 2 figures of 2026-10")
		if a := saved(); a["domains"] != float64(1320001) || a["signed"] != float64(400000) {
			t.Fatalf("saved %v", a)
		}
		// The edition must be one of the series'.
		other := s.openSurvey()
		alice.get("/series/monthly-stats")
		alice.upload("/series/monthly-stats/upload", map[string]string{"survey": other}, "f.csv", "signed,true\n").want(422, "Choose one of this series' open periods")
	})
}

// TestSuppressedBelowThreshold: too few respondents for the survey's k, and
// the page says so in words, with the k.
func TestSuppressedBelowThreshold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		s := newSite(t, db)
		code, body := s.apiCall("POST", "/v1/surveys", strings.Replace(questionnaire, `"min_respondents":1`, `"min_respondents":3`, 1))
		if code != 201 {
			t.Fatalf("create: %d %s", code, body)
		}
		var sv struct{ ID string }
		_ = json.Unmarshal(body, &sv)
		if code, body := s.apiCall("POST", "/v1/surveys/"+sv.ID+"/open", ""); code != 200 {
			t.Fatalf("open: %d %s", code, body)
		}
		s.answer(sv.ID, "dk", `{"signed":true,"since":2010,"algorithm":"rsa"}`)
		s.answer(sv.ID, "se", `{"signed":false,"algorithm":"ecdsa"}`)
		for _, step := range []string{"close", "publish"} {
			if code, body := s.apiCall("POST", "/v1/surveys/"+sv.ID+"/"+step, ""); code != 200 {
				t.Fatalf("%s: %d %s", step, code, body)
			}
		}
		alice := s.signIn("alice@dk.example.org")
		alice.get("/surveys/"+sv.ID+"/results").want(200, "Fewer than 3 members answered this. With so few answers a figure could reveal what one member answered")
		if strings.Contains(alice.page, "<table>") {
			t.Fatalf("a suppressed question shows its figures:\n%s", alice.page)
		}
		// The secretariat's live view holds nothing back.
		admin := s.signIn("admin@example.org")
		admin.get("/surveys/"+sv.ID+"/results").want(200, "Live results for the secretariat", "RSA")
		if strings.Contains(admin.page, "Fewer than 3 members answered") {
			t.Fatal("the live view suppresses")
		}
	})
}
