package survey

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestDroppedNamesHiddenAnswers(t *testing.T) {
	s := validSurvey()
	current, _, err := s.ApplyAnswers(nil, map[string]any{"zone_signed": true, "signed_since": json.Number("2010"), "signed_share": json.Number("80"), "comments": "ok"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		patch map[string]any
		want  string
	}{
		{"nothing hidden", map[string]any{"signed_share": json.Number("90")}, "[]"},
		{"stored answers hidden", map[string]any{"zone_signed": false, "signed_share": json.Number("20")},
			"[{signed_since zone_signed true} {comments signed_share true}]"},
		{"a sent answer hidden at once", map[string]any{"zone_signed": false, "signed_since": json.Number("2012")},
			"[{signed_since zone_signed true}]"},
		{"a hidden answer cleared is no drop", map[string]any{"zone_signed": false, "signed_since": nil}, "[]"},
		{"a sent answer to a question hidden already", map[string]any{"satisfaction": json.Number("3")},
			"[{satisfaction algorithm false}]"},
	} {
		next, _, err := s.ApplyAnswers(current, tc.patch)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := fmt.Sprint(s.Dropped(current, tc.patch, next))
		if tc.want == "[]" && got == "[]" {
			continue
		}
		if got != tc.want {
			t.Errorf("%s: dropped %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestSubmitBlockersListsEveryReason(t *testing.T) {
	s := validSurvey()
	s.Status = StatusOpen
	deadline := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	s.Deadline = &deadline
	before, after := deadline.Add(-time.Hour), deadline.Add(time.Hour)
	yes := true
	respondent := User{ID: "usr_a", Role: RoleRespondent, Member: "dk"}
	viewer := User{ID: "usr_b", Role: RoleViewer, Member: "dk"}
	reasons := func(errs []*Error) string {
		var out []Reason
		for _, e := range errs {
			out = append(out, e.Reason)
		}
		return fmt.Sprint(out)
	}
	for _, tc := range []struct {
		name      string
		u         User
		now       time.Time
		extension *time.Time
		answers   map[string]Value
		want      string
	}{
		{"complete, in time", respondent, before, nil, map[string]Value{"zone_signed": {Bool: &yes}}, "[]"},
		{"missing", respondent, before, nil, map[string]Value{}, "[required_missing]"},
		{"late and missing, by a viewer", viewer, after, nil, map[string]Value{}, "[read_only_role deadline_passed required_missing]"},
		{"late but extended", respondent, after, ptr(after.Add(time.Hour)), map[string]Value{"zone_signed": {Bool: &yes}}, "[]"},
		{"another member's", User{Role: RoleRespondent, Member: "se"}, before, nil, map[string]Value{"zone_signed": {Bool: &yes}}, "[not_own_member]"},
	} {
		if got := reasons(s.SubmitBlockers(tc.u, "dk", tc.now, tc.extension, tc.answers)); got != tc.want {
			t.Errorf("%s: blockers %s, want %s", tc.name, got, tc.want)
		}
	}
	s.Status = StatusClosed
	if got := reasons(s.SubmitBlockers(respondent, "dk", before, nil, map[string]Value{"zone_signed": {Bool: &yes}})); got != "[not_open]" {
		t.Errorf("closed: blockers %s, want [not_open]", got)
	}
}
