package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// JobWebhook is the kind of the job that delivers one event to one webhook.
const JobWebhook = "webhook"

type webhookRow struct {
	ID             string `gorm:"primaryKey"`
	URL            string `gorm:"column:url"`
	Secret         string
	Events         string
	Active         bool
	DisabledReason string
	CreatedBy      string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (webhookRow) TableName() string { return "webhooks" }

func webhookFromRow(r webhookRow) (survey.Webhook, error) {
	w := survey.Webhook{ID: r.ID, URL: r.URL, Secret: r.Secret, Active: r.Active, DisabledReason: r.DisabledReason,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	return w, json.Unmarshal([]byte(r.Events), &w.Events)
}

func webhookToRow(w survey.Webhook) (webhookRow, error) {
	events, err := json.Marshal(w.Events)
	return webhookRow{ID: w.ID, URL: w.URL, Secret: w.Secret, Events: string(events), Active: w.Active,
		DisabledReason: w.DisabledReason, CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}, err
}

// CreateWebhook registers an active webhook, after w.Validate(self), with a fresh
// secret unless it has one.
func (s *Store) CreateWebhook(ctx context.Context, w survey.Webhook, self []string) (survey.Webhook, error) {
	if w.Secret == "" {
		secret, err := survey.NewWebhookSecret()
		if err != nil {
			return survey.Webhook{}, err
		}
		w.Secret = secret
	}
	if err := w.Validate(self); err != nil {
		return survey.Webhook{}, err
	}
	now := s.Now()
	w.ID, w.Active, w.DisabledReason, w.CreatedAt, w.UpdatedAt = s.newID("whk"), true, "", now, now
	row, err := webhookToRow(w)
	if err != nil {
		return survey.Webhook{}, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.audit(tx, "webhook.created", "webhook", w.ID, "", nil, w)
	})
	if err != nil {
		return survey.Webhook{}, wrap(err, "create webhook")
	}
	return w, nil
}

func (s *Store) webhook(db *gorm.DB, id string) (survey.Webhook, error) {
	var row webhookRow
	err := db.Where("id = ?", id).Take(&row).Error
	if isNotFound(err) {
		return survey.Webhook{}, survey.Errorf(survey.NotFound, "no webhook has the id %q", id)
	}
	if err != nil {
		return survey.Webhook{}, err
	}
	return webhookFromRow(row)
}

// Webhook returns one webhook.
func (s *Store) Webhook(ctx context.Context, id string) (survey.Webhook, error) {
	w, err := s.webhook(s.db.WithContext(ctx), id)
	return w, wrap(err, "read webhook")
}

// Webhooks returns a page of the webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, p Page) ([]survey.Webhook, string, error) {
	q := s.db.WithContext(ctx).Order("id").Limit(p.limit())
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []webhookRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list webhooks")
	}
	rows, next := cut(rows, p, func(r webhookRow) string { return r.ID })
	out := make([]survey.Webhook, len(rows))
	for i, r := range rows {
		w, err := webhookFromRow(r)
		if err != nil {
			return nil, "", wrap(err, "read webhook")
		}
		out[i] = w
	}
	return out, next, nil
}

// EditWebhook replaces the webhook with edit(current), validated. Making it active
// again clears why the server disabled it.
func (s *Store) EditWebhook(ctx context.Context, id string, edit func(survey.Webhook) survey.Webhook, self []string) (survey.Webhook, error) {
	var out survey.Webhook
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.webhook(tx, id)
		if err != nil {
			return err
		}
		next := edit(cur)
		next.ID, next.CreatedBy, next.CreatedAt, next.UpdatedAt = cur.ID, cur.CreatedBy, cur.CreatedAt, s.Now()
		if next.Active {
			next.DisabledReason = ""
		}
		if err := next.Validate(self); err != nil {
			return err
		}
		row, err := webhookToRow(next)
		if err != nil {
			return err
		}
		out = next
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		return s.audit(tx, "webhook.updated", "webhook", id, "", cur, next)
	})
	return out, wrap(err, "edit webhook")
}

// DeleteWebhook removes the webhook and its deliveries; deliveries still queued
// find it gone and do nothing.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.webhook(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&webhookRow{}).Error; err != nil {
			return err
		}
		return s.audit(tx, "webhook.deleted", "webhook", id, "", cur, nil)
	})
	return wrap(err, "delete webhook")
}

// DisableWebhook stops deliveries to the webhook, with the reason.
func (s *Store) DisableWebhook(ctx context.Context, id, reason string) error {
	err := s.db.WithContext(ctx).Model(&webhookRow{}).Where("id = ?", id).
		Updates(map[string]any{"active": false, "disabled_reason": reason, "updated_at": s.Now()}).Error
	return wrap(err, "disable webhook")
}

