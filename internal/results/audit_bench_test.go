package results

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// benchEdition is an edition shaped like make bench's: n respondents, a
// group of up to 1,000, 60 questions of every kind.
func benchEdition(n int) (Edition, AnswersOf) {
	var qs []survey.Question
	opts := func(k int) []survey.Option {
		var out []survey.Option
		for i := 1; i <= k; i++ {
			out = append(out, survey.Option{Key: fmt.Sprintf("o%d", i)})
		}
		return out
	}
	for i := range 20 {
		qs = append(qs, survey.Question{Key: fmt.Sprintf("single%02d", i), Type: survey.SingleChoice, Options: opts(5)})
	}
	for i := range 10 {
		qs = append(qs, survey.Question{Key: fmt.Sprintf("multi%02d", i), Type: survey.MultipleChoice, Options: opts(4)})
	}
	for i := range 20 {
		qs = append(qs, survey.Question{Key: fmt.Sprintf("num%02d", i), Type: survey.Number})
	}
	for i := range 5 {
		qs = append(qs, survey.Question{Key: fmt.Sprintf("flag%02d", i), Type: survey.Boolean})
	}
	sv := survey.Survey{ID: "s", Policy: survey.ResultsPolicy{MinRespondents: 5}, Sections: []survey.Section{{Key: "all", Questions: qs}}}
	r := rand.New(rand.NewPCG(1, 2))
	ed := Edition{Survey: sv, Groups: map[string][]string{}}
	answers := map[string]map[string]survey.Value{}
	for i := range n {
		m := fmt.Sprintf("m%07d", i)
		as := map[string]survey.Value{}
		for _, q := range qs {
			switch q.Type {
			case survey.SingleChoice:
				as[q.Key] = survey.Value{Options: []string{fmt.Sprintf("o%d", 1+r.IntN(5))}}
			case survey.MultipleChoice:
				var o []string
				for j := 1; j <= 4; j++ {
					if r.IntN(2) == 0 {
						o = append(o, fmt.Sprintf("o%d", j))
					}
				}
				as[q.Key] = survey.Value{Options: o}
			case survey.Number:
				v := math.Round(r.ExpFloat64()*100000) / 100
				as[q.Key] = survey.Value{Number: &v}
			case survey.Boolean:
				b := r.IntN(2) == 0
				as[q.Key] = survey.Value{Bool: &b}
			}
		}
		answers[m] = as
		ed.Respondents = append(ed.Respondents, m)
		if i < min(n/2, 1000) {
			ed.Groups["half"] = append(ed.Groups["half"], m)
		}
	}
	return ed, answersIn(map[string]map[string]map[string]survey.Value{"s": answers})
}

func BenchmarkAudit(b *testing.B) {
	ed, answers := benchEdition(10000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Audit([]Edition{ed}, 0, answers); err != nil {
			b.Fatal(err)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-MiB")
}
