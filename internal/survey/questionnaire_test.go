package survey

import (
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// validSurvey is a small survey that passes validation; tests break one thing each.
func validSurvey() Survey {
	return Survey{
		Title:  "DNSSEC practices",
		Topics: []string{"dnssec"},
		Policy: DefaultResultsPolicy(),
		Sections: []Section{{
			Key: "signing", Title: "Signing",
			Questions: []Question{
				{Key: "zone_signed", Type: Boolean, Prompt: "Is the zone signed?", Required: true},
				{Key: "signed_since", Type: Integer, Prompt: "Since which year?", Constraints: Constraints{Min: ptr(1995.0), Max: ptr(2026.0)},
					Condition: &Condition{Question: "zone_signed", Operator: OpEquals, Value: true}},
				{Key: "algorithm", Type: SingleChoice, Prompt: "Algorithm", Options: []Option{{Key: "rsasha256", Label: "RSA/SHA-256"}, {Key: "ecdsap256sha256", Label: "ECDSA P-256"}}},
				{Key: "signed_share", Type: Percentage, Prompt: "Share of signed domains", Unit: "%"},
				{Key: "incentives", Type: MultipleChoice, Prompt: "Incentives", Options: []Option{{Key: "discount", Label: "Discount"}, {Key: "label", Label: "Label"}, {Key: "none", Label: "None"}},
					Constraints: Constraints{MinSelections: ptr(1), MaxSelections: ptr(2)}},
				{Key: "satisfaction", Type: Scale, Prompt: "How satisfied?", Constraints: Constraints{ScaleSize: ptr(5)},
					Condition: &Condition{Question: "algorithm", Operator: OpOneOf, Values: []any{"rsasha256"}}},
				{Key: "policy_date", Type: Date, Prompt: "Policy adopted on", Constraints: Constraints{MinDate: ptr("2000-01-01")}},
				{Key: "comments", Type: Text, Prompt: "Comments", Constraints: Constraints{MaxLength: ptr(500)},
					Condition: &Condition{Question: "signed_share", Operator: OpAtLeast, Value: 50.0}},
			},
		}},
	}
}

func TestValidateAcceptsAValidSurvey(t *testing.T) {
	if err := validSurvey().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	q := func(s *Survey, i int) *Question { return &s.Sections[0].Questions[i] }
	for _, tc := range []struct {
		name   string
		break_ func(s *Survey)
		fields []string
	}{
		{"no title", func(s *Survey) { s.Title = " " }, []string{"title"}},
		{"duplicate key", func(s *Survey) { q(s, 6).Key = "zone_signed" }, []string{"sections[0].questions[6].key"}},
		{"malformed key", func(s *Survey) { q(s, 0).Key = "Zone-Signed" }, []string{"sections[0].questions[0].key", "sections[0].questions[1].condition.question"}},
		{"unknown type", func(s *Survey) { q(s, 3).Type = "slider" }, []string{"sections[0].questions[3].type"}},
		{"options on a non-choice", func(s *Survey) { q(s, 0).Options = []Option{{Key: "yes", Label: "Yes"}, {Key: "no", Label: "No"}} }, []string{"sections[0].questions[0].options"}},
		{"one option", func(s *Survey) { q(s, 2).Options = q(s, 2).Options[:1] }, []string{"sections[0].questions[2].options"}},
		{"duplicate option", func(s *Survey) { q(s, 2).Options[1].Key = "rsasha256" }, []string{"sections[0].questions[2].options[1].key"}},
		{"min > max", func(s *Survey) { q(s, 1).Constraints.Min = ptr(2030.0) }, []string{"sections[0].questions[1].constraints.min"}},
		{"fractional bound of an integer", func(s *Survey) { q(s, 1).Constraints.Max = ptr(2025.5) }, []string{"sections[0].questions[1].constraints.max"}},
		{"percentage bound over 100", func(s *Survey) { q(s, 3).Constraints.Max = ptr(120.0) }, []string{"sections[0].questions[3].constraints.max"}},
		{"max_length on a number", func(s *Survey) { q(s, 3).Constraints.MaxLength = ptr(3) }, []string{"sections[0].questions[3].constraints.max_length"}},
		{"selections beyond the options", func(s *Survey) { q(s, 4).Constraints.MaxSelections = ptr(4) }, []string{"sections[0].questions[4].constraints.max_selections"}},
		{"scale without size", func(s *Survey) { q(s, 5).Constraints.ScaleSize = nil }, []string{"sections[0].questions[5].constraints.scale_size"}},
		{"bad date bound", func(s *Survey) { q(s, 6).Constraints.MinDate = ptr("01/01/2000") }, []string{"sections[0].questions[6].constraints.min_date"}},
		{"unit on a text", func(s *Survey) { q(s, 7).Unit = "words" }, []string{"sections[0].questions[7].unit"}},
		{"condition pointing forward", func(s *Survey) { q(s, 1).Condition.Question = "algorithm" }, []string{"sections[0].questions[1].condition.question"}},
		{"condition on a missing key", func(s *Survey) { q(s, 1).Condition.Question = "nothing" }, []string{"sections[0].questions[1].condition.question"}},
		{"condition on itself", func(s *Survey) { q(s, 1).Condition.Question = "signed_since" }, []string{"sections[0].questions[1].condition.question"}},
		{"condition value of the wrong type", func(s *Survey) { q(s, 1).Condition.Value = "yes" }, []string{"sections[0].questions[1].condition.value"}},
		{"condition on an unknown option", func(s *Survey) { q(s, 5).Condition.Values = []any{"rsasha1"} }, []string{"sections[0].questions[5].condition.values[0]"}},
		{"at_least on a choice", func(s *Survey) {
			q(s, 7).Condition = &Condition{Question: "algorithm", Operator: OpAtLeast, Value: 1.0}
		}, []string{"sections[0].questions[7].condition.operator"}},
		{"unknown operator", func(s *Survey) { q(s, 1).Condition.Operator = "greater" }, []string{"sections[0].questions[1].condition.operator"}},
		{"duplicate section key", func(s *Survey) {
			s.Sections = append(s.Sections, Section{Key: "signing", Title: "Again"})
		}, []string{"sections[1].key"}},
		{"bad topic", func(s *Survey) { s.Topics = []string{"DNS SEC"} }, []string{"topics[0]"}},
		{"k of zero", func(s *Survey) { s.Policy.MinRespondents = 0 }, []string{"results_policy.min_respondents"}},
		{"several problems at once", func(s *Survey) {
			s.Title = ""
			q(s, 3).Type = "slider"
			q(s, 1).Constraints.Min = ptr(2030.0)
		}, []string{"title", "sections[0].questions[3].type", "sections[0].questions[1].constraints.min"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := validSurvey()
			tc.break_(&s)
			err := s.Validate()
			e, ok := err.(*Error)
			if !ok || e.Code != Invalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
			got := map[string]bool{}
			for _, f := range e.Fields {
				got[f.Field] = true
			}
			for _, f := range tc.fields {
				if !got[f] {
					t.Errorf("no problem named %s in %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(tc.fields) {
				t.Errorf("%d problems %v, want exactly %v", len(e.Fields), e.Fields, tc.fields)
			}
		})
	}
}

func TestTransitions(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	future, past := now.Add(24*time.Hour), now.Add(-time.Hour)
	for _, tc := range []struct {
		name   string
		status Status
		to     Status
		edit   func(*Survey)
		want   Code
		reason string
	}{
		{"open a draft", StatusDraft, StatusOpen, nil, "", ""},
		{"open without questions", StatusDraft, StatusOpen, func(s *Survey) { s.Sections = nil }, Conflict, "at least one question"},
		{"open without deadline", StatusDraft, StatusOpen, func(s *Survey) { s.Deadline = nil }, Conflict, "needs a deadline"},
		{"open with a past deadline", StatusDraft, StatusOpen, func(s *Survey) { s.Deadline = &past }, Conflict, "has passed"},
		{"open twice", StatusOpen, StatusOpen, nil, Conflict, "only a draft"},
		{"close an open survey", StatusOpen, StatusClosed, nil, "", ""},
		{"close a draft", StatusDraft, StatusClosed, nil, Conflict, "only a open survey can be closed"},
		{"publish a closed survey", StatusClosed, StatusPublished, nil, "", ""},
		{"publish an open survey", StatusOpen, StatusPublished, nil, Conflict, "only a closed survey"},
		{"back to draft", StatusOpen, StatusDraft, nil, Invalid, "cannot be moved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := validSurvey()
			s.Status, s.Deadline = tc.status, &future
			if tc.edit != nil {
				tc.edit(&s)
			}
			err := s.CheckTransition(tc.to, now)
			if ErrorCode(err) != tc.want {
				t.Fatalf("got %v, want code %q", err, tc.want)
			}
			if err != nil && !strings.Contains(errorText(err), tc.reason) {
				t.Fatalf("%v does not say %q", err, tc.reason)
			}
		})
	}
}

func errorText(err error) string {
	e := err.(*Error)
	text := e.Message
	for _, f := range e.Fields {
		text += "; " + f.Field + ": " + f.Reason
	}
	return text
}

func TestCheckEditFreezesStructureOnceOpen(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	future := now.Add(24 * time.Hour)
	open := validSurvey()
	open.Status, open.Deadline = StatusOpen, &future

	texts := open.NewEdition("")
	texts.Status, texts.Deadline = StatusOpen, &future
	texts.Title = "DNSSEC practices (corrected)"
	texts.Sections[0].Title = "Zone signing"
	texts.Sections[0].Questions[0].Prompt = "Is your zone signed with DNSSEC?"
	texts.Sections[0].Questions[2].Options[0].Label = "RSA/SHA-256 (algorithm 8)"
	if err := open.CheckEdit(texts, now); err != nil {
		t.Fatalf("a text edit of an open survey: %v", err)
	}

	for _, tc := range []struct {
		name  string
		edit  func(*Survey)
		field string
	}{
		{"key", func(s *Survey) { s.Sections[0].Questions[0].Key = "signed" }, "sections[0].questions[0].key"},
		{"type", func(s *Survey) { s.Sections[0].Questions[3].Type = Number }, "sections[0].questions[3].type"},
		{"option key", func(s *Survey) { s.Sections[0].Questions[2].Options[1].Key = "ed25519" }, "sections[0].questions[2].options[1].key"},
		{"added option", func(s *Survey) {
			q := &s.Sections[0].Questions[2]
			q.Options = append(q.Options, Option{Key: "ed25519", Label: "Ed25519"})
		}, "sections[0].questions[2].options"},
		{"removed question", func(s *Survey) { s.Sections[0].Questions = s.Sections[0].Questions[:7] }, "sections[0].questions"},
		{"constraint", func(s *Survey) { s.Sections[0].Questions[1].Constraints.Max = ptr(2030.0) }, "sections[0].questions[1].constraints"},
		{"audience", func(s *Survey) { s.Audience = "nordics" }, "audience"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := open.NewEdition("")
			tc.edit(&next)
			err := open.CheckEdit(next, now)
			e, ok := err.(*Error)
			if !ok || e.Code != Conflict || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
				t.Fatalf("got %v, want a conflict naming %s", err, tc.field)
			}
			draft := open
			draft.Status = StatusDraft
			if err := draft.CheckEdit(next, now); err != nil {
				t.Fatalf("the same edit of a draft: %v", err)
			}
		})
	}
}
