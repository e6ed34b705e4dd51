package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type signInLinkRow struct {
	Hash      string `gorm:"primaryKey"`
	UserID    string
	Email     string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (signInLinkRow) TableName() string { return "signin_links" }

type sessionRow struct {
	ID         string `gorm:"primaryKey"`
	Hash       string
	UserID     string
	CSRF       string    `gorm:"column:csrf"`
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
}

func (sessionRow) TableName() string { return "web_sessions" }

// Session is a person's signed-in session of the web app.
type Session struct {
	ID         string
	UserID     string
	CSRF       string // the synchronizer token its forms carry
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end, whatever the activity
}

// NewSecret returns a random secret of 32 bytes, URL-safe: for sign-in links,
// session cookies and CSRF tokens.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// SignInLinksSince counts the sign-in links made for the address since t, for
// throttling requests per address across processes.
func (s *Store) SignInLinksSince(ctx context.Context, email string, t time.Time) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&signInLinkRow{}).
		Where("email = ? AND created_at >= ?", survey.NormalizeEmail(email), t).Count(&n).Error
	if err != nil {
		return 0, wrap(err, "count sign-in links")
	}
	return int(n), nil
}

// CreateSignInLink makes a one-time sign-in link for the active user with the
// address, valid for ttl, and returns its secret and the user. found is false,
// and nothing is made, when no active user has the address (whose member, if
// any, is active): the caller must not tell the difference to the requester.
func (s *Store) CreateSignInLink(ctx context.Context, email string, ttl time.Duration) (secret string, u survey.User, found bool, err error) {
	email = survey.NormalizeEmail(email)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var row userRow
		err := tx.Where("email = ?", email).Take(&row).Error
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		u = userFromRow(row)
		if ok, err := s.userMayEnter(tx, u); err != nil || !ok {
			return err
		}
		if secret, err = NewSecret(); err != nil {
			return err
		}
		now := s.Now()
		found = true
		return tx.Create(&signInLinkRow{Hash: survey.HashToken(secret), UserID: u.ID, Email: email,
			CreatedAt: now, ExpiresAt: now.Add(ttl)}).Error
	})
	if err != nil {
		return "", survey.User{}, false, wrap(err, "create sign-in link")
	}
	return secret, u, found, nil
}

// userMayEnter reports whether u may have a session: it is active, and so is
// its member.
func (s *Store) userMayEnter(tx *gorm.DB, u survey.User) (bool, error) {
	if !u.Active {
		return false, nil
	}
	if u.Member == "" {
		return true, nil
	}
	var m memberRow
	if err := tx.Where("code = ?", u.Member).Take(&m).Error; err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return m.Active, nil
}

// linkRefused is the one answer to a sign-in link that cannot be used, whatever
// the reason: unknown, used, expired or of a user who may no longer enter.
func linkRefused() error {
	return survey.Refusef(survey.Unauthorized, survey.TokenInvalid, "this sign-in link is not valid: it was used already, it expired, or it was never made")
}

// UseSignInLink spends the link with the secret, once, and opens a session of
// its user with the idle and absolute timeouts. It returns the session and the
// session's secret (for the cookie).
func (s *Store) UseSignInLink(ctx context.Context, secret string, absolute time.Duration) (Session, string, error) {
	var out sessionRow
	var cookie string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.Now()
		// The update is the check: only one request can spend an unused link.
		res := tx.Model(&signInLinkRow{}).Where("hash = ? AND used_at IS NULL AND expires_at > ?", survey.HashToken(secret), now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return linkRefused()
		}
		var link signInLinkRow
		if err := tx.Where("hash = ?", survey.HashToken(secret)).Take(&link).Error; err != nil {
			return err
		}
		var u userRow
		if err := tx.Where("id = ?", link.UserID).Take(&u).Error; err != nil {
			return err
		}
		if ok, err := s.userMayEnter(tx, userFromRow(u)); err != nil || !ok {
			if err != nil {
				return err
			}
			return linkRefused()
		}
		var err error
		if cookie, err = NewSecret(); err != nil {
			return err
		}
		csrf, err := NewSecret()
		if err != nil {
			return err
		}
		out = sessionRow{ID: s.newID("ses"), Hash: survey.HashToken(cookie), UserID: u.ID, CSRF: csrf,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(absolute)}
		return tx.Create(&out).Error
	})
	if err != nil {
		return Session{}, "", wrap(err, "use sign-in link")
	}
	return sessionFromRow(out), cookie, nil
}

func sessionFromRow(r sessionRow) Session {
	return Session{ID: r.ID, UserID: r.UserID, CSRF: r.CSRF, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt}
}

// sessionRefused is the answer to a cookie that names no live session.
func sessionRefused() error {
	return survey.Refusef(survey.Unauthorized, survey.TokenInvalid, "you are not signed in, or your session ended")
}

// Session returns the live session of the cookie's secret and its user, and
// records the activity. A session that was revoked, is past its absolute end,
// was idle longer than idle, or whose user (or member) may no longer enter is
// Unauthorized, and a session of a user who may no longer enter ends for good.
func (s *Store) Session(ctx context.Context, secret string, idle time.Duration) (Session, survey.User, error) {
	var row sessionRow
	db := s.db.WithContext(ctx)
	err := db.Where("hash = ?", survey.HashToken(secret)).Take(&row).Error
	if isNotFound(err) {
		return Session{}, survey.User{}, sessionRefused()
	}
	if err != nil {
		return Session{}, survey.User{}, wrap(err, "find session")
	}
	now := s.Now()
	if row.RevokedAt != nil || !now.Before(row.ExpiresAt) || now.Sub(row.LastSeenAt) >= idle {
		return Session{}, survey.User{}, sessionRefused()
	}
	var u userRow
	if err := db.Where("id = ?", row.UserID).Take(&u).Error; err != nil {
		return Session{}, survey.User{}, wrap(err, "find session's user")
	}
	user := userFromRow(u)
	ok, err := s.userMayEnter(db, user)
	if err != nil {
		return Session{}, survey.User{}, wrap(err, "check session's user")
	}
	if !ok {
		if err := s.RevokeSession(ctx, row.ID); err != nil {
			return Session{}, survey.User{}, err
		}
		return Session{}, survey.User{}, sessionRefused()
	}
	if user.Member != "" { // a chair runs its groups' surveys in the pages as through a token
		if user.Chaired, err = s.Chaired(ctx, user.ID); err != nil {
			return Session{}, survey.User{}, err
		}
	}
	if now.Sub(row.LastSeenAt) >= lastUseGranularity {
		if err := db.Model(&sessionRow{}).Where("id = ?", row.ID).Update("last_seen_at", now).Error; err != nil {
			return Session{}, survey.User{}, wrap(err, "record session use")
		}
		row.LastSeenAt = now
	}
	return sessionFromRow(row), user, nil
}

// RevokeSession ends a session; ending it twice keeps the first time.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", s.Now()).Error
	return wrap(err, "revoke session")
}
