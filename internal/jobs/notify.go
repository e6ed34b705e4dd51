package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/mail"
	"github.com/tldcouncil/surveyd/internal/metrics"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// KindMail is the job that sends one mail to one person.
const KindMail = "mail"

// Sender sends one written mail: mail.SMTP, or the outbox when no server is set.
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

// NotifyOptions configure the telling of people.
type NotifyOptions struct {
	Templates *mail.Templates
	Sender    Sender
	// BaseURL is how people reach the API, for the links in mails
	// ("https://surveys.example.org"); no trailing slash.
	BaseURL string
	// Reminders are the lead times before a deadline at which members that have
	// not submitted are reminded.
	Reminders []time.Duration
	// WebhookTimeout is how long a webhook's endpoint has to answer; 10 seconds
	// when zero.
	WebhookTimeout time.Duration
}

// DefaultReminders are the lead times of reminders when none are configured.
func DefaultReminders() []time.Duration {
	return []time.Duration{7 * 24 * time.Hour, 2 * 24 * time.Hour}
}

// notifier handles the jobs that tell people of what happened.
type notifier struct {
	store   *store.Store
	log     *slog.Logger
	opts    NotifyOptions
	metrics *metrics.Metrics
}

// HandleNotifications makes the worker tell people of notifications by mail and
// systems by webhook, remind people before deadlines, send the mails and deliver
// the events.
func (w *Worker) HandleNotifications(o NotifyOptions) {
	if o.Reminders == nil {
		o.Reminders = DefaultReminders()
	}
	if o.WebhookTimeout <= 0 {
		o.WebhookTimeout = 10 * time.Second
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	n := &notifier{store: w.store, log: w.log, opts: o, metrics: w.opts.Metrics}
	w.Handle(store.JobNotify, Policy{MaxAttempts: 10, Backoff: Exponential(10*time.Second, 30*time.Minute)}, n.notify)
	w.Handle(store.JobReminder, Policy{MaxAttempts: 10, Backoff: Exponential(30*time.Second, 30*time.Minute)}, n.remind)
	// Eight tries over about two hours: a mail server down for longer is a failure
	// the secretariat should see.
	w.Handle(KindMail, Policy{MaxAttempts: 8, Backoff: Exponential(time.Minute, time.Hour)}, n.send)
	w.Handle(store.JobWebhook, webhookPolicy(), n.deliver)
}

// notify tells of one notification: it queues the mails, moves the reminders,
// and queues the webhook deliveries. Every job it queues has a key made of the
// notification's id, so that doing it again after a crash queues nothing twice.
func (n *notifier) notify(ctx context.Context, j survey.Job) error {
	var p struct {
		Notification string `json:"notification"`
	}
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return Permanent(fmt.Errorf("payload: %w", err))
	}
	ev, err := n.store.Notification(ctx, p.Notification)
	if err != nil {
		if survey.ErrorCode(err) == survey.NotFound {
			return Permanent(err)
		}
		return err
	}
	switch ev.Type {
	case survey.NotifySurveyOpened, survey.NotifySeriesPeriodOpened, survey.NotifySurveyClosed, survey.NotifyDeadlineMoved:
		if err := n.store.ScheduleReminders(ctx, ev.Survey.ID, n.opts.Reminders); err != nil {
			return err
		}
	}
	var mails []survey.Job
	switch ev.Type {
	case survey.NotifySurveyOpened:
		mails, err = n.toAudience(ctx, ev.ID, ev.Survey.ID, survey.MailInvitation, "invitation", "", nil)
	case survey.NotifySeriesPeriodOpened:
		mails, err = n.toAudience(ctx, ev.ID, ev.Survey.ID, survey.MailStatistics, "period_opened", "", nil)
	case survey.NotifySurveyPublished, survey.NotifySeriesPeriodPublished:
		mails, err = n.toAudience(ctx, ev.ID, ev.Survey.ID, survey.MailResults, "results", "", nil)
	case survey.NotifyResponseSubmitted:
		mails, err = n.toAudience(ctx, ev.ID, ev.Survey.ID, survey.MailReceipt, "receipt_submitted", ev.Member, nil)
	case survey.NotifyResponseWithdrawn:
		mails, err = n.toAudience(ctx, ev.ID, ev.Survey.ID, survey.MailReceipt, "receipt_withdrawn", ev.Member, nil)
	}
	if err != nil {
		return err
	}
	if ev.Type.Public() {
		deliveries, err := n.store.DeliveryJobs(ctx, ev)
		if err != nil {
			return err
		}
		mails = append(mails, deliveries...)
	}
	return n.store.Enqueue(ctx, mails...)
}

