package survey

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Role says what a user may do.
type Role string

// The roles. A secretariat user belongs to no member; the others belong to exactly one.
const (
	RoleSecretariat Role = "secretariat" // runs the council's surveys; sees everything
	RoleRespondent  Role = "respondent"  // edits and submits its member's responses
	RoleViewer      Role = "viewer"      // reads its member's responses and the results
)

// User is a person who calls the API with one of their tokens.
type User struct {
	ID        string
	Email     string // stored lowercase: addresses are compared without case
	Name      string
	Role      Role
	Member    string // member code; empty for the secretariat
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time

	// Chaired lists the keys of the work groups u chairs, as read with u at
	// authentication; see CanRun.
	Chaired []string
}

// UserUpdate holds the fields of a user that may change; nil leaves a field alone.
type UserUpdate struct {
	Name   *string
	Role   *Role
	Member *string
	Active *bool
}

// Apply returns u with the set fields of up.
func (up UserUpdate) Apply(u User) User {
	if up.Name != nil {
		u.Name = *up.Name
	}
	if up.Role != nil {
		u.Role = *up.Role
	}
	if up.Member != nil {
		u.Member = *up.Member
	}
	if up.Active != nil {
		u.Active = *up.Active
	}
	return u
}

// NormalizeEmail returns the form of an e-mail address that is stored and compared.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate checks the e-mail address, and that the role and the member fit
// together: the secretariat belongs to no member, and everybody else to one.
func (u User) Validate() error {
	var p Problems
	if !ValidEmail(u.Email) {
		p.Add("email", "must be a plain e-mail address such as name@example.org")
	}
	switch u.Role {
	case RoleSecretariat:
		if u.Member != "" {
			p.Add("member", "a secretariat user belongs to no member")
		}
	case RoleRespondent, RoleViewer:
		if u.Member == "" {
			p.Add("member", "a %s must belong to a member", u.Role)
		}
	default:
		p.Add("role", "unknown role %q", u.Role)
	}
	return p.Err("the user is not valid")
}

// ValidEmail reports whether email is a bare address (no display name) with a
// domain that has a dot or is a plain host name.
func ValidEmail(email string) bool {
	if len(email) > 254 {
		return false
	}
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && a.Name == ""
}

// IsSecretariat reports whether u has the secretariat's rights.
func (u User) IsSecretariat() bool { return u.Role == RoleSecretariat }

// RequireSecretariat returns a Forbidden error unless u is of the secretariat.
func (u User) RequireSecretariat() error {
	if u.IsSecretariat() {
		return nil
	}
	return Refusef(Forbidden, SecretariatOnly, "only the secretariat may do this")
}

// CanSeeUser reports whether u may read other: the secretariat reads everyone, a
// member's users read the users of their own member and nobody else.
func (u User) CanSeeUser(other User) bool {
	return u.IsSecretariat() || (u.Member != "" && u.Member == other.Member)
}

// CanManageToken reports whether u may read and revoke the token t: its owner and
// the secretariat.
func (u User) CanManageToken(t Token) bool { return u.IsSecretariat() || t.UserID == u.ID }

// CanManageTokensOf reports whether u may list, create and revoke the tokens of
// other: the secretariat for anyone, everyone else for themselves only.
func (u User) CanManageTokensOf(other User) bool {
	return u.IsSecretariat() || u.ID == other.ID
}

func itoa(i int) string { return strconv.Itoa(i) }

// callerKey is the context key of WithCaller.
type callerKey struct{}

// WithCaller returns ctx carrying u as the caller already authenticated by this
// process (the web app, by its session cookie), so that the API's handlers serve
// u by their own rules. Nothing on the wire can set it.
func WithCaller(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, callerKey{}, u)
}

// CallerFrom returns the caller that WithCaller put in ctx.
func CallerFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(callerKey{}).(User)
	return u, ok
}
