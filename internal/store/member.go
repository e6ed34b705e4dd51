package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type memberRow struct {
	Code       string `gorm:"primaryKey"`
	Name       string
	Country    string
	Membership string
	Active     bool
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (memberRow) TableName() string { return "members" }

func memberFromRow(r memberRow) survey.Member {
	return survey.Member{
		Code: r.Code, Name: r.Name, Country: r.Country,
		Membership: survey.Membership(r.Membership), Active: r.Active,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func memberToRow(m survey.Member) memberRow {
	return memberRow{
		Code: m.Code, Name: m.Name, Country: m.Country,
		Membership: string(m.Membership), Active: m.Active,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

// CreateMember stores a new member and returns it as stored.
func (s *Store) CreateMember(ctx context.Context, m survey.Member) (survey.Member, error) {
	now := s.Now()
	m.CreatedAt, m.UpdatedAt = now, now
	row := memberToRow(m)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.audit(tx, "member.created", "member", m.Code, m.Code, nil, m)
	})
	if isDuplicate(err) {
		return survey.Member{}, &survey.Error{Code: survey.Conflict, Reason: survey.Taken, Message: "a member with this code exists already",
			Fields: []survey.FieldError{{Field: "code", Reason: "member " + m.Code + " exists already"}}}
	}
	if err != nil {
		return survey.Member{}, wrap(err, "create member")
	}
	return m, nil
}

// Member returns the member with the given code.
func (s *Store) Member(ctx context.Context, code string) (survey.Member, error) {
	var row memberRow
	err := s.db.WithContext(ctx).Where("code = ?", code).Take(&row).Error
	if isNotFound(err) {
		return survey.Member{}, survey.Refusef(survey.NotFound, survey.NoSuchMember, "no member has the code %q", code)
	}
	if err != nil {
		return survey.Member{}, wrap(err, "read member")
	}
	return memberFromRow(row), nil
}

// Members returns a page of members ordered by code.
func (s *Store) Members(ctx context.Context, p Page) ([]survey.Member, string, error) {
	var rows []memberRow
	q := s.db.WithContext(ctx).Order("code").Limit(p.limit())
	if p.After != "" {
		q = q.Where("code > ?", p.After)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list members")
	}
	rows, next := cut(rows, p, func(r memberRow) string { return r.Code })
	out := make([]survey.Member, len(rows))
	for i, r := range rows {
		out[i] = memberFromRow(r)
	}
	return out, next, nil
}

// UpdateMember applies u to the member with the given code and returns the result.
func (s *Store) UpdateMember(ctx context.Context, code string, u survey.MemberUpdate) (survey.Member, error) {
	var out survey.Member
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var row memberRow
		err := tx.Where("code = ?", code).Take(&row).Error
		if isNotFound(err) {
			return survey.Refusef(survey.NotFound, survey.NoSuchMember, "no member has the code %q", code)
		}
		if err != nil {
			return err
		}
		cur := memberFromRow(row)
		out = u.Apply(cur)
		out.UpdatedAt = s.Now()
		row = memberToRow(out)
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		return s.audit(tx, "member.updated", "member", code, code, cur, out)
	})
	if err != nil {
		return survey.Member{}, wrap(err, "update member")
	}
	return out, nil
}

// HasMembers reports whether any member exists: the demo loads only into an empty
// directory.
func (s *Store) HasMembers(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&memberRow{}).Limit(1).Count(&n).Error; err != nil {
		return false, wrap(err, "count members")
	}
	return n > 0, nil
}
