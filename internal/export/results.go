package export

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// This file is the one place that reads results.Results for an export: the
// JSON handler builds the value, under the confidentiality rules, and this
// turns it into rows. Whatever Build suppresses arrives here blank, with its
// reason.

// resultColumns are the columns of a results export, one row per option of a
// choice question, one summary row and one row per histogram bin of a numeric
// question, and one row for any other question or for a suppressed one.
var resultColumns = []any{"section", "question", "prompt", "type", "n", "suppressed", "row", "option", "label",
	"count", "share", "mean", "q1", "median", "q3", "own_answer", "own_percentile_rank", "own_same_choice",
	"previous_n", "previous_suppressed", "previous_count", "previous_share", "previous_mean", "previous_median",
	"change_share", "change_mean", "change_median"}

// Results writes a survey's results as a caller may see them.
func Results(w Writer, r results.Results) error {
	if err := w.Header(resultColumns...); err != nil {
		return err
	}
	for _, q := range r.Questions {
		for _, row := range questionRows(q) {
			if err := w.Row(row...); err != nil {
				return err
			}
		}
	}
	return w.Close()
}

// questionRows are the rows of one question, each as long as resultColumns.
func questionRows(q results.Question) [][]any {
	var n, suppressed any
	if q.Suppressed != "" {
		suppressed = q.Suppressed
	} else {
		n = q.N
	}
	var prevN, prevSuppressed any
	if p := q.Previous; p != nil {
		if p.Suppressed != "" {
			prevSuppressed = p.Suppressed
		} else {
			prevN = p.N
		}
	}
	row := func(kind string) []any {
		out := make([]any, len(resultColumns))
		out[0], out[1], out[2], out[3], out[4], out[5], out[6] = q.Section, q.Key, q.Prompt, string(q.Type), n, suppressed, kind
		out[18], out[19] = prevN, prevSuppressed
		return out
	}
	var rows [][]any
	for _, o := range q.Options {
		r := row("option")
		r[7], r[8], r[9], r[10] = optionKey(o.Key), o.Label, o.Count, o.Share
		if q.Own != nil {
			r[15] = chose(q.Own.Answer, o.Key)
			if c, ok := q.Own.SameChoice[o.Key]; ok {
				r[17] = c
			}
		}
		if q.Previous != nil {
			for _, p := range q.Previous.Options {
				if p.Key == o.Key {
					r[20], r[21] = p.Count, p.Share
				}
			}
		}
		if q.Change != nil {
			if d, ok := q.Change.Shares[o.Key]; ok {
				r[24] = d
			}
		}
		rows = append(rows, r)
	}
	if m := q.Numeric; m != nil {
		r := row("summary")
		r[11], r[12], r[13], r[14] = m.Mean, m.Q1, m.Median, m.Q3
		if q.Own != nil {
			r[15] = answerCell(q.Own.Answer)
			if q.Own.PercentileRank != nil {
				r[16] = *q.Own.PercentileRank
			}
		}
		if p := q.Previous; p != nil && p.Numeric != nil {
			r[22], r[23] = p.Numeric.Mean, p.Numeric.Median
		}
		if c := q.Change; c != nil && c.Mean != nil && c.Median != nil {
			r[25], r[26] = *c.Mean, *c.Median
		}
		rows = append(rows, r)
		for i, b := range m.Histogram {
			// Interval notation: [from, to), the last bin closed.
			end := ")"
			if i == len(m.Histogram)-1 {
				end = "]"
			}
			r := row("bin")
			r[8], r[9] = fmt.Sprintf("[%s, %s%s", number(b.From), number(b.To), end), b.Count
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 { // suppressed, or a question with no counts (text, date)
		r := row("question")
		if q.Own != nil {
			r[15] = answerCell(q.Own.Answer)
		}
		rows = append(rows, r)
	}
	return rows
}

// optionKey is an option's key as a cell: scale points as numbers, the rest as text.
func optionKey(k string) any {
	if n, err := strconv.Atoi(k); err == nil {
		return n
	}
	return k
}

// chose says whether the answer includes the option.
func chose(v survey.Value, option string) any {
	switch {
	case v.Bool != nil:
		return strconv.FormatBool(*v.Bool) == option
	case v.Number != nil:
		return strconv.Itoa(int(*v.Number)) == option
	case v.Options != nil:
		for _, k := range v.Options {
			if k == option {
				return true
			}
		}
		return false
	}
	return nil
}

// answerCell is one answer as a cell: a number, a boolean, or text (the
// options of a multiple choice joined by semicolons).
func answerCell(v survey.Value) any {
	switch {
	case v.Number != nil:
		return *v.Number
	case v.Bool != nil:
		return *v.Bool
	case v.Text != nil:
		return *v.Text
	case v.Date != nil:
		return *v.Date
	case v.Options != nil:
		return strings.Join(v.Options, ";")
	}
	return nil
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
