package survey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// TokenPrefix starts every token secret, so that a leaked token is easy to recognise
// in logs and by secret scanners.
const TokenPrefix = "tsv_"

// tokenBytes is the entropy of a secret: 256 bits, beyond any guessing.
const tokenBytes = 32

// Token is a long-lived bearer credential of one user. Its secret is shown once, at
// creation, and only its hash is kept.
type Token struct {
	ID         string
	UserID     string
	Name       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// NewTokenSecret returns a fresh random secret.
func NewTokenSecret() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the stored form of a secret. A plain SHA-256 suffices: secrets
// carry 256 random bits, so there is nothing for a slow hash to protect.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// LooksLikeToken reports whether s has the shape of a secret, so that garbage is
// refused without a database lookup.
func LooksLikeToken(s string) bool {
	rest, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

// Usable returns an Unauthorized error when t is revoked or expired at now.
func (t Token) Usable(now time.Time) error {
	if t.RevokedAt != nil {
		return Refusef(Unauthorized, TokenRevoked, "the token has been revoked")
	}
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return Refusef(Unauthorized, TokenExpired, "the token expired at %s", t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}
