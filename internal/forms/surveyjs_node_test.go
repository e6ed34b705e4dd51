package forms

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// nodeDir is the folder of the SurveyJS check: package.json, package-lock.json
// and check.js, with survey-core installed by npm ci.
const nodeDir = "surveyjs"

// surveyCore makes sure survey-core is installed in nodeDir and returns the path
// of node. Without node the test is skipped on a developer's machine, and fails
// under CI=true, where the check must run.
func surveyCore(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = exec.LookPath("npm")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node and npm are needed to check the SurveyJS export with survey-core: %v", err)
		}
		t.Skipf("node or npm not found (%v); the SurveyJS export is checked with survey-core where they are", err)
	}
	// npm writes node_modules/.package-lock.json on install: missing or older than
	// the committed lock, the install is stale.
	lock, err := os.Stat(filepath.Join(nodeDir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if installed, err := os.Stat(filepath.Join(nodeDir, "node_modules", ".package-lock.json")); err != nil || installed.ModTime().Before(lock.ModTime()) {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = nodeDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", nodeDir, err, out)
		}
	}
	return node
}

type nodeCase struct {
	Answers map[string]any `json:"answers"`
}

type nodeResult struct {
	JSONErrors []string `json:"jsonErrors"`
	Cases      []struct {
		Visible  []string `json:"visible"`
		Required []string `json:"required"`
		Missing  []string `json:"missing"`
		Invalid  []string `json:"invalid"`
	} `json:"cases"`
	Texts map[string]map[string]struct {
		Title       string            `json:"title"`
		Description string            `json:"description"`
		Choices     map[string]string `json:"choices"`
	} `json:"texts"`
}

// TestSurveyJSExportBehavesTheSameInSurveyCore loads the export into SurveyJS's
// own survey-core, sets the same answers as the server would hold, and compares
// what SurveyJS shows and requires with the server's own evaluation.
func TestSurveyJSExportBehavesTheSameInSurveyCore(t *testing.T) {
	node := surveyCore(t)
	t.Run("sample", func(t *testing.T) {
		checkInSurveyCore(t, node, sample(), []map[string]any{
			{},
			{"zone_signed": false, "signed_share": 10.0, "incentives": []any{"label"}},
			{"zone_signed": true, "signed_since": 2010.0, "algorithm": "rsasha256"},
			{"zone_signed": true, "algorithm": "ed25519", "signed_share": 50.0},
			// algorithm is hidden once the zone is unsigned: its answer counts for nothing,
			// so neither rollover_notes nor not_ed25519 may show.
			{"zone_signed": false, "algorithm": "rsasha256", "rollover_notes": "by hand"},
			{"zone_signed": true, "algorithm": "ecdsap256sha256", "last_rollover": "2024-03-01", "signed_share": 49.5,
				"incentives": []any{"discount", "none"}, "discount_eur": 1.5},
			{"incentives": []any{"none"}, "satisfaction": 6.0, "commented": false},
			{"incentives": []any{"label", "discount"}, "satisfaction": 5.0, "commented": true, "comments": "none"},
		}, []string{"en", "fr", "de"})
	})
	// A form written in a spreadsheet behaves the same once it is a SurveyJS form.
	t.Run("from XLSForm", func(t *testing.T) {
		data, err := os.ReadFile("testdata/kobo-style.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		s, err := FromXLSForm(data)
		if err != nil {
			t.Fatal(err)
		}
		checkInSurveyCore(t, node, s, []map[string]any{
			{},
			{"suspends": "no", "per_year": 3.0},
			{"suspends": "yes", "per_year": 0.0},
			{"suspends": "yes", "per_year": 12.0, "grounds": []any{"wrong_data"}},
			{"suspends": "yes", "per_year": 12.0, "grounds": []any{"abuse", "wrong_data"}, "clarity": 4.0},
		}, []string{"en", "fr"})
	})
}

// checkInSurveyCore exports s, and for each set of answers compares what
// survey-core shows, requires and finds missing with Visible and
// MissingRequired, and the texts it shows in each locale with Localized.
func checkInSurveyCore(t *testing.T, node string, s survey.Survey, cases []map[string]any, locales []string) {
	t.Helper()
	doc, err := ToSurveyJS(s)
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Survey  json.RawMessage `json:"survey"`
		Cases   []nodeCase      `json:"cases"`
		Locales []string        `json:"locales"`
	}
	req.Survey, req.Locales = doc, locales
	for _, c := range cases {
		req.Cases = append(req.Cases, nodeCase{Answers: c})
	}
	in, _ := json.Marshal(req)
	cmd := exec.Command(node, "check.js")
	cmd.Dir = nodeDir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node check.js: %v\n%s", err, stderr.String())
	}
	var res nodeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("read the output of check.js: %v\n%s", err, out)
	}
	if len(res.JSONErrors) > 0 {
		t.Errorf("survey-core finds errors in the export: %v", res.JSONErrors)
	}
	if len(res.Cases) != len(cases) {
		t.Fatalf("check.js answered %d cases of %d", len(res.Cases), len(cases))
	}
	for i, raw := range cases {
		answers := map[string]survey.Value{}
		for k, v := range raw {
			q, _ := s.Question(k)
			val, reason := q.ParseAnswer(v)
			if reason != "" {
				t.Fatalf("case %d: the answer to %s %s", i, k, reason)
			}
			answers[k] = val
		}
		visible := s.Visible(answers)
		var wantVisible, wantRequired []string
		for _, q := range s.Questions() {
			if visible[q.Key] {
				wantVisible = append(wantVisible, q.Key)
				if q.Required {
					wantRequired = append(wantRequired, q.Key)
				}
			}
		}
		got := res.Cases[i]
		check := func(what string, want, got []string) {
			if !slices.Equal(want, got) && (len(want) > 0 || len(got) > 0) {
				t.Errorf("case %d %v: %s\n server:      %v\n survey-core: %v", i, raw, what, want, got)
			}
		}
		check("visible", wantVisible, got.Visible)
		check("required", wantRequired, got.Required)
		check("missing required", s.MissingRequired(answers), got.Missing)
		check("answers survey-core finds invalid", nil, got.Invalid)
	}
	// The texts SurveyJS shows in each language are the server's in that language.
	for _, lang := range locales {
		loc := s.Localized(lang)
		texts := res.Texts[lang]
		for _, sec := range loc.Sections {
			if got := texts["page:"+sec.Key]; got.Title != sec.Title || got.Description != sec.Description {
				t.Errorf("%s: page %s shows %q / %q, want %q / %q", lang, sec.Key, got.Title, got.Description, sec.Title, sec.Description)
			}
			for _, q := range sec.Questions {
				got := texts[q.Key]
				if got.Title != q.Prompt || got.Description != q.Help {
					t.Errorf("%s: %s shows %q / %q, want %q / %q", lang, q.Key, got.Title, got.Description, q.Prompt, q.Help)
				}
				for _, o := range q.Options {
					if got.Choices[o.Key] != o.Label {
						t.Errorf("%s: %s option %s shows %q, want %q", lang, q.Key, o.Key, got.Choices[o.Key], o.Label)
					}
				}
			}
		}
	}
}
