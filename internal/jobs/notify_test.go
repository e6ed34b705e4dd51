package jobs_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/mail"
	"github.com/tldcouncil/surveyd/internal/mail/mailtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

const baseURL = "https://surveys.example.org"

// world is a store with three members: dk and se in the peer group nordics, fi
// outside it, and their people.
type world struct {
	t      *testing.T
	ctx    context.Context
	clock  *clock
	store  *store.Store
	smtp   *mailtest.Server
	admin  survey.User
	people map[string]survey.User // by e-mail address
}

// The people of the world. Only respondents are told of surveys.
const (
	annaDK   = "anna@punktum.dk"            // respondent of dk
	boDK     = "bo@punktum.dk"              // respondent of dk, refused by the mail server
	viewerDK = "viewer@punktum.dk"          // viewer of dk
	svenSE   = "sven@internetstiftelsen.se" // respondent of se
	outsider = "olli@traficom.fi"           // respondent of fi, outside the audience
)

func newWorld(t *testing.T, db dbtest.Database, refuse ...string) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), clock: newClock(), people: map[string]survey.User{}}
	w.store = db.Open(t, store.Options{Now: w.clock.Now})
	w.smtp = mailtest.Start(t, refuse...)
	for _, m := range []survey.Member{{Code: "dk", Name: "Punktum dk", Country: "DK"}, {Code: "se", Name: "Internetstiftelsen", Country: "SE"},
		{Code: "fi", Name: "Traficom", Country: "FI"}} {
		m.Membership, m.Active = survey.MembershipFull, true
		if _, err := w.store.CreateMember(w.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.store.CreatePeerGroup(w.ctx, survey.PeerGroup{Key: "nordics", Name: "Nordics", Members: []string{"dk", "se"}}); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.admin, err = w.store.CreateUser(w.ctx, survey.User{Email: "admin@council.example", Name: "Admin", Role: survey.RoleSecretariat}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []survey.User{{Email: annaDK, Name: "Anna", Role: survey.RoleRespondent, Member: "dk"},
		{Email: boDK, Name: "Bo", Role: survey.RoleRespondent, Member: "dk"},
		{Email: viewerDK, Name: "Vera", Role: survey.RoleViewer, Member: "dk"},
		{Email: svenSE, Name: "Sven", Role: survey.RoleRespondent, Member: "se"},
		{Email: outsider, Name: "Olli", Role: survey.RoleRespondent, Member: "fi"}} {
		made, err := w.store.CreateUser(w.ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		w.people[u.Email] = made
	}
	return w
}

// worker is a worker of the world's store (or another store on its database)
// that sends through the world's SMTP server.
func (w *world) worker(st *store.Store, name string) *jobs.Worker {
	w.t.Helper()
	sender, err := mail.NewSMTP(w.smtp.Config())
	if err != nil {
		w.t.Fatal(err)
	}
	tpl, err := mail.ParseTemplates()
	if err != nil {
		w.t.Fatal(err)
	}
	wk := jobs.New(st, jobs.Options{Name: name})
	wk.HandleNotifications(jobs.NotifyOptions{Templates: tpl, Sender: sender, BaseURL: baseURL,
		Reminders: []time.Duration{72 * time.Hour, 24 * time.Hour}, WebhookTimeout: 300 * time.Millisecond})
	return wk
}

// openSurvey creates and opens a survey for nordics, due in ten days.
func (w *world) openSurvey() survey.Survey {
	w.t.Helper()
	deadline := w.clock.Now().Add(10 * 24 * time.Hour)
	sv, err := w.store.CreateSurvey(w.ctx, survey.Survey{Title: "DNSSEC practices", Edition: "2026", Audience: "nordics", Deadline: &deadline,
		Policy: survey.DefaultResultsPolicy(), Sections: []survey.Section{{Key: "signing", Title: "Signing", Questions: []survey.Question{
			{Key: "zone_signed", Type: survey.Boolean, Prompt: "Is the zone signed?", Required: true}}}}}, w.admin.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	if sv, err = w.store.TransitionSurvey(w.ctx, sv.ID, survey.StatusOpen, w.admin.ID); err != nil {
		w.t.Fatal(err)
	}
	return sv
}

func (w *world) run(wk *jobs.Worker) {
	w.t.Helper()
	if _, err := wk.RunOnce(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

// recipients are the envelope recipients of the mails received, sorted.
func recipients(rs []mailtest.Received) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.To...)
	}
	slices.Sort(out)
	return out
}

// TestMailsOfASurvey follows a survey from opening to publication: who is mailed,
// with which subject and link, and nobody outside the audience; a refused address
// fails its own job, visibly, and the others go on.
func TestMailsOfASurvey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		w := newWorld(t, db, boDK)
		wk := w.worker(w.store, "w")
		sv := w.openSurvey()
		w.run(wk)

		got := w.smtp.Received()
		if want := []string{annaDK, svenSE}; !slices.Equal(recipients(got), want) {
			t.Fatalf("invitations went to %v, want %v: respondents of the audience, less the refused one", recipients(got), want)
		}
		anna := w.smtp.To(annaDK)[0]
		if anna.Subject != "New survey: DNSSEC practices" || anna.From != "surveys@council.example" {
			t.Fatalf("invitation: from %q, subject %q", anna.From, anna.Subject)
		}
		link := baseURL + "/v1/surveys/" + sv.ID + "/responses/dk"
		if !strings.Contains(anna.Text, link) || !strings.Contains(anna.HTML, `href="`+link+`"`) {
			t.Fatalf("invitation lacks the link %s:\n%s\n%s", link, anna.Text, anna.HTML)
		}
		if !strings.Contains(anna.Text, "Punktum dk") || !strings.Contains(anna.Text, "Thursday 12 November 2026, 09:00 UTC") {
			t.Fatalf("invitation lacks the member or the deadline:\n%s", anna.Text)
		}
		if !strings.Contains(anna.MessageID, "job_") {
			t.Fatalf("Message-ID %q is not made of the job's id", anna.MessageID)
		}
		failed, _, err := w.store.Jobs(w.ctx, store.JobFilter{State: survey.JobFailed, Kind: jobs.KindMail}, store.Page{Limit: 10})
		if err != nil || len(failed) != 1 || !strings.Contains(failed[0].LastError, "550") || !strings.Contains(string(failed[0].Payload), boDK) {
			t.Fatalf("failed mail jobs %+v (%v), want Bo's with the server's 550", failed, err)
		}

		// dk submits: a receipt to dk's people only, with a summary.
		if _, err := w.store.Submit(w.ctx, store.Write{SurveyID: sv.ID, Member: "dk", Answers: map[string]any{"zone_signed": true},
			By: w.people[annaDK]}); err != nil {
			t.Fatal(err)
		}
		w.run(wk)
		receipts := w.smtp.Received()[2:]
		if len(receipts) != 1 || receipts[0].To[0] != annaDK || receipts[0].Subject != "Received: Punktum dk's response to DNSSEC practices" ||
			!strings.Contains(receipts[0].Text, "1 of 1 required questions are answered") {
			t.Fatalf("receipts %+v", receipts)
		}

		// Reminders: three days before the deadline, to se only (dk submitted).
		w.clock.Advance(7*24*time.Hour - time.Minute)
		w.run(wk)
		if n := len(w.smtp.Received()); n != 3 {
			t.Fatalf("%d mails before the first reminder is due, want 3", n)
		}
		w.clock.Advance(time.Minute)
		w.run(wk)
		reminders := w.smtp.Received()[3:]
		if len(reminders) != 1 || reminders[0].To[0] != svenSE || !strings.HasPrefix(reminders[0].Subject, "Reminder: DNSSEC practices is due") {
			t.Fatalf("reminders %+v, want one to Sven", recipients(reminders))
		}

		// dk withdraws: a receipt again. Then the survey closes early: the last
		// reminder is cancelled; publishing tells everyone of the audience.
		if _, err := w.store.Withdraw(w.ctx, store.Write{SurveyID: sv.ID, Member: "dk", By: w.people[annaDK]}); err != nil {
			t.Fatal(err)
		}
		w.run(wk)
		if last := w.smtp.Received()[4]; last.To[0] != annaDK || !strings.HasPrefix(last.Subject, "Withdrawn:") {
			t.Fatalf("withdrawal receipt: %v %q", last.To, last.Subject)
		}
		if _, err := w.store.TransitionSurvey(w.ctx, sv.ID, survey.StatusClosed, w.admin.ID); err != nil {
			t.Fatal(err)
		}
		w.run(wk)
		cancelled, _, err := w.store.Jobs(w.ctx, store.JobFilter{State: survey.JobCancelled, Kind: store.JobReminder}, store.Page{Limit: 10})
		if err != nil || len(cancelled) != 1 {
			t.Fatalf("cancelled reminders %+v (%v), want the one a day before the deadline", cancelled, err)
		}
		w.clock.Advance(3 * 24 * time.Hour)
		if _, err := w.store.TransitionSurvey(w.ctx, sv.ID, survey.StatusPublished, w.admin.ID); err != nil {
			t.Fatal(err)
		}
		w.run(wk)
		results := w.smtp.Received()[5:]
		if want := []string{annaDK, svenSE}; !slices.Equal(recipients(results), want) {
			t.Fatalf("results notices went to %v, want %v", recipients(results), want)
		}
		if !strings.Contains(results[0].Text, baseURL+"/v1/surveys/"+sv.ID+"/results") {
			t.Fatalf("results notice lacks its link:\n%s", results[0].Text)
		}
		for _, r := range w.smtp.Received() {
			for _, to := range r.To {
				if to == outsider || to == viewerDK {
					t.Fatalf("%s got %q", to, r.Subject)
				}
			}
		}
	})
}

