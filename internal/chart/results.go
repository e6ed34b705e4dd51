package chart

import (
	"fmt"
	"strings"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// This file is the one place that reads results.Results for a chart: the JSON
// handler builds the value, under the confidentiality rules, and this draws
// it. A suppressed result is drawn as a notice, never as an empty chart.

// Question draws the result of one question of r: bars for choice, boolean and
// scale questions, a histogram for numbers, a notice when suppressed. ok is
// false for a text or date question, which has no chart.
func Question(f Format, r results.Results, q results.Question) (img []byte, ok bool, err error) {
	scope := r.Survey.Title
	if r.Survey.Edition != "" && !strings.Contains(scope, r.Survey.Edition) {
		scope += " " + r.Survey.Edition
	}
	if r.PeerGroup != "" {
		scope += ", peer group " + r.PeerGroup
	}
	switch q.Type {
	case survey.Text, survey.Date:
		return nil, false, nil
	}
	if q.Suppressed != "" {
		img, err = Notice(f, q.Prompt, "Suppressed: "+q.Suppressed+". To keep members' answers confidential, this chart shows no figures. ("+scope+")")
		return img, true, err
	}
	sub := fmt.Sprintf("%s · %d respondents", scope, q.N)
	switch {
	case len(q.Options) > 0:
		b := Bars{Title: q.Prompt, Bars: make([]Bar, len(q.Options))}
		mine := false
		for i, o := range q.Options {
			b.Bars[i] = Bar{Label: o.Label, Count: o.Count, Share: o.Share, Mine: q.Own != nil && chose(q, o.Key)}
			mine = mine || b.Bars[i].Mine
		}
		if mine {
			sub += " · » and « yours mark your member's answer"
		}
		b.Subtitle = sub
		img, err = b.Render(f)
		return img, true, err
	case q.Numeric != nil:
		m := q.Numeric
		h := Histogram{Title: q.Prompt, Bins: make([]Bin, len(m.Histogram))}
		for i, b := range m.Histogram {
			h.Bins[i] = Bin{From: b.From, To: b.To, Count: b.Count}
		}
		sub += fmt.Sprintf(" · median %s, quartiles %s to %s, mean %s", number(m.Median), number(m.Q1), number(m.Q3), number(m.Mean))
		if q.Own != nil && q.Own.Answer.Number != nil {
			h.Own = q.Own.Answer.Number
			sub += "\nYours: " + number(*h.Own)
			if q.Own.PercentileRank != nil {
				sub += fmt.Sprintf(" (percentile rank %s)", number(*q.Own.PercentileRank))
			}
			sub += ", marked with » and « yours on its bar"
		}
		h.Subtitle = sub
		img, err = h.Render(f)
		return img, true, err
	}
	return nil, false, nil
}

// chose says whether the viewer's answer to q includes the option.
func chose(q results.Question, option string) bool {
	v := q.Own.Answer
	switch {
	case v.Bool != nil:
		return fmt.Sprint(*v.Bool) == option
	case v.Number != nil:
		return fmt.Sprint(int(*v.Number)) == option
	}
	for _, k := range v.Options {
		if k == option {
			return true
		}
	}
	return false
}
