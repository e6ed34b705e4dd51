package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }
func s(v string) *string   { return &v }

func opts(pairs ...string) []survey.Option {
	out := make([]survey.Option, 0, len(pairs)/2)
	for k := 0; k+1 < len(pairs); k += 2 {
		out = append(out, survey.Option{Key: pairs[k], Label: pairs[k+1]})
	}
	return out
}

// signed is the condition of the questions asked only of signed zones.
var signed = &survey.Condition{Question: "zone_signed", Operator: survey.OpEquals, Value: true}

// dnssecSurvey is the example questionnaire of the technical work group.
func dnssecSurvey(edition string, deadline time.Time) survey.Survey {
	return survey.Survey{
		Title:       "DNSSEC practices " + edition,
		Description: "How registries sign their zones, roll their keys and encourage registrars to sign. Technical work group.",
		Topics:      []string{"dnssec", "technical"},
		Series:      "dnssec-annual",
		WorkGroup:   "technical",
		Edition:     edition,
		Deadline:    &deadline,
		Policy:      survey.DefaultResultsPolicy(),
		Sections: []survey.Section{
			{Key: "signing", Title: "Signing the TLD zone", Questions: []survey.Question{
				{Key: "zone_signed", Type: survey.Boolean, Prompt: "Is the TLD zone signed with DNSSEC?", Required: true},
				{Key: "signed_since", Type: survey.Integer, Prompt: "Since which year has the zone been signed?", Required: true,
					Constraints: survey.Constraints{Min: f(1995), Max: f(2026)}, Condition: signed},
				{Key: "algorithm", Type: survey.SingleChoice, Prompt: "Which algorithm signs the zone?", Required: true, Condition: signed,
					Options: opts("rsasha256", "RSA/SHA-256 (8)", "rsasha512", "RSA/SHA-512 (10)", "ecdsap256sha256", "ECDSA P-256 with SHA-256 (13)",
						"ecdsap384sha384", "ECDSA P-384 with SHA-384 (14)", "ed25519", "Ed25519 (15)")},
				{Key: "key_rollover", Type: survey.SingleChoice, Prompt: "How are KSK rollovers carried out?", Condition: signed,
					Options: opts("automated", "Automated", "manual_scheduled", "Manual, on a schedule", "manual_adhoc", "Manual, when needed", "never", "Never rolled so far")},
				{Key: "last_ksk_rollover", Type: survey.Date, Prompt: "When was the last KSK rollover?", Condition: signed,
					Help: "The day the new KSK was published in the zone.", Constraints: survey.Constraints{MinDate: s("2005-01-01")}},
			}},
			{Key: "adoption", Title: "Adoption among registrants", Questions: []survey.Question{
				{Key: "signed_share", Type: survey.Percentage, Prompt: "What share of the domains under the TLD is signed?", Unit: "%", Required: true,
					Help: "Domains with a DS record in the zone, divided by domains under management."},
				{Key: "cds_support", Type: survey.SingleChoice, Prompt: "Does the registry process CDS/CDNSKEY records (RFC 8078)?",
					Options: opts("cds_and_cdnskey", "Yes, CDS and CDNSKEY", "cds_only", "CDS only", "planned", "Planned", "no", "No")},
				{Key: "registrar_incentives", Type: survey.MultipleChoice, Prompt: "Which incentives do registrars get for signed domains?",
					Options:     opts("price_discount", "A price discount", "certification_label", "A certification or label", "ranking", "A published ranking", "none", "None"),
					Constraints: survey.Constraints{MinSelections: i(1)}},
				{Key: "discount_per_domain", Type: survey.Number, Prompt: "Discount per signed domain and year", Unit: "EUR",
					Constraints: survey.Constraints{Min: f(0), Max: f(100)},
					Condition:   &survey.Condition{Question: "registrar_incentives", Operator: survey.OpEquals, Value: "price_discount"}},
			}},
			{Key: "outlook", Title: "Outlook", Questions: []survey.Question{
				{Key: "validating_resolvers_share", Type: survey.Percentage, Prompt: "Share of queries from validating resolvers, if you measure it", Unit: "%"},
				{Key: "tooling_satisfaction", Type: survey.Scale, Prompt: "How satisfied are you with your DNSSEC tooling?",
					Help: "1 is not at all, 5 is fully.", Constraints: survey.Constraints{ScaleSize: i(5)}},
				{Key: "comments", Type: survey.Text, Prompt: "Anything the other registries should know?", Constraints: survey.Constraints{MaxLength: i(2000)}},
			}},
		},
	}
}