// TestRemindersFollowDeadlines: a deadline moved after reminders were queued moves
// them; an extension gets reminders of its own; a user who switched reminders off
// gets none, but still gets receipts.
func TestRemindersFollowDeadlines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		w := newWorld(t, db)
		wk := w.worker(w.store, "w")
		if _, err := w.store.SetMailPreferences(w.ctx, w.people[boDK].ID, survey.MailPreferences{survey.MailReminder: false}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.SetMailPreferences(w.ctx, w.people[boDK].ID, survey.MailPreferences{survey.MailReceipt: false}); survey.ErrorCode(err) != survey.Invalid {
			t.Fatalf("switching receipts off: %v, want invalid", err)
		}
		sv := w.openSurvey()
		w.run(wk)
		start := len(w.smtp.Received()) // the invitations
		// The deadline moves five days later, and se gets five more days again.
		later := sv.Deadline.Add(5 * 24 * time.Hour)
		if _, err := w.store.EditSurvey(w.ctx, sv.ID, func(s survey.Survey) survey.Survey { s.Deadline = &later; return s }); err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.SetExtension(w.ctx, sv.ID, "se", later.Add(5*24*time.Hour), w.admin.ID); err != nil {
			t.Fatal(err)
		}
		w.run(wk)
		// At the old first reminder, nothing.
		w.clock.Advance(7 * 24 * time.Hour)
		w.run(wk)
		if n := len(w.smtp.Received()) - start; n != 0 {
			t.Fatalf("%d reminders at the old time", n)
		}
		// Three days before the new deadline: dk's people who want reminders.
		w.clock.Advance(5 * 24 * time.Hour)
		w.run(wk)
		if got := recipients(w.smtp.Received()[start:]); !slices.Equal(got, []string{annaDK}) {
			t.Fatalf("reminded %v at three days before the moved deadline, want Anna only (Bo switched them off, se is extended)", got)
		}
		// A day before dk's deadline, Anna again; three days before se's extension, Sven.
		w.clock.Advance(2 * 24 * time.Hour)
		w.run(wk)
		w.clock.Advance(3 * 24 * time.Hour)
		w.run(wk)
		if got := recipients(w.smtp.Received()[start+1:]); !slices.Equal(got, []string{annaDK, svenSE}) {
			t.Fatalf("reminded %v by now, want Anna (a day before dk's deadline) and Sven", got)
		}
		if _, err := w.store.Submit(w.ctx, store.Write{SurveyID: sv.ID, Member: "se", Answers: map[string]any{"zone_signed": false},
			By: w.people[svenSE]}); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(3 * 24 * time.Hour)
		w.run(wk)
		if got := recipients(w.smtp.Received()[start+3:]); !slices.Equal(got, []string{svenSE}) {
			t.Fatalf("after se submitted: %v, want only Sven's receipt", got)
		}
	})
}

