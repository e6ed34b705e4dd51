package forms

import (
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

func ptr[T any](v T) *T { return &v }

// sample is a questionnaire with every question type, every condition operator,
// a condition on a question that has one itself, and texts in French and German.
func sample() survey.Survey {
	signed := &survey.Condition{Question: "zone_signed", Operator: survey.OpEquals, Value: true}
	return survey.Survey{
		Title: "DNSSEC practices", Description: "How registries sign their zones.", Topics: []string{},
		Policy: survey.DefaultResultsPolicy(),
		Sections: []survey.Section{
			{Key: "signing", Title: "Signing", Description: "About the zone itself.",
				TitleTranslations:       survey.Translations{"fr": "Signature", "de": "Signieren"},
				DescriptionTranslations: survey.Translations{"fr": "À propos de la zone."},
				Questions: []survey.Question{
					{Key: "zone_signed", Type: survey.Boolean, Prompt: "Is the zone signed?", Required: true,
						PromptTranslations: survey.Translations{"fr": "La zone est-elle signée ?", "de": "Ist die Zone signiert?"}},
					{Key: "signed_since", Type: survey.Integer, Prompt: "Since which year?", Required: true, Condition: signed,
						Constraints: survey.Constraints{Min: ptr(1995.0), Max: ptr(2026.0)}},
					{Key: "algorithm", Type: survey.SingleChoice, Prompt: "Which algorithm?", Required: true, Condition: signed,
						Help: "The algorithm of the KSK.", HelpTranslations: survey.Translations{"fr": "L'algorithme de la KSK."},
						Options: []survey.Option{
							{Key: "rsasha256", Label: "RSA/SHA-256", LabelTranslations: survey.Translations{"fr": "RSA/SHA-256 (8)"}},
							{Key: "ecdsap256sha256", Label: "ECDSA P-256"},
							{Key: "ed25519", Label: "Ed25519"}}},
					{Key: "rollover_notes", Type: survey.Text, Prompt: "How do you roll keys with RSA?", Required: true,
						Condition:   &survey.Condition{Question: "algorithm", Operator: survey.OpEquals, Value: "rsasha256"},
						Constraints: survey.Constraints{MaxLength: ptr(500)}},
					{Key: "not_ed25519", Type: survey.Boolean, Prompt: "Plans for Ed25519?",
						Condition: &survey.Condition{Question: "algorithm", Operator: survey.OpNotEquals, Value: "ed25519"}},
					{Key: "last_rollover", Type: survey.Date, Prompt: "Last KSK rollover", Condition: signed,
						Constraints: survey.Constraints{MinDate: ptr("2005-01-01"), MaxDate: ptr("2026-12-31")}},
				}},
			{Key: "adoption", Title: "Adoption", Questions: []survey.Question{
				{Key: "signed_share", Type: survey.Percentage, Prompt: "Share of signed domains", Unit: "%", Required: true},
				{Key: "share_comment", Type: survey.Text, Prompt: "Why so many?",
					Condition: &survey.Condition{Question: "signed_share", Operator: survey.OpAtLeast, Value: 50.0}},
				{Key: "incentives", Type: survey.MultipleChoice, Prompt: "Incentives", Required: true,
					Options: []survey.Option{{Key: "discount", Label: "Discount", LabelTranslations: survey.Translations{"fr": "Remise", "de": "Rabatt"}},
						{Key: "label", Label: "Label"}, {Key: "none", Label: "None", LabelTranslations: survey.Translations{"fr": "Aucune"}}},
					Constraints: survey.Constraints{MinSelections: ptr(1), MaxSelections: ptr(2)}},
				{Key: "discount_eur", Type: survey.Number, Prompt: "Discount per domain", Unit: "EUR", Required: true,
					Condition:   &survey.Condition{Question: "incentives", Operator: survey.OpEquals, Value: "discount"},
					Constraints: survey.Constraints{Min: ptr(0.0), Max: ptr(100.5)}},
				{Key: "why_no_label", Type: survey.Text, Prompt: "Why no label?",
					Condition: &survey.Condition{Question: "incentives", Operator: survey.OpNotEquals, Value: "label"}},
				{Key: "any_incentive", Type: survey.Text, Prompt: "Tell us more",
					Condition: &survey.Condition{Question: "incentives", Operator: survey.OpOneOf, Values: []any{"discount", "label"}}},
			}},
			{Key: "outlook", Title: "Outlook", Questions: []survey.Question{
				{Key: "satisfaction", Type: survey.Scale, Prompt: "How satisfied?", Constraints: survey.Constraints{ScaleSize: ptr(7)}},
				{Key: "satisfied_why", Type: survey.Text, Prompt: "What works?", Required: true,
					Condition: &survey.Condition{Question: "satisfaction", Operator: survey.OpOneOf, Values: []any{6.0, 7.0}}},
				{Key: "commented", Type: survey.Boolean, Prompt: "Anything else?"},
				{Key: "comments", Type: survey.Text, Prompt: "Comments",
					Condition: &survey.Condition{Question: "commented", Operator: survey.OpAnswered}},
			}},
		},
	}
}

func TestSampleIsValid(t *testing.T) {
	if err := sample().Validate(); err != nil {
		t.Fatal(err)
	}
}