// suspensionsSurvey is a draft of the legal work group.
func suspensionsSurvey() survey.Survey {
	return survey.Survey{
		Title:       "Domain suspensions 2026",
		Description: "On what grounds registries suspend domains, and how they tell the registrant. Legal work group (draft).",
		Topics:      []string{"suspensions", "legal"},
		Series:      "suspensions",
		WorkGroup:   "legal",
		Edition:     "2026",
		Audience:    "eu-eea",
		Policy:      survey.ResultsPolicy{Visibility: survey.VisibilityNamed, MinRespondents: survey.DefaultMinRespondents, RespondentsOnly: true},
		Sections: []survey.Section{{Key: "grounds", Title: "Grounds and numbers", Questions: []survey.Question{
			{Key: "suspension_grounds", Type: survey.MultipleChoice, Prompt: "On which grounds can a domain be suspended?", Required: true,
				Options: opts("court_order", "A court order", "authority_request", "A request of a competent authority",
					"abuse_policy", "The registry's abuse policy", "registration_data", "Wrong registration data")},
			{Key: "suspensions_last_year", Type: survey.Integer, Prompt: "How many domains were suspended last year?", Constraints: survey.Constraints{Min: f(0)}},
			{Key: "registrant_notified", Type: survey.SingleChoice, Prompt: "Is the registrant told before the suspension?",
				Options: opts("always", "Always", "unless_prohibited", "Unless the authority forbids it", "never", "Never")},
			{Key: "transparency_report", Type: survey.Boolean, Prompt: "Does the registry publish a transparency report?"},
		}}},
	}
}

// loadSurveys adds the example questionnaires: the DNSSEC survey's 2025 edition,
// answered by the active members and published; its 2026 edition, open, with a
// few responses submitted and a few in draft; and a suspensions survey in draft.
func loadSurveys(ctx context.Context, st *store.Store, members []Member, by survey.User) error {
	active := make([]Member, 0, len(members))
	for _, m := range members {
		if m.Active {
			active = append(active, m)
		}
	}
	now := st.Now()
	last, err := st.CreateSurvey(ctx, dnssecSurvey("2025", now.Add(time.Hour)), by.ID)
	if err != nil {
		return fmt.Errorf("demo survey: %w", err)
	}
	if _, err := st.TransitionSurvey(ctx, last.ID, survey.StatusOpen, by.ID); err != nil {
		return fmt.Errorf("demo survey 2025 open: %w", err)
	}
	if err := answerDNSSEC(ctx, st, last, 2025, active, by, func(Member) bool { return true }); err != nil {
		return err
	}
	for _, to := range []survey.Status{survey.StatusClosed, survey.StatusPublished} {
		if _, err := st.TransitionSurvey(ctx, last.ID, to, by.ID); err != nil {
			return fmt.Errorf("demo survey 2025 %s: %w", to, err)
		}
	}
	// The 2025 edition ran to the end of 2025.
	end := time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)
	if _, err := st.EditSurvey(ctx, last.ID, func(sv survey.Survey) survey.Survey { sv.Deadline = &end; return sv }); err != nil {
		return fmt.Errorf("demo survey 2025 deadline: %w", err)
	}
	current, err := st.CreateSurvey(ctx, dnssecSurvey("2026", now.AddDate(0, 2, 0)), by.ID)
	if err != nil {
		return fmt.Errorf("demo survey: %w", err)
	}
	if _, err := st.TransitionSurvey(ctx, current.ID, survey.StatusOpen, by.ID); err != nil {
		return fmt.Errorf("demo survey 2026 open: %w", err)
	}
	// A few have answered so far; .dk is left for the demo respondent.
	var early []Member
	for _, m := range active {
		switch m.Code {
		case "nl", "se", "cz", "be", "no", "fi", "at", "ee":
			early = append(early, m)
		}
	}
	drafts := map[string]bool{"fi": true, "at": true, "ee": true}
	if err := answerDNSSEC(ctx, st, current, 2026, early, by, func(m Member) bool { return !drafts[m.Code] }); err != nil {
		return err
	}
	if _, err := st.CreateSurvey(ctx, suspensionsSurvey(), by.ID); err != nil {
		return fmt.Errorf("demo survey suspensions: %w", err)
	}
	return nil
}
