package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/requestid"
	"github.com/tldcouncil/surveyd/internal/survey"
)

type auditRow struct {
	ID         string `gorm:"primaryKey"`
	At         time.Time
	Actor      string
	RequestID  string
	Kind       string
	ObjectType string
	ObjectID   string
	MemberCode string
	BeforeJSON string
	AfterJSON  string
}

func (auditRow) TableName() string { return "audit_log" }

type actorKey struct{}

// WithActor returns ctx carrying the user on whose behalf the store's writes are
// made, for the audit trail; the API sets it once a request is authenticated.
// Writes without one (the demo, the command line, jobs) are by "system".
func WithActor(ctx context.Context, u survey.User) context.Context {
	return context.WithValue(ctx, actorKey{}, u.ID)
}

// SystemActor is the actor of the writes that no user's request made.
const SystemActor = "system"

func actorFrom(ctx context.Context) string {
	if id, ok := ctx.Value(actorKey{}).(string); ok && id != "" {
		return id
	}
	return SystemActor
}

// audit writes one entry of the audit trail inside the transaction of the
// change it records: who (from the context), when, the request's id, what kind
// of change to which object, the member it concerns ("" for none: only the
// secretariat sees it) and the object before and after (nil for none), as JSON
// with every secret left out.
func (s *Store) audit(tx *gorm.DB, kind, objectType, objectID, member string, before, after any) error {
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	b, err := auditJSON(before)
	if err != nil {
		return err
	}
	a, err := auditJSON(after)
	if err != nil {
		return err
	}
	row := auditRow{ID: s.newID("aud"), At: s.Now(), Actor: actorFrom(ctx), RequestID: requestid.From(ctx), Kind: kind,
		ObjectType: objectType, ObjectID: objectID, MemberCode: member, BeforeJSON: b, AfterJSON: a}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// auditJSON encodes a snapshot, leaving out what must never be written down
// again: webhook secrets (token hashes and passwords are in no domain value).
func auditJSON(v any) (string, error) {
	switch w := v.(type) {
	case nil:
		return "null", nil
	case survey.Webhook:
		w.Secret = ""
		v = w
	case survey.User:
		w.Chaired = nil
		v = w
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode audit snapshot: %w", err)
	}
	return string(raw), nil
}

// AuditFilter narrows the audit trail; empty fields do not filter.
type AuditFilter struct {
	Actor      string
	ObjectType string
	ObjectID   string
	Kind       string
	Member     string // only entries that concern this member (for a member's user)
	From, To   *time.Time
}

// Audit returns a page of the audit trail, newest first.
func (s *Store) Audit(ctx context.Context, f AuditFilter, p Page) ([]survey.AuditEntry, string, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(p.limit())
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Member != "" {
		q = q.Where("member_code = ?", f.Member)
	}
	if f.From != nil {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("at < ?", f.To.UTC())
	}
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	var rows []auditRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "read the audit trail")
	}
	rows, next := cut(rows, p, func(r auditRow) string { return r.ID })
	out := make([]survey.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = survey.AuditEntry{ID: r.ID, At: r.At, Actor: r.Actor, RequestID: r.RequestID, Kind: r.Kind,
			ObjectType: r.ObjectType, ObjectID: r.ObjectID, Member: r.MemberCode,
			Before: json.RawMessage(r.BeforeJSON), After: json.RawMessage(r.AfterJSON)}
	}
	return out, next, nil
}
