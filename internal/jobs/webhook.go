package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
	"github.com/tldcouncil/surveyd/internal/webhook"
)

// webhookRetries are the waits between the attempts of a delivery: the schedule
// the Standard Webhooks specification suggests, about 27 hours in all, after which
// the webhook is disabled and the secretariat told.
func webhookRetries() []time.Duration {
	return []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
}

// webhookPolicy tries a delivery once and then after each wait of webhookRetries.
func webhookPolicy() Policy {
	waits := webhookRetries()
	return Policy{MaxAttempts: len(waits) + 1, Backoff: func(attempt int) time.Duration {
		return waits[min(attempt, len(waits))-1]
	}}
}

// deliver sends one event to one webhook and logs the attempt. A webhook deleted
// or disabled meanwhile is sent nothing. When the last attempt fails, the
// webhook is disabled and the secretariat is mailed a notice.
func (n *notifier) deliver(ctx context.Context, j survey.Job) error {
	d, err := store.ReadWebhookDelivery(j)
	if err != nil {
		return Permanent(fmt.Errorf("payload: %w", err))
	}
	hook, err := n.store.Webhook(ctx, d.Webhook)
	if survey.ErrorCode(err) == survey.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if !hook.Active {
		return nil
	}
	ev, err := n.store.Notification(ctx, d.Notification)
	if err != nil {
		if survey.ErrorCode(err) == survey.NotFound {
			return Permanent(err)
		}
		return err
	}
	body, err := webhook.Body(ev)
	if err != nil {
		return Permanent(err)
	}
	res := webhook.Deliver(ctx, hook.URL, hook.Secret, ev.ID, n.store.Now(), body, n.opts.WebhookTimeout)
	rec := survey.Delivery{Webhook: hook.ID, Notification: ev.ID, Type: ev.Type, Attempt: j.Attempts, Status: res.Status,
		Latency: res.Latency, Job: j.ID}
	if res.Err != nil {
		rec.Error = res.Err.Error()
	}
	if _, err := n.store.RecordDelivery(ctx, rec); err != nil {
		n.log.Warn("recording a webhook delivery", "error", err)
	}
	if res.Err == nil {
		return nil
	}
	if j.Attempts < webhookPolicy().MaxAttempts {
		return res.Err
	}
	reason := fmt.Sprintf("every attempt over a day to deliver %s %s failed; the last: %v", ev.Type, ev.ID, res.Err)
	if err := n.store.DisableWebhook(ctx, hook.ID, reason); err != nil {
		return err
	}
	if err := n.noticeSecretariat(ctx, j.ID, "webhook disabled",
		fmt.Sprintf("The webhook %s (%s) has been disabled: %s. Once it works again, make it active with PATCH /v1/webhooks/%s {\"active\": true}; re-send what it missed from its deliveries.",
			hook.ID, hook.URL, reason, hook.ID),
		n.opts.BaseURL+"/v1/webhooks/"+hook.ID+"/deliveries"); err != nil {
		return err
	}
	return Permanent(res.Err)
}

// noticeSecretariat mails a notice to the active users of the secretariat who
// have not switched notices off.
func (n *notifier) noticeSecretariat(ctx context.Context, source, heading, text, link string) error {
	people, err := n.store.Secretariat(ctx)
	if err != nil {
		return err
	}
	var mails []survey.Job
	for _, u := range people {
		prefs, err := n.store.MailPreferences(ctx, u.ID)
		if err != nil {
			return err
		}
		if !prefs.Wants(survey.MailNotice) {
			continue
		}
		job, err := mailJob(source, "", survey.Mail{Kind: survey.MailNotice, Template: "notice", UserID: u.ID, To: u.Email, Name: u.Name,
			Data: survey.MailData{Heading: heading, Text: text, Link: link}})
		if err != nil {
			return err
		}
		mails = append(mails, job)
	}
	return n.store.Enqueue(ctx, mails...)
}
