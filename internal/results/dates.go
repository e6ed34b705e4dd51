package results

import (
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Dates summarise the answers of a date question. Ranges are of whole days,
// both ends included.
type Dates struct {
	Earliest, Latest DateBin // the bars that hold the earliest and latest answer (Count unused)
	Median           string  // YYYY-MM-DD
	Histogram        []DateBin
}

// DateBin is a bar of days, From to To included, and how many answered in it.
type DateBin struct {
	From, To string
	Count    int
}

// minDateBar is the narrowest bar a member sees of dates, in days: when every
// answer falls on a day or two, "within a tenth of the span" would be that day.
const minDateBar = 10

// dates summarises the answers of a date question. The secretariat sees them
// exactly: the earliest and latest answer (a bar of one day each), the median
// (of an even number of answers, the day halfway between the middle two,
// rounded down), and bars of a round number of days, a tenth of the span or
// more. A member sees them as it sees numbers that are not amounts (decision
// 0010): bars of a round width of days, at least a fifth of the span and
// minDateBar days, merged with their neighbours until every bar that is not
// empty holds at least k answers; the earliest and latest are the first and
// last such bar, never an answer, and the median is the middle day of the bar
// that holds it.
func dates(days []survey.DateCount, member bool, k int) *Dates {
	if len(days) == 0 {
		return nil
	}
	lo, hi := dayOf(days[0].Date), dayOf(days[len(days)-1].Date)
	span := float64(hi - lo)
	width := max(int(roundWidth(span/10)), 1)
	if member {
		width = max(int(roundWidth(span/5)), minDateBar)
	}
	from := floorDiv(lo, width) * width
	bars := make([]survey.Bin, (hi-from)/width+1)
	for i := range bars {
		bars[i] = survey.Bin{From: float64(from + i*width), To: float64(from + (i+1)*width)}
	}
	total := 0
	for _, d := range days {
		bars[(dayOf(d.Date)-from)/width].Count += d.N
		total += d.N
	}
	if member {
		bars = mergeBars(bars, k, func(survey.Bin) bool { return true })
	}
	out := &Dates{}
	for _, b := range bars {
		out.Histogram = append(out.Histogram, DateBin{From: dateOf(int(b.From)), To: dateOf(int(b.To) - 1), Count: b.Count})
	}
	if !member {
		out.Earliest = DateBin{From: days[0].Date, To: days[0].Date}
		out.Latest = DateBin{From: days[len(days)-1].Date, To: days[len(days)-1].Date}
		out.Median = dateOf(exactMedian(days, total))
		return out
	}
	var nonEmpty []DateBin
	for _, b := range out.Histogram {
		if b.Count > 0 {
			nonEmpty = append(nonEmpty, DateBin{From: b.From, To: b.To})
		}
	}
	out.Earliest, out.Latest = nonEmpty[0], nonEmpty[len(nonEmpty)-1]
	seen, rank := 0, (total-1)/2
	for _, b := range bars {
		seen += b.Count
		if seen > rank {
			first, last := int(b.From), int(b.To)-1
			out.Median = dateOf(first + (last-first)/2)
			break
		}
	}
	return out
}

// exactMedian is the middle day of n answers counted per day, or of an even
// number the day halfway between the middle two, rounded down.
func exactMedian(days []survey.DateCount, n int) int {
	at := func(rank int) int {
		seen := 0
		for _, d := range days {
			seen += d.N
			if seen > rank {
				return dayOf(d.Date)
			}
		}
		return dayOf(days[len(days)-1].Date)
	}
	if n%2 == 1 {
		return at(n / 2)
	}
	a, b := at(n/2-1), at(n/2)
	return a + (b-a)/2
}

// roundWidth is the smallest of 1, 2 and 5 times a power of ten at or above x.
func roundWidth(x float64) float64 {
	w := 1.0
	for w < x {
		for _, m := range []float64{2, 2.5, 2} { // 1 → 2 → 5 → 10
			w *= m
			if w >= x {
				return w
			}
		}
	}
	return w
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// dayOf is a date's day number since 1970-01-01; the dates are valid, as the
// answers were checked when saved.
func dayOf(date string) int {
	t, _ := time.Parse(time.DateOnly, date)
	return int(t.Unix() / 86400)
}

func dateOf(day int) string {
	return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly)
}
