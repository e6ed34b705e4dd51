package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// axeSource is axe-core (npm axe-core 4.14.1, MPL-2.0, testdata/axe/LICENSE),
// injected into each page to check its accessibility.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// chromium returns Debian's Chromium, or skips the test; under CI=true a
// missing browser fails it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is not installed (apt-get install chromium); the browser tests do not skip under CI=true")
	}
	t.Skip("Chromium is not installed (apt-get install chromium)")
	return ""
}

// tab is one browser, its own cookies, driven by chromedp.
type tab struct {
	t   *testing.T
	ctx context.Context
	s   *site
}

func (s *site) tab(t *testing.T, exe string) *tab {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1200, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return &tab{t: t, ctx: ctx, s: s}
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) open(path string) { b.t.Helper(); b.do(chromedp.Navigate(b.s.srv.URL + path)) }

// text returns the page's visible text.
func (b *tab) text() string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

// waitFor waits until the page's text has every one of texts, across navigations.
func (b *tab) waitFor(texts ...string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		page := b.text()
		missing := ""
		for _, s := range texts {
			if !strings.Contains(page, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the page never showed %q; it shows:\n%s", missing, page)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkA11y runs axe-core on the page and fails on any serious or critical
// violation.
func (b *tab) checkA11y(name string) {
	b.t.Helper()
	for _, v := range b.a11y() {
		b.t.Errorf("page %s: %s", name, v)
	}
}

// a11y returns the serious and critical violations axe-core finds on the page.
func (b *tab) a11y() []string {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		b.t.Fatalf("inject axe: %v", err)
	}
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html).slice(0, 3)})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe: %v", err)
	}
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal(raw, &violations); err != nil {
		b.t.Fatalf("axe's result: %v", err)
	}
	var out []string
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, fmt.Sprintf("accessibility (%s) %s: %s %v", v.Impact, v.ID, v.Help, v.Nodes))
		}
	}
	return out
}

// shot saves a screenshot of the page: into docs/screenshots when
// UPDATE_SCREENSHOTS=1, else into the test's temporary directory.
func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	dir := b.t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn signs the browser in as a person would: the address, the link from
// the mail, the button.
func (b *tab) signIn(email string) {
	b.t.Helper()
	b.open("/")
	b.do(chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.Click(chromedp.CSS("main form button")))
	b.waitFor("a sign-in link is on its way")
	b.open(b.s.lastLink(email))
	b.waitFor("Press the button")
	b.do(chromedp.Click(chromedp.CSS("#signin-confirm")))
	b.waitFor("Sign out")
}

func (b *tab) signOut() {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS("header form button")))
	b.waitFor("Your e-mail address")
}

