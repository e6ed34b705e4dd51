package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type tokenRow struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	Name       string
	Hash       string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

func tokenFromRow(r tokenRow) survey.Token {
	return survey.Token{
		ID: r.ID, UserID: r.UserID, Name: r.Name, CreatedAt: r.CreatedAt,
		ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, LastUsedAt: r.LastUsedAt,
	}
}

// lastUseGranularity spares a write on every request: the last use of a token is
// recorded again only when the stored one is older than this.
const lastUseGranularity = time.Minute

// CreateToken makes a new token for the user and returns it with its secret, the
// only time the secret is seen.
func (s *Store) CreateToken(ctx context.Context, userID, name string, expiresAt *time.Time) (survey.Token, string, error) {
	secret, err := survey.NewTokenSecret()
	if err != nil {
		return survey.Token{}, "", wrap(err, "make token secret")
	}
	now := s.Now()
	if expiresAt != nil {
		t := expiresAt.UTC().Round(time.Microsecond)
		if !t.After(now) {
			return survey.Token{}, "", &survey.Error{Code: survey.Invalid, Reason: survey.ExpiresAtOnce, Message: "the token would be expired at once",
				Fields: []survey.FieldError{{Field: "expires_at", Reason: "must be in the future"}}}
		}
		expiresAt = &t
	}
	row := tokenRow{ID: s.newID("tok"), UserID: userID, Name: name, Hash: survey.HashToken(secret), CreatedAt: now, ExpiresAt: expiresAt}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var u userRow
		err := tx.Where("id = ?", userID).Take(&u).Error
		if isNotFound(err) {
			return survey.Refusef(survey.NotFound, survey.NoSuchUser, "no user has the id %q", userID)
		}
		if err != nil {
			return err
		}
		if !u.Active {
			return survey.Refusef(survey.Conflict, survey.UserDeactivated, "user %s is deactivated; its tokens would not work", u.Email)
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.audit(tx, "token.created", "token", row.ID, u.MemberCode.String, nil, tokenFromRow(row))
	})
	if err != nil {
		return survey.Token{}, "", wrap(err, "create token")
	}
	return tokenFromRow(row), secret, nil
}

// Token returns the token with the given id.
func (s *Store) Token(ctx context.Context, id string) (survey.Token, error) {
	var row tokenRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if isNotFound(err) {
		return survey.Token{}, survey.Refusef(survey.NotFound, survey.NoSuchToken, "no token has the id %q", id)
	}
	if err != nil {
		return survey.Token{}, wrap(err, "read token")
	}
	return tokenFromRow(row), nil
}

// Tokens returns a page of the user's tokens, revoked ones included, oldest first.
func (s *Store) Tokens(ctx context.Context, userID string, p Page) ([]survey.Token, string, error) {
	var rows []tokenRow
	q := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Limit(p.limit())
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list tokens")
	}
	rows, next := cut(rows, p, func(r tokenRow) string { return r.ID })
	out := make([]survey.Token, len(rows))
	for i, r := range rows {
		out[i] = tokenFromRow(r)
	}
	return out, next, nil
}

// RevokeToken marks the token revoked and returns it; revoking twice keeps the
// first time.
func (s *Store) RevokeToken(ctx context.Context, id string) (survey.Token, error) {
	now := s.Now()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var row tokenRow
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			if isNotFound(err) {
				return nil // Token below says so
			}
			return err
		}
		res := tx.Model(&tokenRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		var member string
		if err := tx.Model(&userRow{}).Where("id = ?", row.UserID).Select("COALESCE(member_code, '')").Scan(&member).Error; err != nil {
			return err
		}
		before := tokenFromRow(row)
		after := before
		after.RevokedAt = &now
		return s.audit(tx, "token.revoked", "token", id, member, before, after)
	})
	if err != nil {
		return survey.Token{}, wrap(err, "revoke token")
	}
	return s.Token(ctx, id)
}

// Authenticate returns the user and token that secret belongs to, and records the
// use. A secret that is unknown, revoked or expired, or whose user is deactivated,
// is Unauthorized.
func (s *Store) Authenticate(ctx context.Context, secret string) (survey.User, survey.Token, error) {
	unknown := survey.Refusef(survey.Unauthorized, survey.TokenInvalid, "the token is not valid")
	if !survey.LooksLikeToken(secret) {
		return survey.User{}, survey.Token{}, unknown
	}
	// The token and its user in one query: every request of the API pays it.
	var row struct {
		Token tokenRow `gorm:"embedded;embeddedPrefix:t_"`
		User  userRow  `gorm:"embedded;embeddedPrefix:u_"`
	}
	res := s.db.WithContext(ctx).Raw(`SELECT t.id AS t_id, t.user_id AS t_user_id, t.name AS t_name, t.hash AS t_hash,
			t.created_at AS t_created_at, t.expires_at AS t_expires_at, t.revoked_at AS t_revoked_at, t.last_used_at AS t_last_used_at,
			u.id AS u_id, u.email AS u_email, u.name AS u_name, u.role AS u_role, u.member_code AS u_member_code,
			u.active AS u_active, u.created_at AS u_created_at, u.updated_at AS u_updated_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, survey.HashToken(secret)).Scan(&row)
	if res.Error != nil {
		return survey.User{}, survey.Token{}, wrap(res.Error, "find token")
	}
	if res.RowsAffected == 0 {
		return survey.User{}, survey.Token{}, unknown
	}
	now := s.Now()
	t := tokenFromRow(row.Token)
	if err := t.Usable(now); err != nil {
		return survey.User{}, survey.Token{}, err
	}
	u := userFromRow(row.User)
	var err error
	if !u.Active {
		return survey.User{}, survey.Token{}, survey.Refusef(survey.Unauthorized, survey.UserDeactivated, "the token's user is deactivated")
	}
	if u.Member != "" {
		if u.Chaired, err = s.Chaired(ctx, u.ID); err != nil {
			return survey.User{}, survey.Token{}, err
		}
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastUseGranularity {
		err := s.db.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", t.ID).Update("last_used_at", now).Error
		if err != nil {
			return survey.User{}, survey.Token{}, wrap(err, "record token use")
		}
		t.LastUsedAt = &now
	}
	return u, t, nil
}
