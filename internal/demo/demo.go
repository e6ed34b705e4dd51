// Package demo fills an empty installation with the council's members, a few peer
// groups, and two users whose tokens it prints once, so that `make run` shows a
// working platform. The member list is public; the numbers derived from it are
// synthetic and labelled so.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

//go:embed members.csv
var membersCSV []byte

// Member is one row of members.csv.
type Member struct {
	survey.Member
	EUEEA         bool
	ApproxDomains int
}

// Members parses the embedded members.csv.
func Members() ([]Member, error) {
	rows, err := csv.NewReader(bytes.NewReader(membersCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read members.csv: %w", err)
	}
	want := []string{"code", "name", "country", "membership", "eu_eea", "active", "approx_domains"}
	if len(rows) == 0 || fmt.Sprint(rows[0]) != fmt.Sprint(want) {
		return nil, fmt.Errorf("members.csv: header must be %v", want)
	}
	out := make([]Member, 0, len(rows)-1)
	for i, r := range rows[1:] {
		domains, err := strconv.Atoi(r[6])
		if err != nil {
			return nil, fmt.Errorf("members.csv line %d: approx_domains: %w", i+2, err)
		}
		out = append(out, Member{
			Member: survey.Member{Code: r[0], Name: r[1], Country: r[2],
				Membership: survey.Membership(r[3]), Active: r[5] == "true"},
			EUEEA: r[4] == "true", ApproxDomains: domains,
		})
	}
	return out, nil
}

// nordics are the members of the Nordic countries.
var nordics = map[string]bool{"dk": true, "fi": true, "is": true, "no": true, "se": true}

// largeDomains is the size from which a registry counts as large: a million names.
const largeDomains = 1_000_000

// The demo's users, who get a token each when the demo is loaded.
const (
	SecretariatEmail = "secretariat@example.org"
	RespondentEmail  = "respondent@dk.example.org"
	ChairEmail       = "chair@se.example.org" // chairs the technical work group
)

// workGroups are the council's standing work groups, in the order the demo
// creates them.
var workGroups = []survey.WorkGroup{
	{Key: "technical", Name: "Technical work group", Description: "DNS operations, DNSSEC, registry systems."},
	{Key: "innovation", Name: "Innovation work group", Description: "New services and technologies for registries."},
	{Key: "security", Name: "Security work group", Description: "Abuse, incident response, resilience."},
	{Key: "legal", Name: "Legal work group", Description: "Law, regulation and policy (NIS2, data protection, disputes)."},
	{Key: "administrative", Name: "Administrative work group", Description: "Finance, human resources and governance of registries."},
	{Key: "marketing", Name: "Marketing work group", Description: "Communication, branding and the domain market."},
}

// Load fills st with the demo when it has no members yet, and writes the demo
// users' tokens to out, with how to call baseURL with them. It reports whether it
// loaded anything.
func Load(ctx context.Context, st *store.Store, out io.Writer, baseURL string) (bool, error) {
	has, err := st.HasMembers(ctx)
	if err != nil || has {
		return false, err
	}
	members, err := Members()
	if err != nil {
		return false, err
	}
	groups := map[string]*survey.PeerGroup{
		"eu-eea":  {Key: "eu-eea", Name: "EU and EEA", Description: "Registries of the European Union and the European Economic Area."},
		"nordics": {Key: "nordics", Name: "Nordic registries", Description: "Denmark, Finland, Iceland, Norway and Sweden."},
		"large":   {Key: "large", Name: "Large registries", Description: "A million domains under management or more (approximate, 2026)."},
	}
	for _, m := range members {
		if _, err := st.CreateMember(ctx, m.Member); err != nil {
			return false, fmt.Errorf("demo member %s: %w", m.Code, err)
		}
		if !m.Active {
			continue // a suspended member is in no audience
		}
		if m.EUEEA {
			groups["eu-eea"].Members = append(groups["eu-eea"].Members, m.Code)
		}
		if nordics[m.Code] {
			groups["nordics"].Members = append(groups["nordics"].Members, m.Code)
		}
		if m.ApproxDomains >= largeDomains {
			groups["large"].Members = append(groups["large"].Members, m.Code)
		}
	}
	for _, key := range []string{"eu-eea", "nordics", "large"} {
		if _, err := st.CreatePeerGroup(ctx, *groups[key]); err != nil {
			return false, fmt.Errorf("demo peer group %s: %w", key, err)
		}
	}
	users := []survey.User{
		{Email: SecretariatEmail, Name: "Demo secretariat", Role: survey.RoleSecretariat},
		{Email: RespondentEmail, Name: "Demo respondent of .dk", Role: survey.RoleRespondent, Member: "dk"},
		{Email: ChairEmail, Name: "Demo chair of the technical work group", Role: survey.RoleRespondent, Member: "se"},
	}
	secrets := make([]string, len(users))
	for k := range users {
		if users[k], err = st.CreateUser(ctx, users[k]); err != nil {
			return false, fmt.Errorf("demo user %s: %w", users[k].Email, err)
		}
		if _, secrets[k], err = st.CreateToken(ctx, users[k].ID, "demo", nil); err != nil {
			return false, fmt.Errorf("demo token of %s: %w", users[k].Email, err)
		}
	}
	for _, g := range workGroups {
		if g.Key == "technical" {
			g.Chairs = []string{users[2].ID}
		}
		if _, err := st.CreateWorkGroup(ctx, g); err != nil {
			return false, fmt.Errorf("demo work group %s: %w", g.Key, err)
		}
	}
	// The demo respondent of .dk answers dk's technical surveys; the chair, se's.
	for _, u := range users[1:] {
		if _, err := st.AddPerson(ctx, "technical", u.ID); err != nil {
			return false, fmt.Errorf("demo person %s: %w", u.Email, err)
		}
	}
	if err := loadSurveys(ctx, st, members, users[0]); err != nil {
		return false, err
	}
	if err := loadStats(ctx, st, members, users[0]); err != nil {
		return false, err
	}
	fmt.Fprintln(out, "Demo loaded: members from members.csv; peer groups eu-eea, nordics and large; work groups")
	fmt.Fprintln(out, "technical (chaired by the demo chair), innovation, security, legal, administrative and marketing;")
	fmt.Fprintln(out, "the DNSSEC questionnaire (technical) published (2025) and open (2026), and a suspensions draft (legal); 24 published")
	fmt.Fprintln(out, "months of monthly-stats. All answers and figures of the demo are synthetic.")
	fmt.Fprintln(out, "Demo tokens, shown this once:")
	for k, u := range users {
		fmt.Fprintf(out, "  %-12s %-28s %s\n", u.Role, u.Email, secrets[k])
	}
	fmt.Fprintf(out, "Use one as: curl -H \"Authorization: Bearer <token>\" %s/v1/me\n", baseURL)
	return true, nil
}
