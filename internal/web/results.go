package web

import (
	"fmt"
	"math"
	"strconv"
)

// whySuppressed explains, in plain words, why a figure is not shown, by the
// API's reason code; an unknown code falls back to the API's own words.
func whySuppressed(code, apiWords string, k int) string {
	switch code {
	case "below_threshold":
		return fmt.Sprintf("Fewer than %d members answered this. With so few answers a figure could reveal what one member answered, so it is not shown.", k)
	case "dominance":
		return "One member's figure is so large a part of the total that the total would tell others that member's figure almost exactly, so it is not shown."
	case "unanimous":
		return "Every member that answered, or all but one, gave the same answer, so showing it would tell everyone what each of them answered."
	case "would_disclose":
		return "Together with figures shown elsewhere (for all members, another peer group, another edition or period), this one would let a reader work out what some member answered, so it is held back."
	case "not_submitted":
		return "These results are for the members that submitted a response, and yours did not."
	case "order_statistic":
		return "A figure such as the median would here be exactly one member's answer, so it is not shown."
	}
	if apiWords != "" {
		return "Not shown: " + apiWords + "."
	}
	return "Not shown, to keep each member's answer confidential."
}

// optionRow is one option of a question, with the previous edition's share.
type optionRow struct {
	Label     string
	Count     int
	Share     float64
	PrevShare *float64
	Change    string // in words: "up 12 points"
}

// resultCard is one question of the results page, in the page's words.
type resultCard struct {
	Q       resultQuestion
	Why     string // why its figures are not shown; "" when they are
	Options []optionRow
	// The comparison with the previous edition, when one was asked for.
	Compare     bool
	PrevEdition string
	NotAsked    bool   // the question was not in the previous edition
	PrevWhy     string // why the previous edition's figure is not shown
	Compared    string // the numbers compared, in a sentence
}

// resultCards turns the API's results into the page's cards.
func resultCards(doc resultsDoc) []resultCard {
	k := doc.Policy.MinRespondents
	out := make([]resultCard, len(doc.Questions))
	for i, q := range doc.Questions {
		c := resultCard{Q: q}
		if q.Suppressed != nil {
			c.Why = whySuppressed(deref(q.Code), *q.Suppressed, k)
		}
		var prevShares map[string]float64
		if doc.Comparison != nil {
			c.Compare, c.PrevEdition = true, doc.Comparison.Edition
			switch p := q.Previous; {
			case p == nil:
				c.NotAsked = true
			case p.Suppressed != nil:
				c.PrevWhy = "In " + c.PrevEdition + ": " + whySuppressed(deref(p.Code), *p.Suppressed, k)
			default:
				prevShares = map[string]float64{}
				for _, o := range p.Options {
					prevShares[fmt.Sprint(o.Key)] = o.Share
				}
				if q.Numeric != nil && p.Numeric != nil {
					c.Compared = fmt.Sprintf("Median %s this edition, %s in %s (%s); mean %s, %s in %s (%s).",
						number(q.Numeric.Median), number(p.Numeric.Median), c.PrevEdition, change(q.Numeric.Median-p.Numeric.Median, false),
						number(q.Numeric.Mean), number(p.Numeric.Mean), c.PrevEdition, change(q.Numeric.Mean-p.Numeric.Mean, false))
				}
				if q.Numeric == nil && p.Numeric != nil {
					c.Compared = fmt.Sprintf("In %s: median %s, mean %s.", c.PrevEdition, number(p.Numeric.Median), number(p.Numeric.Mean))
				}
				if p.N != nil && q.N != nil {
					c.Compared = fmt.Sprintf("%d answers this edition, %d in %s. ", *q.N, *p.N, c.PrevEdition) + c.Compared
				}
			}
		}
		for _, o := range q.Options {
			row := optionRow{Label: o.Label, Count: o.Count, Share: o.Share}
			if prev, ok := prevShares[fmt.Sprint(o.Key)]; ok {
				row.PrevShare = &prev
				row.Change = change(o.Share-prev, true)
			} else if prevShares != nil {
				row.Change = "not an answer in " + c.PrevEdition
			}
			c.Options = append(c.Options, row)
		}
		out[i] = c
	}
	return out
}

// change says a difference in words: of shares in percentage points.
func change(d float64, share bool) string {
	unit := ""
	if share {
		d *= 100
		unit = " points"
	}
	switch r := math.Round(d*100) / 100; {
	case r > 0:
		return "up " + number(r) + unit
	case r < 0:
		return "down " + number(-r) + unit
	}
	return "unchanged"
}

func number(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
