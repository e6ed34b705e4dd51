package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type userRow struct {
	ID         string `gorm:"primaryKey"`
	Email      string
	Name       string
	Role       string
	MemberCode sql.NullString
	Active     bool
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

func userFromRow(r userRow) survey.User {
	return survey.User{
		ID: r.ID, Email: r.Email, Name: r.Name, Role: survey.Role(r.Role),
		Member: r.MemberCode.String, Active: r.Active,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func userToRow(u survey.User) userRow {
	return userRow{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
		MemberCode: sql.NullString{String: u.Member, Valid: u.Member != ""},
		Active:     u.Active, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

// CreateUser stores a new, active user and returns it with its id.
func (s *Store) CreateUser(ctx context.Context, u survey.User) (survey.User, error) {
	var out survey.User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = s.createUser(tx, u)
		return err
	})
	return out, wrap(err, "create user")
}

func (s *Store) createUser(tx *gorm.DB, u survey.User) (survey.User, error) {
	u.Email = survey.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return survey.User{}, err
	}
	if err := s.checkUserMember(tx, u.Member); err != nil {
		return survey.User{}, err
	}
	now := s.Now()
	u.ID, u.Active, u.CreatedAt, u.UpdatedAt = s.newID("usr"), true, now, now
	row := userToRow(u)
	err := tx.Create(&row).Error
	if isDuplicate(err) {
		return survey.User{}, &survey.Error{Code: survey.Conflict, Reason: survey.Taken, Message: "a user with this e-mail address exists already",
			Fields: []survey.FieldError{{Field: "email", Reason: u.Email + " is taken"}}}
	}
	if err != nil {
		return survey.User{}, err
	}
	return u, s.audit(tx, "user.created", "user", u.ID, u.Member, nil, u)
}

// checkUserMember returns an Invalid error when code names no member.
func (s *Store) checkUserMember(tx *gorm.DB, code string) error {
	if code == "" {
		return nil
	}
	var n int64
	if err := tx.Model(&memberRow{}).Where("code = ?", code).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return &survey.Error{Code: survey.Invalid, Reason: survey.UnknownReference, Message: "the user's member does not exist",
			Fields: []survey.FieldError{{Field: "member", Reason: "no member has the code " + code}}}
	}
	return nil
}

// EnsureUser returns the user with u's e-mail address, creating it from u when
// there is none. An existing user of another role or member is a Conflict: the
// caller asked for something other than what exists.
func (s *Store) EnsureUser(ctx context.Context, u survey.User) (survey.User, bool, error) {
	var out survey.User
	created := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var row userRow
		err := tx.Where("email = ?", survey.NormalizeEmail(u.Email)).Take(&row).Error
		if isNotFound(err) {
			created = true
			out, err = s.createUser(tx, u)
			return err
		}
		if err != nil {
			return err
		}
		out = userFromRow(row)
		if out.Role != u.Role || out.Member != u.Member {
			return survey.Refusef(survey.Conflict, survey.UserExists, "user %s exists already as %s%s", out.Email, out.Role, memberSuffix(out.Member))
		}
		if !out.Active {
			return survey.Refusef(survey.Conflict, survey.UserDeactivated, "user %s exists but is deactivated", out.Email)
		}
		return nil
	})
	return out, created, wrap(err, "ensure user")
}

func memberSuffix(code string) string {
	if code == "" {
		return ""
	}
	return " of member " + code
}

// User returns the user with the given id.
func (s *Store) User(ctx context.Context, id string) (survey.User, error) {
	var row userRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if isNotFound(err) {
		return survey.User{}, survey.Refusef(survey.NotFound, survey.NoSuchUser, "no user has the id %q", id)
	}
	if err != nil {
		return survey.User{}, wrap(err, "read user")
	}
	return userFromRow(row), nil
}

// UserFilter narrows a list of users; empty fields do not filter.
type UserFilter struct {
	Member string
}

// Users returns a page of users ordered by id, which is the order of creation.
func (s *Store) Users(ctx context.Context, f UserFilter, p Page) ([]survey.User, string, error) {
	var rows []userRow
	q := s.db.WithContext(ctx).Order("id").Limit(p.limit())
	if f.Member != "" {
		q = q.Where("member_code = ?", f.Member)
	}
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list users")
	}
	rows, next := cut(rows, p, func(r userRow) string { return r.ID })
	out := make([]survey.User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, next, nil
}

// UpdateUser applies up to the user with the given id and returns the result.
func (s *Store) UpdateUser(ctx context.Context, id string, up survey.UserUpdate) (survey.User, error) {
	var out survey.User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var row userRow
		err := tx.Where("id = ?", id).Take(&row).Error
		if isNotFound(err) {
			return survey.Refusef(survey.NotFound, survey.NoSuchUser, "no user has the id %q", id)
		}
		if err != nil {
			return err
		}
		cur := userFromRow(row)
		out = up.Apply(cur)
		if err := out.Validate(); err != nil {
			return err
		}
		if err := s.checkUserMember(tx, out.Member); err != nil {
			return err
		}
		out.UpdatedAt = s.Now()
		row = userToRow(out)
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		member := out.Member
		if member == "" {
			member = cur.Member // a user moved to the secretariat: its old member still sees the change
		}
		return s.audit(tx, "user.updated", "user", id, member, cur, out)
	})
	if err != nil {
		return survey.User{}, wrap(err, "update user")
	}
	return out, nil
}
