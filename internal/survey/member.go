package survey

import (
	"regexp"
	"time"
)

// Membership is a member's standing in the council.
type Membership string

// The kinds of membership.
const (
	MembershipFull      Membership = "full"
	MembershipAssociate Membership = "associate"
	MembershipObserver  Membership = "observer"
)

// Member is a registry of the council, named by its top-level domain without the dot.
// An inactive (suspended) member stays in the directory but is in no audience.
type Member struct {
	Code       string
	Name       string
	Country    string // ISO 3166-1 alpha-2, EU included
	Membership Membership
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// MemberUpdate holds the fields of a member that may change; nil leaves a field alone.
// The code never changes: answers and users refer to it.
type MemberUpdate struct {
	Name       *string
	Country    *string
	Membership *Membership
	Active     *bool
}

// Apply returns m with the set fields of u.
func (u MemberUpdate) Apply(m Member) Member {
	if u.Name != nil {
		m.Name = *u.Name
	}
	if u.Country != nil {
		m.Country = *u.Country
	}
	if u.Membership != nil {
		m.Membership = *u.Membership
	}
	if u.Active != nil {
		m.Active = *u.Active
	}
	return m
}

// memberCode is a top-level domain label: lowercase letters, digits and inner
// hyphens, so that IDN ccTLDs in their A-label form (xn--p1ai) fit too.
var memberCode = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])$`)

// ValidMemberCode reports whether code can name a member.
func ValidMemberCode(code string) bool { return memberCode.MatchString(code) }

// ValidKey reports whether key is a snake_case or kebab-case identifier of the kind
// used for peer groups, series and question keys: lowercase, starting with a letter.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$`)
