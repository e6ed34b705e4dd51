package jobs_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
	"github.com/tldcouncil/surveyd/internal/webhook"
)

// receiver is a webhook endpoint on 127.0.0.1 that checks every signature as a
// subscriber would and keeps what it received.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	clock  *clock
	status int           // what it answers; 204 when zero
	delay  time.Duration // how long it takes to answer

	mu  sync.Mutex
	got []received
}

type received struct {
	ID   string
	Type string
	Body map[string]any
	Raw  string
}

func newReceiver(t *testing.T, clk *clock, status int, delay time.Duration) *receiver {
	r := &receiver{t: t, clock: clk, status: status, delay: delay}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		if err := webhook.Verify(r.secret, req.Header, raw, r.clock.Now(), 5*time.Minute); err != nil {
			r.t.Errorf("a delivery that does not verify: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r.mu.Lock()
		delay := r.delay
		r.mu.Unlock()
		time.Sleep(delay)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			r.t.Errorf("a delivery that is not JSON: %s", raw)
		}
		r.mu.Lock()
		r.got = append(r.got, received{ID: req.Header.Get("webhook-id"), Type: fmt.Sprint(body["type"]), Body: body, Raw: string(raw)})
		r.mu.Unlock()
		if r.status != 0 {
			w.WriteHeader(r.status)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setDelay(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delay = d
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (w *world) register(r *receiver, events ...survey.NotificationType) survey.Webhook {
	w.t.Helper()
	hook, err := w.store.CreateWebhook(w.ctx, survey.Webhook{URL: r.srv.URL + "/hooks", Events: events, CreatedBy: w.admin.ID}, []string{"127.0.0.1:8080"})
	if err != nil {
		w.t.Fatal(err)
	}
	r.secret = hook.Secret
	return hook
}

// TestWebhookDeliveries: signed events reach the endpoints that subscribe to
// them, once each with two workers on one database; a failing endpoint is
// retried for a day, logged, then disabled with a notice to the secretariat; a
// delivery can be sent again by hand.
func TestWebhookDeliveries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		w := newWorld(t, db)
		good := newReceiver(t, w.clock, 0, 0)
		broken := newReceiver(t, w.clock, http.StatusServiceUnavailable, 0)
		slow := newReceiver(t, w.clock, 0, time.Second)
		goodHook := w.register(good, survey.NotifySurveyOpened, survey.NotifyResponseSubmitted)
		brokenHook := w.register(broken, survey.NotifySurveyOpened)
		slowHook := w.register(slow, survey.NotifyResponseSubmitted)

		sv := w.openSurvey()
		// Two processes on the database, two workers each.
		other := db.Open(t, store.Options{Now: w.clock.Now})
		workers := []*jobs.Worker{w.worker(w.store, "a1"), w.worker(other, "b1"), w.worker(w.store, "a2"), w.worker(other, "b2")}
		runAll := func() {
			var wg sync.WaitGroup
			for _, wk := range workers {
				wg.Go(func() {
					for range 3 {
						if _, err := wk.RunOnce(w.ctx); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
		}
		runAll()
		if _, err := w.store.Submit(w.ctx, store.Write{SurveyID: sv.ID, Member: "dk", Answers: map[string]any{"zone_signed": true},
			By: w.people[annaDK]}); err != nil {
			t.Fatal(err)
		}
		runAll()

		got := good.received()
		if len(got) != 2 || got[0].Type != "survey.opened" || got[1].Type != "response.submitted" || got[0].ID == got[1].ID {
			t.Fatalf("the good endpoint received %+v, want survey.opened then response.submitted, once each", got)
		}
		if id, _ := got[0].Body["data"].(map[string]any)["survey"].(map[string]any)["id"]; id != sv.ID || !strings.HasPrefix(got[0].ID, "msg_") {
			t.Fatalf("survey.opened: %s", got[0].Raw)
		}
		resp, _ := got[1].Body["data"].(map[string]any)["response"].(map[string]any)
		if resp["member"] != "dk" || resp["status"] != "submitted" || strings.Contains(got[1].Raw, "zone_signed") {
			t.Fatalf("response.submitted carries %s: want the member and the status, and never the answers", got[1].Raw)
		}
		if n := len(broken.received()); n != 1 {
			t.Fatalf("the broken endpoint got %d attempts at once, want 1", n)
		}
		slowLog, _, err := w.store.Deliveries(w.ctx, slowHook.ID, store.Page{Limit: 10})
		if err != nil || len(slowLog) != 1 || slowLog[0].Status != 0 || !strings.Contains(slowLog[0].Error, "deadline exceeded") {
			t.Fatalf("the slow endpoint's log %+v (%v), want a timeout", slowLog, err)
		}
		slow.setDelay(0) // it recovers, and takes the retry

		// The broken endpoint: retried on the schedule, then disabled, once.
		for _, wait := range []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour} {
			w.clock.Advance(wait)
			runAll()
		}
		if n := len(broken.received()); n != 8 {
			t.Fatalf("the broken endpoint got %d attempts over a day, want 8", n)
		}
		slowLog, _, err = w.store.Deliveries(w.ctx, slowHook.ID, store.Page{Limit: 10})
		if err != nil || len(slowLog) != 2 || !slowLog[0].OK() || slowLog[0].Attempt != 2 {
			t.Fatalf("the slow endpoint's log %+v (%v), want its retry to have passed", slowLog, err)
		}
		log, _, err := w.store.Deliveries(w.ctx, brokenHook.ID, store.Page{Limit: 20})
		if err != nil || len(log) != 8 || log[0].Attempt != 8 || log[0].Status != 503 || log[7].Attempt != 1 {
			t.Fatalf("the broken endpoint's log %+v (%v)", log, err)
		}
		hook, err := w.store.Webhook(w.ctx, brokenHook.ID)
		if err != nil || hook.Active || !strings.Contains(hook.DisabledReason, "503") {
			t.Fatalf("after a day of failures: %+v (%v), want it disabled with the reason", hook, err)
		}
		notices := w.smtp.To("admin@council.example")
		if len(notices) != 1 || notices[0].Subject != "Notice: webhook disabled" || !strings.Contains(notices[0].Text, brokenHook.ID) {
			t.Fatalf("notices to the secretariat: %+v", notices)
		}
		if _, err := w.store.TransitionSurvey(w.ctx, sv.ID, survey.StatusClosed, w.admin.ID); err != nil {
			t.Fatal(err)
		}
		runAll()
		if n := len(broken.received()); n != 8 {
			t.Fatalf("a disabled endpoint got %d deliveries", n)
		}

		// Sending the good endpoint's first delivery again: the same webhook-id.
		goodLog, _, err := w.store.Deliveries(w.ctx, goodHook.ID, store.Page{Limit: 10})
		if err != nil || len(goodLog) != 2 {
			t.Fatalf("the good endpoint's log %+v (%v)", goodLog, err)
		}
		first := goodLog[1]
		if first.Type != survey.NotifySurveyOpened || !first.OK() || first.Status != 204 {
			t.Fatalf("the good endpoint's first delivery: %+v", first)
		}
		if _, err := w.store.Resend(w.ctx, goodHook.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		runAll()
		got = good.received()
		if len(got) != 3 || got[2].ID != got[0].ID || got[2].Type != "survey.opened" {
			t.Fatalf("after the resend: %+v", got)
		}
		if _, err := w.store.Resend(w.ctx, goodHook.ID, slowLog[0].ID); survey.ErrorCode(err) != survey.NotFound {
			t.Fatalf("re-sending another webhook's delivery: %v, want not found", err)
		}
	})
}

// TestWebhookURLs: only http(s) URLs with a host, not pointing at this server.
func TestWebhookURLs(t *testing.T) {
	self := []string{":8080", "surveys.example.org:443"}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.net/surveys", true},
		{"http://127.0.0.1:9000/hook", true},
		{"http://localhost:8081/hook", true},
		{"ftp://hooks.example.net/", false},
		{"hooks.example.net/x", false},
		{"https:///nohost", false},
		{"http://127.0.0.1:8080/v1/surveys", false},
		{"http://localhost:8080/", false},
		{"http://[::1]:8080/", false},
		{"https://surveys.example.org/v1/me", false},
		{"https://SURVEYS.example.org:443/", false},
		{"https://user:pw@hooks.example.net/", false},
	} {
		if reason := survey.CheckWebhookURL(tc.url, self); (reason == "") != tc.ok {
			t.Errorf("%s: %q, want ok %v", tc.url, reason, tc.ok)
		}
	}
}
