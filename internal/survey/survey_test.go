package survey

import (
	"testing"
	"time"
)

func TestValidMemberCode(t *testing.T) {
	for code, want := range map[string]bool{
		"dk": true, "eu": true, "cat": true, "xn--p1ai": true,
		"": false, "d": false, "DK": false, ".dk": false, "-dk": false, "dk-": false, "d k": false,
	} {
		if got := ValidMemberCode(code); got != want {
			t.Errorf("ValidMemberCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"nordics": true, "eu-eea": true, "dnssec_signed": true, "monthly-stats": true, "size2": true,
		"": false, "Nordics": false, "2fast": false, "a--b": false, "trailing_": false, "with space": false,
	} {
		if got := ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for email, want := range map[string]bool{
		"anna@punktum.dk": true, "a.b+c@example.org": true,
		"": false, "anna": false, "Anna <anna@punktum.dk>": false, " anna@punktum.dk": false, "anna@": false,
	} {
		if got := ValidEmail(email); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", email, got, want)
		}
	}
}

func TestUserValidate(t *testing.T) {
	for _, tc := range []struct {
		user  User
		field string // "" when valid
	}{
		{User{Email: "a@example.org", Role: RoleSecretariat}, ""},
		{User{Email: "a@example.org", Role: RoleRespondent, Member: "dk"}, ""},
		{User{Email: "a@example.org", Role: RoleSecretariat, Member: "dk"}, "member"},
		{User{Email: "a@example.org", Role: RoleViewer}, "member"},
		{User{Email: "a@example.org", Role: "owner", Member: "dk"}, "role"},
		{User{Email: "nope", Role: RoleSecretariat}, "email"},
	} {
		err := tc.user.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.user, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Code != Invalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
			t.Errorf("%+v: got %v, want an invalid %s", tc.user, err, tc.field)
		}
	}
}

func TestCheckMembers(t *testing.T) {
	known := map[string]bool{"dk": true, "se": true}
	if err := CheckMembers([]string{"se", "dk"}, known); err != nil {
		t.Fatal(err)
	}
	err := CheckMembers([]string{"dk", "no", "dk"}, known)
	e, ok := err.(*Error)
	if !ok || len(e.Fields) != 2 || e.Fields[0].Field != "members[1]" || e.Fields[1].Field != "members[2]" {
		t.Fatalf("got %v, want members[1] unknown and members[2] repeated", err)
	}
}

func TestTokens(t *testing.T) {
	secret, err := NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewTokenSecret()
	if secret == other || !LooksLikeToken(secret) || HashToken(secret) == HashToken(other) {
		t.Fatalf("secrets %q and %q are not distinct, well-formed tokens", secret, other)
	}
	for _, bad := range []string{"", "tsv_", secret[:len(secret)-1], "xyz_" + secret[4:], secret + "A"} {
		if LooksLikeToken(bad) {
			t.Errorf("LooksLikeToken(%q) = true", bad)
		}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	for _, tc := range []struct {
		tok  Token
		want Code
	}{
		{Token{}, ""},
		{Token{ExpiresAt: &later}, ""},
		{Token{ExpiresAt: &now}, Unauthorized},
		{Token{RevokedAt: &now}, Unauthorized},
	} {
		if got := ErrorCode(tc.tok.Usable(now)); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.tok, got, tc.want)
		}
	}
}

// TestCanRun: the secretariat runs every survey; a chair only those of the
// groups it chairs; nobody runs a survey of no group but the secretariat.
func TestCanRun(t *testing.T) {
	secretariat := User{Role: RoleSecretariat}
	chair := User{Role: RoleViewer, Member: "dk", Chaired: []string{"technical"}}
	member := User{Role: RoleRespondent, Member: "dk"}
	for _, c := range []struct {
		name       string
		u          User
		group      string
		run        bool
		authorIn   bool
		authorNone bool
	}{
		{"secretariat, a group's survey", secretariat, "technical", true, true, true},
		{"secretariat, no group", secretariat, "", true, true, true},
		{"chair, its group", chair, "technical", true, true, false},
		{"chair, another group", chair, "legal", false, false, false},
		{"chair, no group", chair, "", false, false, false},
		{"member, a group", member, "technical", false, false, false},
		{"member, no group", member, "", false, false, false},
		{"a user of no member, with a chair list", User{Role: RoleRespondent, Chaired: []string{"technical"}}, "technical", false, false, false},
	} {
		sv := Survey{WorkGroup: c.group}
		if got := c.u.CanRun(sv); got != c.run {
			t.Errorf("%s: CanRun = %v, want %v", c.name, got, c.run)
		}
		if got := c.u.CheckRun(sv) == nil; got != c.run {
			t.Errorf("%s: CheckRun allows %v, want %v", c.name, got, c.run)
		}
		if got := c.u.CheckAuthorIn(c.group) == nil; got != c.authorIn {
			t.Errorf("%s: CheckAuthorIn(%q) allows %v, want %v", c.name, c.group, got, c.authorIn)
		}
		if got := c.u.CheckAuthorIn("") == nil; got != c.authorNone {
			t.Errorf("%s: CheckAuthorIn(\"\") allows %v, want %v", c.name, got, c.authorNone)
		}
	}
	if err := chair.CheckRun(Survey{WorkGroup: "legal"}); ErrorReason(err) != NotChair {
		t.Errorf("a chair outside its group: %v, want reason not_chair", err)
	}
	if err := member.CheckRun(Survey{}); ErrorReason(err) != SecretariatOnly {
		t.Errorf("a member, a survey of no group: %v, want reason secretariat_only", err)
	}
}
