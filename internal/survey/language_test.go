package survey

import (
	"slices"
	"testing"
	"time"
)

func TestTranslationsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(s *Survey)
		field  string
	}{
		{"English as a translation", func(s *Survey) { s.Sections[0].Questions[0].PromptTranslations = Translations{"en": "x"} }, "sections[0].questions[0].prompt_translations.en"},
		{"bad tag", func(s *Survey) { s.Sections[0].TitleTranslations = Translations{"French": "x"} }, "sections[0].title_translations.French"},
		{"empty translation", func(s *Survey) { s.Sections[0].Questions[2].Options[0].LabelTranslations = Translations{"fr": " "} }, "sections[0].questions[2].options[0].label_translations.fr"},
		{"no English help", func(s *Survey) { s.Sections[0].Questions[0].HelpTranslations = Translations{"fr": "aide"} }, "sections[0].questions[0].help_translations.fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := validSurvey()
			tc.break_(&s)
			err := s.Validate()
			e, ok := err.(*Error)
			if !ok || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Fatalf("got %v, want one problem at %s", err, tc.field)
			}
		})
	}
}

func TestLocalizedFallsBackToEnglish(t *testing.T) {
	s := validSurvey()
	q := &s.Sections[0].Questions[2]
	q.PromptTranslations = Translations{"fr": "Algorithme", "de": "Algorithmus"}
	q.Options[1].LabelTranslations = Translations{"fr": "ECDSA P-256 (13)"}
	s.Sections[0].TitleTranslations = Translations{"pt-br": "Assinatura"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.Languages(); !slices.Equal(got, []string{"en", "de", "fr", "pt-br"}) {
		t.Errorf("languages %v", got)
	}
	fr := s.Localized("fr")
	fq := fr.Sections[0].Questions[2]
	if fq.Prompt != "Algorithme" || fq.Options[0].Label != "RSA/SHA-256" || fq.Options[1].Label != "ECDSA P-256 (13)" || fr.Sections[0].Title != "Signing" {
		t.Errorf("French: %+v, section %q", fq, fr.Sections[0].Title)
	}
	if s.Sections[0].Questions[2].Prompt != "Algorithm" {
		t.Error("Localized changed the survey it was called on")
	}
}

func TestTranslationsMayChangeWhileOpen(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	deadline := now.AddDate(0, 1, 0)
	open := validSurvey()
	open.Status, open.Deadline = StatusOpen, &deadline
	next := open.NewEdition("")
	next.Status, next.Deadline, next.Edition = StatusOpen, &deadline, open.Edition
	next.Sections[0].Questions[0].PromptTranslations = Translations{"fr": "La zone est-elle signée ?"}
	next.Sections[0].Questions[2].Options[0].LabelTranslations = Translations{"de": "RSA/SHA-256"}
	if err := open.CheckEdit(next, now); err != nil {
		t.Fatalf("a translation is a text, but the edit is refused: %v", err)
	}
}