// toAudience returns the mail jobs of one kind for the people of the members of
// the survey's audience (only member's when it is not "") that pick selects (all
// when nil), leaving out those who switched the kind off. source names what
// caused them, for the jobs' keys.
func (n *notifier) toAudience(ctx context.Context, source, surveyID string, kind survey.MailKind, template string,
	member string, pick func(survey.MemberProgress) bool) ([]survey.Job, error) {
	sv, err := n.store.Survey(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	// An invitation to a survey closed meanwhile would be news no longer true
	// (and the demo, which makes its history at once, would send dozens).
	if (template == "invitation" || template == "period_opened") && sv.Status != survey.StatusOpen {
		return nil, nil
	}
	// The people first, then the progress of only their members: of an
	// audience of thousands, few members have anyone to tell.
	people, err := n.store.Recipients(ctx, sv, member)
	if err != nil {
		return nil, err
	}
	progress, err := n.store.ProgressOf(ctx, sv, slices.Collect(maps.Keys(people)))
	if err != nil {
		return nil, err
	}
	link := n.opts.BaseURL + "/v1/surveys/" + sv.ID + "/responses/"
	if kind == survey.MailResults {
		link = n.opts.BaseURL + "/v1/surveys/" + sv.ID + "/results"
	}
	var out []survey.Job
	for _, p := range progress {
		if pick != nil && !pick(p) {
			continue
		}
		for _, u := range people[p.Member] {
			prefs, err := n.store.MailPreferences(ctx, u.ID)
			if err != nil {
				return nil, err
			}
			if !prefs.Wants(kind) {
				continue
			}
			data := survey.MailData{Survey: sv.Notified(), Member: p.Member, MemberName: p.Name, Deadline: p.Deadline,
				Status: p.Status, RequiredAnswered: p.RequiredAnswered, RequiredTotal: p.RequiredTotal, Link: link}
			if kind != survey.MailResults {
				data.Link += p.Member
			}
			job, err := mailJob(source, sv.ID, survey.Mail{Kind: kind, Template: template, UserID: u.ID, To: u.Email, Name: u.Name, Data: data})
			if err != nil {
				return nil, err
			}
			out = append(out, job)
		}
	}
	return out, nil
}

// mailJob is the job that sends m; its key is the source and the person.
func mailJob(source, subject string, m survey.Mail) (survey.Job, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return survey.Job{}, err
	}
	return survey.Job{Kind: KindMail, Key: "mail:" + source + ":" + m.UserID, Subject: subject, Payload: payload}, nil
}

// remind mails the people of the members whose deadline is the reminder's (or,
// for a reminder asked for now, the members it names) and who have not submitted. A reminder that comes too late, or for a survey no
// longer open, reminds nobody.
func (n *notifier) remind(ctx context.Context, j survey.Job) error {
	r, err := store.ReadReminder(j)
	if err != nil {
		return Permanent(fmt.Errorf("payload: %w", err))
	}
	sv, err := n.store.Survey(ctx, r.Survey)
	if err != nil {
		if survey.ErrorCode(err) == survey.NotFound {
			return nil
		}
		return err
	}
	now := n.store.Now()
	if sv.Status != survey.StatusOpen || (len(r.Members) == 0 && !now.Before(r.Deadline)) {
		return nil
	}
	kind, template := survey.MailReminder, "reminder"
	if sv.Period != "" {
		kind, template = survey.MailStatistics, "period_closing"
	}
	pick := func(p survey.MemberProgress) bool {
		return p.Status != survey.ResponseSubmitted && p.Deadline != nil && p.Deadline.Equal(r.Deadline)
	}
	if len(r.Members) > 0 {
		// Asked for now (store.RemindNow): the members named that have still
		// not submitted by the time it runs, and can still.
		pick = func(p survey.MemberProgress) bool {
			return p.Status != survey.ResponseSubmitted && slices.Contains(r.Members, p.Member) &&
				(p.Deadline == nil || now.Before(*p.Deadline))
		}
	}
	mails, err := n.toAudience(ctx, j.ID, sv.ID, kind, template, "", pick)
	if err != nil {
		return err
	}
	return n.store.Enqueue(ctx, mails...)
}

// send writes one mail and sends it. Its Message-ID is made of the job's id, so
// that the rare repeat (a crash after the server took the mail and before the job
// was recorded done) is recognisable.
func (n *notifier) send(ctx context.Context, j survey.Job) error {
	var m survey.Mail
	if err := json.Unmarshal(j.Payload, &m); err != nil {
		return Permanent(fmt.Errorf("payload: %w", err))
	}
	msg, err := n.opts.Templates.Write(j.ID+"@surveyd", m)
	if err != nil {
		return Permanent(err)
	}
	err = n.opts.Sender.Send(ctx, msg)
	n.metrics.MailSent(err)
	if refused := new(mail.RefusedError); errors.As(err, &refused) {
		return Permanent(err)
	}
	return err
}

// Outbox is the sender used when no SMTP server is configured: it writes each
// mail to the log and keeps it for GET /v1/outbox.
type Outbox struct {
	Store *store.Store
	Log   *slog.Logger
}

// Send keeps the mail.
func (o Outbox) Send(ctx context.Context, m mail.Message) error {
	if m.To == "" {
		return &mail.RefusedError{Err: errors.New("the recipient has no e-mail address")}
	}
	o.Log.Info("mail (no SMTP server configured: kept in the outbox)", "to", m.To, "subject", m.Subject, "message_id", m.ID, "text", m.Text)
	return o.Store.AddToOutbox(ctx, store.OutboxMail{MessageID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
}
