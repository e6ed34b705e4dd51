package results

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/disclosure"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestCoarse checks the bars members see: merged until each bar that is not
// empty holds k answers, amounts' bars at least a fifth as wide as their lower
// edge, and quartiles the middles of bars.
func TestCoarse(t *testing.T) {
	bins := func(counts ...int) []survey.Bin {
		out := make([]survey.Bin, len(counts))
		for i, c := range counts {
			out[i] = survey.Bin{From: float64(10 * i), To: float64(10 * (i + 1)), Count: c}
		}
		return out
	}
	plain := survey.Survey{}
	amounts := survey.Survey{Period: "2026-10"}
	q := survey.Question{Key: "n", Type: survey.Number}
	for _, tc := range []struct {
		name   string
		sv     survey.Survey
		counts []int
		want   string
	}{
		{"bars of k stay", plain, []int{3, 3, 0, 3}, "[{0 10 3} {10 20 3} {20 30 0} {30 40 3}]"},
		{"a bar of one joins the next", plain, []int{1, 2, 3, 0}, "[{0 20 3} {20 30 3} {30 40 0}]"},
		{"a last bar of one joins the one before", plain, []int{3, 0, 0, 1}, "[{0 40 4}]"},
		{"amounts: bars narrower than a fifth of their edge merge", amounts, []int{3, 3, 3, 3, 3, 3, 3, 3},
			"[{0 10 3} {10 20 3} {20 30 3} {30 40 3} {40 50 3} {50 60 3} {60 80 6}]"},
	} {
		got := coarse(tc.sv, q, &survey.NumericStats{Histogram: bins(tc.counts...)}, 3)
		if s := fmt.Sprint(got.Histogram); s != tc.want {
			t.Errorf("%s: bars %s, want %s", tc.name, s, tc.want)
		}
		for _, v := range []float64{got.Q1, got.Median, got.Q3} {
			middle := false
			for _, b := range got.Histogram {
				middle = middle || v == (b.From+b.To)/2
			}
			if !middle {
				t.Errorf("%s: quartile %v is not the middle of a bar", tc.name, v)
			}
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

// TestAuditKeepsTheWhole: when the whole and a group differ by one member, the
// group gives way, and the whole membership's figure stays.
func TestAuditKeepsTheWhole(t *testing.T) {
	size := survey.Question{Key: "size", Type: survey.Number}
	sv := survey.Survey{ID: "s1", Policy: survey.ResultsPolicy{MinRespondents: 3},
		Sections: []survey.Section{{Key: "all", Questions: []survey.Question{size}}}}
	answers := map[string]map[string]survey.Value{}
	var members []string
	for i := range 7 {
		m := fmt.Sprintf("m%d", i)
		v := float64(10 + i)
		answers[m] = map[string]survey.Value{"size": {Number: &v}}
		members = append(members, m)
	}
	ed := Edition{Survey: sv, Respondents: members, Groups: map[string][]string{"almost": members[:6], "half": members[:3]}}
	got, err := Audit([]Edition{ed}, 0, answersIn(map[string]map[string]map[string]survey.Value{"s1": answers}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[Cell]disclosure.Code{{"", "size"}: disclosure.Shown, {"almost", "size"}: disclosure.WouldDisclose, {"half", "size"}: disclosure.Shown}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Audit = %v, want %v", got, want)
	}
}

// answersIn reads a question's answers from survey → member → question → answer.
func answersIn(all map[string]map[string]map[string]survey.Value) AnswersOf {
	return func(q survey.Question, ids []string) (map[string]map[string]survey.Value, error) {
		out := map[string]map[string]survey.Value{}
		for _, id := range ids {
			for m, as := range all[id] {
				if v, ok := as[q.Key]; ok {
					if out[id] == nil {
						out[id] = map[string]survey.Value{}
					}
					out[id][m] = v
				}
			}
		}
		return out, nil
	}
}
