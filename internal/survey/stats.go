package survey

// Stats are the raw aggregates of one question over a set of respondents, as the
// database computes them. Confidentiality rules are applied later, to them.
type Stats struct {
	Question string
	N        int            // respondents that answered
	Counts   map[string]int // choice option, boolean ("true"/"false") and scale ("1".."N") counts
	Numeric  *NumericStats  // integer, number and percentage questions
	Dates    []DateCount    // date questions: how many answered each day, earliest first
}

// DateCount is how many respondents answered one date (YYYY-MM-DD).
type DateCount struct {
	Date string
	N    int
}

// NumericStats summarise the numbers answered to one question. Quartiles are
// linear interpolations between the closest ranks, as PostgreSQL's
// percentile_cont computes them.
type NumericStats struct {
	Mean, Q1, Median, Q3 float64
	Min, Max             float64 // for histogram edges only; never shown
	Histogram            []Bin
}

// Bin is one bar of a histogram: values in [From, To), the last bin closed.
type Bin struct {
	From, To float64
	Count    int
}

// Quantile returns the p-quantile of n sorted values, reading each value once in
// order: the streaming form of percentile_cont, for databases that lack it.
type Quantile struct {
	P     float64
	n     int
	lo    int // the rank below the quantile's position
	frac  float64
	seen  int
	below float64
	value float64
	done  bool
}

// NewQuantile prepares the p-quantile of n values (n > 0).
func NewQuantile(p float64, n int) *Quantile {
	pos := p * float64(n-1)
	lo := int(pos)
	return &Quantile{P: p, n: n, lo: lo, frac: pos - float64(lo)}
}

// Add takes the next value in ascending order.
func (q *Quantile) Add(v float64) {
	switch {
	case q.done:
	case q.seen == q.lo && q.frac == 0:
		q.value, q.done = v, true
	case q.seen == q.lo:
		q.below = v
	case q.seen == q.lo+1:
		q.value, q.done = q.below+q.frac*(v-q.below), true
	}
	q.seen++
}

// Value returns the quantile once its values have been added.
func (q *Quantile) Value() float64 {
	if !q.done && q.seen > q.lo { // the position is the last value
		return q.below
	}
	return q.value
}

// Rank is where one respondent's number stands among the answers of a scope.
type Rank struct {
	Below, Equal, N int
}

// TrendPoint is one period's raw aggregate of a series' numeric question.
type TrendPoint struct {
	Period         string
	SurveyID       string
	MinRespondents int
	N              int
	Total, Median  float64
	Value          *float64 // the member's, when asked for
	// For the member asked for: whether it submitted this period, which matters
	// when the edition shows results to respondents only.
	RespondentsOnly bool
	MemberSubmitted bool
}