// webhookPayload is the payload of a JobWebhook job.
type webhookPayload struct {
	Webhook      string `json:"webhook"`
	Notification string `json:"notification"`
}

// WebhookDelivery is a delivery job's work, read from its payload.
type WebhookDelivery struct {
	Webhook      string
	Notification string
}

// ReadWebhookDelivery reads the work of a delivery job.
func ReadWebhookDelivery(j survey.Job) (WebhookDelivery, error) {
	var p webhookPayload
	err := json.Unmarshal(j.Payload, &p)
	return WebhookDelivery{Webhook: p.Webhook, Notification: p.Notification}, err
}

// DeliveryJobs returns the jobs that deliver the notification to every active
// webhook that subscribes to its type, keyed so that each is queued once.
func (s *Store) DeliveryJobs(ctx context.Context, n survey.Notification) ([]survey.Job, error) {
	var rows []webhookRow
	if err := s.db.WithContext(ctx).Where("active = ?", true).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list webhooks")
	}
	var out []survey.Job
	for _, r := range rows {
		w, err := webhookFromRow(r)
		if err != nil {
			return nil, wrap(err, "read webhook")
		}
		if !w.Subscribes(n.Type) {
			continue
		}
		payload, err := json.Marshal(webhookPayload{Webhook: w.ID, Notification: n.ID})
		if err != nil {
			return nil, err
		}
		out = append(out, survey.Job{Kind: JobWebhook, Key: "webhook:" + n.ID + ":" + w.ID, Subject: n.Survey.ID, Payload: payload})
	}
	return out, nil
}

// Resend queues the event of a past delivery to its webhook again, as a new job
// with the same webhook-id, and returns the job.
func (s *Store) Resend(ctx context.Context, webhookID, deliveryID string) (survey.Job, error) {
	var out survey.Job
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var d deliveryRow
		err := tx.Where("id = ? AND webhook_id = ?", deliveryID, webhookID).Take(&d).Error
		if isNotFound(err) {
			return survey.Errorf(survey.NotFound, "webhook %q has no delivery %q", webhookID, deliveryID)
		}
		if err != nil {
			return err
		}
		payload, err := json.Marshal(webhookPayload{Webhook: webhookID, Notification: d.NotificationID})
		if err != nil {
			return err
		}
		key := "webhook:" + d.NotificationID + ":" + webhookID + ":resend:" + s.newID("rsd")
		if err := s.enqueue(tx, survey.Job{Kind: JobWebhook, Key: key, Payload: payload}); err != nil {
			return err
		}
		var row jobRow
		if err := tx.Where("key = ?", key).Take(&row).Error; err != nil {
			return err
		}
		out = jobFromRow(row)
		return s.audit(tx, "webhook.resent", "webhook", webhookID, "", nil, map[string]string{"delivery": deliveryID, "job": out.ID})
	})
	return out, wrap(err, "resend delivery")
}

type deliveryRow struct {
	ID             string `gorm:"primaryKey"`
	WebhookID      string
	NotificationID string
	Type           string
	Attempt        int
	Status         int
	LatencyMS      int64 `gorm:"column:latency_ms"`
	Error          string
	JobID          string
	At             time.Time
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

// RecordDelivery keeps one attempt of a delivery in the webhook's log. A delivery
// to a webhook deleted meanwhile is not kept.
func (s *Store) RecordDelivery(ctx context.Context, d survey.Delivery) (survey.Delivery, error) {
	d.ID, d.At = s.newID("dlv"), s.Now()
	row := deliveryRow{ID: d.ID, WebhookID: d.Webhook, NotificationID: d.Notification, Type: string(d.Type), Attempt: d.Attempt,
		Status: d.Status, LatencyMS: d.Latency.Milliseconds(), Error: d.Error, JobID: d.Job, At: d.At}
	err := s.db.WithContext(ctx).Create(&row).Error
	if isForeignKey(err) {
		return d, nil
	}
	return d, wrap(err, "record delivery")
}

// Deliveries returns a page of the webhook's deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, webhookID string, p Page) ([]survey.Delivery, string, error) {
	if _, err := s.Webhook(ctx, webhookID); err != nil {
		return nil, "", err
	}
	q := s.db.WithContext(ctx).Where("webhook_id = ?", webhookID).Order("id DESC").Limit(p.limit())
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	var rows []deliveryRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list deliveries")
	}
	rows, next := cut(rows, p, func(r deliveryRow) string { return r.ID })
	out := make([]survey.Delivery, len(rows))
	for i, r := range rows {
		out[i] = survey.Delivery{ID: r.ID, Webhook: r.WebhookID, Notification: r.NotificationID, Type: survey.NotificationType(r.Type),
			Attempt: r.Attempt, Status: r.Status, Latency: time.Duration(r.LatencyMS) * time.Millisecond, Error: r.Error, Job: r.JobID, At: r.At}
	}
	return out, next, nil
}