// TestBrowser drives Chromium through the member's and the secretariat's main
// flows, with an accessibility check of every page. It runs on SQLite only: the
// same pages on PostgreSQL are covered by the HTTP tests.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	t.Run("sqlite", func(t *testing.T) {
		s := newSite(t, dbtest.SQLite(t))
		id := s.openSurvey()
		page := "/surveys/" + id + "/responses/dk"
		b := s.tab(t, exe)

		b.open("/")
		b.waitFor("Sign in")
		b.checkA11y("sign-in")
		// The check can fail: an image without a text alternative is critical.
		b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("main").appendChild(document.createElement("img"))`))
		if v := b.a11y(); len(v) == 0 || !strings.Contains(strings.Join(v, " "), "image-alt") {
			t.Fatalf("axe-core did not see an image without alt: %v", v)
		}
		b.open("/")
		b.shot("signin")
		b.signIn("alice@dk.example.org")
		b.waitFor("Needs you now", "DNSSEC 2026")
		b.checkA11y("home")
		b.shot("member-home")

		// Answering with JavaScript on: choosing Yes saves through htmx, and the
		// server shows the question that depends on it.
		b.open(page)
		b.waitFor("Is your zone signed?")
		if strings.Contains(b.text(), "Signed since which year?") {
			t.Fatal("a hidden question is shown")
		}
		b.do(chromedp.Click(chromedp.CSS(`input[name="a.signed"][value="true"]`)))
		b.waitFor("Signed since which year?", "Your draft was saved")
		b.checkA11y("answer")
		// An invalid value: the API's message next to the field.
		b.do(chromedp.SendKeys(chromedp.CSS("#q-since"), "1990"), chromedp.Click(chromedp.CSS("#save")))
		b.waitFor("since must be at least 1995")
		b.checkA11y("answer-invalid")
		b.shot("answer-invalid")

		// A colleague saves through the API meanwhile; Alice's next save shows both.
		if _, err := colleagueSave(s); err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.Clear(chromedp.CSS("#q-since")), chromedp.SendKeys(chromedp.CSS("#q-since"), "2010"),
			chromedp.Click(chromedp.CSS("#save")))
		b.waitFor("A colleague changed this response", "Keep mine")
		b.checkA11y("conflict")
		b.shot("conflict")
		b.do(chromedp.Click(chromedp.CSS("#keep-mine")))
		b.waitFor("Your draft was saved")
		// Keeping mine wrote what Alice changed, and kept Bob's answer.
		if _, body := s.apiCall("GET", "/v1/surveys/"+id+"/responses/dk", ""); !strings.Contains(string(body), `"algorithm":"rsa"`) ||
			!strings.Contains(string(body), `"since":2010`) {
			t.Fatalf("after keeping mine: %s", body)
		}
		b.do(chromedp.Click(chromedp.CSS("#submit")))
		b.waitFor("Your response was submitted")
		b.shot("answer-submitted")

		// Another member's user gets the API's refusal.
		b.signOut()
		b.signIn("sven@se.example.org")
		b.open(page)
		b.waitFor("this is the response of member dk; you may see only your own member's")
		b.checkA11y("refusal")
		b.signOut()

		// The secretariat sees the progress, closes and publishes.
		b.signIn("admin@example.org")
		b.checkA11y("admin-home")
		b.shot("secretariat-surveys")
		b.open("/surveys/" + id)
		b.waitFor("1 submitted", "Progress")
		b.checkA11y("manage")
		b.shot("secretariat-progress")
		b.do(chromedp.Click(chromedp.CSS("#remind-all")))
		b.waitFor("A reminder is on its way to the people of se")
		b.checkA11y("progress-reminded")
		b.do(chromedp.Click(chromedp.CSS("#close")))
		b.waitFor("now closed")
		b.do(chromedp.Click(chromedp.CSS("#publish")))
		b.waitFor("now published")
		b.open("/surveys/new")
		b.waitFor("Upload a questionnaire")
		b.checkA11y("new-survey")
		b.open("/admin")
		b.waitFor("Administration", "Peer groups")
		b.checkA11y("administration")
		s.apiCall("POST", "/v1/work-groups", `{"key":"technical","name":"Technical","description":"DNS and DNSSEC"}`)
		for _, p := range []string{"/admin/members", "/admin/members/dk", "/admin/peer-groups", "/work-groups", "/work-groups/technical", "/surveys", "/admin/webhooks", "/audit"} {
			b.open(p)
			b.waitFor("Sign out")
			b.checkA11y(p)
		}
		b.shot("audit")
		b.signOut()

		// The member reads its results and a chart.
		b.signIn("alice@dk.example.org")
		b.open("/surveys/" + id + "/results")
		b.waitFor("Results: DNSSEC 2026", "Your answer:")
		loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`[...document.images].length > 0 && [...document.images].every(i => i.complete && i.naturalWidth > 0)`))
		if err != nil || !loaded {
			time.Sleep(time.Second)
			if loaded, err = chromedp.Run(b.ctx, chromedp.Evaluate[bool](`[...document.images].every(i => i.complete && i.naturalWidth > 0)`)); err != nil || !loaded {
				t.Fatalf("the charts did not load: %v", err)
			}
		}
		b.checkA11y("results")
		// The shot is of an edition compared with the previous one, figures held back explained.
		b.open("/surveys/" + s.twoEditions() + "/results")
		b.waitFor("Against 2025", "Every member that answered, or all but one")
		b.checkA11y("results-compared")
		b.shot("results")
		b.open("/tokens")
		b.waitFor("Your API tokens")
		b.checkA11y("tokens")
		// The monthly figures, uploaded as a CSV file.
		s.openPeriod(monthlyStats)
		csvFile := filepath.Join(t.TempDir(), "figures.csv")
		if err := os.WriteFile(csvFile, []byte("question,value\ndomains,1320000\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.open("/series/monthly-stats")
		b.waitFor("Upload a period's figures")
		b.checkA11y("series-upload")
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{csvFile}), chromedp.Click(chromedp.CSS("#upload-button")))
		b.waitFor("Saved 1 figure of 2026-10")
		b.checkA11y("series-uploaded")

		// At a phone's width nothing runs off the side of the page.
		b.do(chromedp.EmulateViewport(390, 844))
		for _, p := range []string{"/", page, "/surveys/" + id + "/results"} {
			b.open(p)
			b.waitFor("Sign out")
			fits, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
			if err != nil || !fits {
				t.Errorf("%s is wider than a phone's screen (%v)", p, err)
			}
			b.checkA11y("phone " + p)
		}
		b.open(page)
		b.waitFor("Is your zone signed?")
		b.shot("phone-answer")
	})
}

// colleagueSave is Bob's save through the API with a token of his own.
func colleagueSave(s *site) (int, error) {
	ctx := context.Background()
	bob, _, err := s.store.EnsureUser(ctx, survey.User{Email: "bob@dk.example.org", Role: survey.RoleRespondent, Member: "dk"})
	if err != nil {
		return 0, err
	}
	_, secret, err := s.store.CreateToken(ctx, bob.ID, "bob", nil)
	if err != nil {
		return 0, err
	}
	admin := s.admin
	s.admin = secret
	defer func() { s.admin = admin }()
	var list struct{ Items []struct{ ID string } }
	_, body := s.apiCall("GET", "/v1/surveys", "")
	if err := json.Unmarshal(body, &list); err != nil {
		return 0, err
	}
	code, _ := s.apiCall("PATCH", "/v1/surveys/"+list.Items[0].ID+"/responses/dk", `{"answers":{"algorithm":"rsa"}}`)
	return code, nil
}