// TestMailsOnceAcrossRestartsAndWorkers: mails queued, and tried, before a restart
// are sent after it, once; two processes on one database send each mail once.
func TestMailsOnceAcrossRestartsAndWorkers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		w := newWorld(t, db)
		// Many members, so that two workers have something to share.
		for i := range 20 {
			code := fmt.Sprintf("m%02d", i)
			if _, err := w.store.CreateMember(w.ctx, survey.Member{Code: code, Name: code, Country: "DE", Membership: survey.MembershipFull, Active: true}); err != nil {
				t.Fatal(err)
			}
			for j := range 3 {
				if _, err := w.store.CreateUser(w.ctx, survey.User{Email: fmt.Sprintf("p%d@%s.example", j, code), Role: survey.RoleRespondent, Member: code}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := w.store.ReplacePeerGroup(w.ctx, survey.PeerGroup{Key: "nordics", Name: "Nordics", Members: []string{"dk", "se",
			"m00", "m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m10", "m11", "m12", "m13", "m14", "m15", "m16", "m17", "m18", "m19"}}); err != nil {
			t.Fatal(err)
		}
		w.openSurvey()
		// A worker turns the notification into mail jobs, but its mail server is
		// down: every mail waits for a retry. Then the process stops.
		down, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: closedPort(t), TLS: "none", From: "surveys@council.example"})
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := mail.ParseTemplates()
		if err != nil {
			t.Fatal(err)
		}
		before := jobs.New(w.store, jobs.Options{Name: "before"})
		before.HandleNotifications(jobs.NotifyOptions{Templates: tpl, Sender: down, BaseURL: baseURL})
		w.run(before)
		waiting, _, err := w.store.Jobs(w.ctx, store.JobFilter{State: survey.JobPending, Kind: jobs.KindMail}, store.Page{Limit: 200})
		if err != nil || len(waiting) != 63 || waiting[0].Attempts != 1 || waiting[0].LastError == "" {
			t.Fatalf("%d mails waiting (%v), want 63 with one failed attempt each; first %+v", len(waiting), err, waiting[0])
		}
		if err := w.store.Close(); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Minute) // the first retry is due

		// After the restart, two processes.
		a, b := db.Open(t, store.Options{Now: w.clock.Now}), db.Open(t, store.Options{Now: w.clock.Now})
		var wg sync.WaitGroup
		for i, st := range []*store.Store{a, b, a, b} {
			wk := w.worker(st, fmt.Sprint("w", i))
			wg.Go(func() {
				for range 3 {
					if _, err := wk.RunOnce(w.ctx); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		got := w.smtp.Received()
		want := 2 + 1 + 20*3 // anna, bo, sven and three per new member
		if len(got) != want {
			t.Fatalf("%d mails, want %d", len(got), want)
		}
		seen := map[string]bool{}
		for _, r := range got {
			key := r.To[0]
			if seen[key] || seen[r.MessageID] {
				t.Fatalf("%s got a second mail (%s)", key, r.MessageID)
			}
			seen[key], seen[r.MessageID] = true, true
		}
		pending, _, err := a.Jobs(w.ctx, store.JobFilter{State: survey.JobPending, Kind: jobs.KindMail}, store.Page{Limit: 10})
		if err != nil || len(pending) != 0 {
			t.Fatalf("pending mails %+v (%v)", pending, err)
		}
	})
}

// TestMonthlyStatisticsMails: a period's opening calls for the figures, and the
// members that have not submitted are reminded before it closes.
func TestMonthlyStatisticsMails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		w := newWorld(t, db)
		wk := w.worker(w.store, "w")
		sr := survey.Series{Key: "monthly-stats", Title: "Monthly statistics", Recurrence: survey.RecurMonthly, OpenDay: 1, DeadlineDays: 10,
			Template: survey.Survey{Title: "Monthly statistics", Audience: "nordics", Policy: survey.DefaultResultsPolicy(), Sections: []survey.Section{{
				Key: "counts", Title: "Counts", Questions: []survey.Question{{Key: "domains", Type: survey.Integer, Prompt: "Domains", Required: true}}}}}}
		if _, err := w.store.CreateSeries(w.ctx, sr, w.admin.ID); err != nil {
			t.Fatal(err)
		}
		if err := wk.StartTicking(w.ctx); err != nil {
			t.Fatal(err)
		}
		w.run(wk) // the tick opens November, whose notification calls for the figures
		got := w.smtp.Received()
		if rs := recipients(got); !slices.Equal(rs, []string{annaDK, boDK, svenSE}) {
			t.Fatalf("the period's call went to %v", rs)
		}
		if got[0].Subject != "Monthly statistics for 2026-11: please report" {
			t.Fatalf("subject %q", got[0].Subject)
		}
		editions, err := w.store.Editions(w.ctx, "monthly-stats", nil)
		if err != nil || len(editions) != 1 {
			t.Fatalf("editions %+v (%v)", editions, err)
		}
		if _, err := w.store.Submit(w.ctx, store.Write{SurveyID: editions[0].SurveyID, Member: "se", Answers: map[string]any{"domains": float64(1500000)},
			By: w.people[svenSE]}); err != nil {
			t.Fatal(err)
		}
		// Three days before the edition is due, dk is reminded, se is not.
		w.clock.Advance(editions[0].Deadline.Sub(w.clock.Now()) - 72*time.Hour)
		w.run(wk)
		closing := w.smtp.Received()[4:] // after the calls and se's receipt
		if rs := recipients(closing); !slices.Equal(rs, []string{annaDK, boDK}) || !strings.HasPrefix(closing[0].Subject, "Monthly statistics for 2026-11 are due") {
			t.Fatalf("before closing: %v %v", rs, closing)
		}
	})
}

// TestMailWithoutAddress: a mail to nobody fails its job at once, visibly.
func TestMailWithoutAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		w := newWorld(t, db)
		wk := w.worker(w.store, "w")
		payload := `{"Kind":"notice","Template":"notice","UserID":"usr_x","To":"","Data":{"Heading":"x","Text":"y","Link":"z"}}`
		if err := w.store.Enqueue(w.ctx, survey.Job{Kind: jobs.KindMail, Payload: []byte(payload)}); err != nil {
			t.Fatal(err)
		}
		w.run(wk)
		failed, _, err := w.store.Jobs(w.ctx, store.JobFilter{State: survey.JobFailed}, store.Page{Limit: 5})
		if err != nil || len(failed) != 1 || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "no e-mail address") {
			t.Fatalf("failed jobs %+v (%v)", failed, err)
		}
		if n := len(w.smtp.Received()); n != 0 {
			t.Fatalf("%d mails sent", n)
		}
	})
}

// closedPort is a port of 127.0.0.1 on which nothing listens.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
