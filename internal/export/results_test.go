package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestResultsRows(t *testing.T) {
	yes, own := true, 12.0
	rank, dMedian, dMean := 40.0, 2.0, 1.5
	prevAlgo := results.Question{Key: "algo", N: 4, Options: []results.OptionCount{{Key: "a", Label: "A", Count: 1, Share: 0.25}}}
	r := results.Results{Questions: []results.Question{
		{Key: "algo", Type: survey.SingleChoice, Prompt: "Algorithm", Section: "s", N: 6,
			Options:  []results.OptionCount{{Key: "a", Label: "A", Count: 3, Share: 0.5}, {Key: "b", Label: "=B", Count: 3, Share: 0.5}},
			Own:      &results.Own{Answer: survey.Value{Options: []string{"a"}}, SameChoice: map[string]int{"a": 2}},
			Previous: &prevAlgo, Change: &results.Change{Shares: map[string]float64{"a": 0.25, "b": 0.5}}},
		{Key: "size", Type: survey.Number, Prompt: "Size", Section: "s", N: 6,
			Numeric: &results.Numeric{Mean: 10, Q1: 5, Median: 9, Q3: 14, Histogram: []survey.Bin{{From: 0, To: 10, Count: 4}, {From: 10, To: 20, Count: 2}}},
			Own:     &results.Own{Answer: survey.Value{Number: &own}, PercentileRank: &rank},
			Change:  &results.Change{Median: &dMedian, Mean: &dMean}},
		{Key: "signed", Type: survey.Boolean, Prompt: "Signed?", Section: "s", Suppressed: "fewer than 5 respondents answered",
			Own: &results.Own{Answer: survey.Value{Bool: &yes}}},
	}}
	var buf bytes.Buffer
	w, _ := New(CSV, &buf, "results")
	if err := Results(w, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	get := func(row int, name string) string { return rows[row][col[name]] }
	want := []map[string]string{
		{"question": "algo", "row": "option", "option": "a", "count": "3", "share": "0.5", "own_answer": "true", "own_same_choice": "2",
			"previous_n": "4", "previous_count": "1", "previous_share": "0.25", "change_share": "0.25"},
		{"question": "algo", "row": "option", "option": "b", "label": "'=B", "own_answer": "false", "previous_count": "", "change_share": "0.5"},
		{"question": "size", "row": "summary", "n": "6", "mean": "10", "median": "9", "own_answer": "12", "own_percentile_rank": "40",
			"change_median": "2", "change_mean": "1.5", "previous_n": ""},
		{"question": "size", "row": "bin", "label": "[0, 10)", "count": "4", "mean": ""},
		{"question": "size", "row": "bin", "label": "[10, 20]", "count": "2"},
		{"question": "signed", "row": "question", "n": "", "suppressed": "fewer than 5 respondents answered", "own_answer": "true", "count": ""},
	}
	if len(rows) != 1+len(want) {
		t.Fatalf("%d rows:\n%v", len(rows), rows)
	}
	for i, w := range want {
		for name, v := range w {
			if got := get(i+1, name); got != v {
				t.Errorf("row %d %s = %q, want %q (%s)", i+1, name, got, v, strings.Join(rows[i+1], ","))
			}
		}
	}
}
