package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/mail"
	"github.com/tldcouncil/surveyd/internal/metrics"
	"github.com/tldcouncil/surveyd/internal/store"
)

// startWorker runs the durable jobs of the database in this process until ctx
// ends: the scheduler's ticks (editions opened when their period starts, passed
// deadlines recorded), the mails and reminders. Every API process runs one; each
// job is done by one of them. The returned function stops the worker and waits
// for the jobs in hand to finish. selfURL is how this server is reached when
// SURVEY_BASE_URL does not say.
func startWorker(ctx context.Context, st *store.Store, log *slog.Logger, m *metrics.Metrics, getenv func(string) string, selfURL string) (stop func(), err error) {
	notify, err := notifyConfig(getenv, selfURL)
	if err != nil {
		return nil, err
	}
	if notify.Sender == nil {
		notify.Sender = jobs.Outbox{Store: st, Log: log}
		log.Info("no SMTP server configured (SURVEY_SMTP_HOST): mails go to the log and GET /v1/outbox")
	}
	every, err := tickEvery(getenv)
	if err != nil {
		return nil, err
	}
	w := jobs.New(st, jobs.Options{Logger: log, Metrics: m, TickEvery: every})
	w.HandleNotifications(notify)
	if err := w.StartTicking(ctx); err != nil {
		return nil, fmt.Errorf("start the scheduler: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() { cancel(); <-done }, nil
}

// tickEvery reads SURVEY_TICK_EVERY, how often the scheduler runs (30 s when
// unset): a shorter one opens due editions and locks passed deadlines sooner, at
// the cost of a small query per series each time. Every process of one database
// should have the same. Under a second is refused: the ticks would be most of
// the queue's work.
func tickEvery(getenv func(string) string) (time.Duration, error) {
	v := getenv("SURVEY_TICK_EVERY")
	if v == "" {
		return jobs.TickEvery, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("SURVEY_TICK_EVERY=%q: want a duration of at least 1s, such as 30s", v)
	}
	return d, nil
}

// notifyConfig reads how mails are sent from the environment: SURVEY_SMTP_HOST,
// _PORT, _USERNAME, _PASSWORD, _TLS (none, starttls or tls), SURVEY_MAIL_FROM,
// SURVEY_BASE_URL for the links, and SURVEY_REMINDERS, the lead times of
// reminders before a deadline ("168h,48h"). Without a host the Sender is nil.
func notifyConfig(getenv func(string) string, selfURL string) (jobs.NotifyOptions, error) {
	var o jobs.NotifyOptions
	tpl, err := mail.ParseTemplates()
	if err != nil {
		return o, err
	}
	o.Templates = tpl
	o.BaseURL = getenv("SURVEY_BASE_URL")
	if o.BaseURL == "" {
		o.BaseURL = selfURL
	}
	if !strings.HasPrefix(o.BaseURL, "http://") && !strings.HasPrefix(o.BaseURL, "https://") {
		return o, fmt.Errorf("SURVEY_BASE_URL=%q: want http://... or https://...", o.BaseURL)
	}
	if v := getenv("SURVEY_REMINDERS"); v != "" {
		for _, part := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(part))
			if err != nil || d <= 0 {
				return o, fmt.Errorf("SURVEY_REMINDERS=%q: want lead times such as 168h,48h", v)
			}
			o.Reminders = append(o.Reminders, d)
		}
	}
	host := getenv("SURVEY_SMTP_HOST")
	if host == "" {
		return o, nil
	}
	cfg := mail.SMTPConfig{Host: host, Username: getenv("SURVEY_SMTP_USERNAME"), Password: getenv("SURVEY_SMTP_PASSWORD"),
		TLS: getenv("SURVEY_SMTP_TLS"), From: getenv("SURVEY_MAIL_FROM")}
	if v := getenv("SURVEY_SMTP_PORT"); v != "" {
		if cfg.Port, err = strconv.Atoi(v); err != nil {
			return o, fmt.Errorf("SURVEY_SMTP_PORT=%q: not a port", v)
		}
	}
	sender, err := mail.NewSMTP(cfg)
	if err != nil {
		return o, err
	}
	o.Sender = sender
	return o, nil
}

// selfAddrs are the addresses ("host:port") at which this server is reached: the
// one it listens on and the one of SURVEY_BASE_URL. No webhook may point at them.
func selfAddrs(listen net.Addr, base string) []string {
	out := []string{listen.String()}
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		out = append(out, net.JoinHostPort(u.Hostname(), port))
	}
	return out
}
