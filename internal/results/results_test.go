package results

import (
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestDisclosure(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n        int
		group    string
		overall  int
		overlaps []survey.Overlap
		want     string // part of the reason; "" when shown
	}{
		{"enough respondents", 5, "", 5, nil, ""},
		{"too few", 4, "", 4, nil, "fewer than 5 respondents answered"},
		{"group and rest both large", 6, "g", 12, nil, ""},
		{"the group is everyone", 6, "g", 6, nil, ""},
		{"the rest is too small", 8, "g", 12, nil, "outside the peer group"},
		{"the group is too small", 4, "g", 12, nil, "fewer than 5 respondents answered"},
		{"another group one member larger", 6, "g", 20, []survey.Overlap{{Group: "h", N: 7, InBoth: 6}}, "peer group h"},
		{"another group one member smaller", 6, "g", 20, []survey.Overlap{{Group: "h", N: 5, InBoth: 5}}, "peer group h"},
		{"another group far apart", 6, "g", 20, []survey.Overlap{{Group: "h", N: 11, InBoth: 6}}, ""},
		{"another group the same", 6, "g", 20, []survey.Overlap{{Group: "h", N: 6, InBoth: 6}}, ""},
		{"a small group cannot be shown, so it does not count", 6, "g", 20, []survey.Overlap{{Group: "h", N: 4, InBoth: 3}}, ""},
		{"nor one whose rest is too small", 6, "g", 12, []survey.Overlap{{Group: "h", N: 8, InBoth: 6}}, ""},
		{"the group itself is skipped", 6, "g", 20, []survey.Overlap{{Group: "g", N: 6, InBoth: 6}}, ""},
	} {
		got := Disclosure(5, tc.n, tc.group, tc.overall, tc.overlaps)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCheckAccess(t *testing.T) {
	admin := survey.User{Role: survey.RoleSecretariat}
	member := survey.User{Role: survey.RoleViewer, Member: "dk"}
	open := survey.Survey{Status: survey.StatusOpen, Policy: survey.DefaultResultsPolicy()}
	published := open
	published.Status = survey.StatusPublished
	everyone := published
	everyone.Policy.RespondentsOnly = false
	for _, tc := range []struct {
		name      string
		sv        survey.Survey
		u         survey.User
		submitted bool
		want      string
	}{
		{"the secretariat, live", open, admin, false, ""},
		{"a member before publication", open, member, true, "once the survey is published"},
		{"a respondent after publication", published, member, true, ""},
		{"a non-respondent under respondents_only", published, member, false, "did not"},
		{"a non-respondent otherwise", everyone, member, false, ""},
	} {
		err := CheckAccess(tc.sv, tc.u, tc.submitted)
		if tc.want == "" && err != nil || tc.want != "" && (survey.ErrorCode(err) != survey.Forbidden || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
