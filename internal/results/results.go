// Package results turns the raw aggregates of a survey into what a caller may see:
// per question counts, shares and quartiles, the caller's own answer and where it
// stands, the previous edition, and the confidentiality rules that suppress what
// would reveal a single member. It does no I/O: the store computes the aggregates,
// this package decides what of them is shown.
package results

import (
	"math"
	"sort"
	"strconv"

	"github.com/tldcouncil/surveyd/internal/disclosure"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// CheckAccess returns a Forbidden error, with the reason, when u may not see the
// results of sv at all. submitted says whether u's member submitted a response.
// Those who run the survey (the secretariat, its work group's chairs) see live
// results at any time.
func CheckAccess(sv survey.Survey, u survey.User, submitted bool) error {
	if u.CanRun(sv) {
		return nil
	}
	if sv.Status != survey.StatusPublished {
		return survey.Refusef(survey.Forbidden, survey.NotPublished, "members see results once the survey is published; it is %s", sv.Status)
	}
	if sv.Policy.RespondentsOnly && !submitted {
		return survey.Refusef(survey.Forbidden, survey.NotRespondent, "the results of this survey are for the members that submitted a response, and %s did not", u.Member)
	}
	return nil
}

// Input is everything Build needs, gathered by the caller from the store.
type Input struct {
	Survey    survey.Survey
	Viewer    survey.User
	PeerGroup string // "" for all respondents
	Only      string // a question key to narrow to; "" for all

	Respondents int                      // submitted responses in the scope
	Stats       map[string]*survey.Stats // per question, over the scope (coarse bins for members)
	// Cells are the disclosure audit's decisions for the edition (decision
	// 0010); nil for the secretariat, which sees everything.
	Cells map[Cell]disclosure.Code

	Own        map[string]survey.Value // the viewer's member's answers; nil for the secretariat
	OwnInScope bool                    // the viewer's response is among the respondents of the scope
	Ranks      map[string]survey.Rank
	Named      map[string]map[string]survey.Value // member → answers, when the survey names members

	Previous *Input // the previous edition over the same scope, for compare=previous
}

// Results are a survey's results as one caller may see them.
type Results struct {
	Survey      survey.Survey
	PeerGroup   string
	Respondents int
	Questions   []Question
	Previous    *survey.Survey
	Notes       []string
}

// Question is the result of one question.
type Question struct {
	Key        string
	Type       survey.QuestionType
	Prompt     string
	Section    string
	N          int
	Code       disclosure.Code // why the aggregate is not shown, for machines; "" when it is
	Suppressed string          // why the aggregate is not shown, for people; "" when it is
	Options    []OptionCount
	Numeric    *Numeric
	Dates      *Dates
	Own        *Own
	Named      []NamedAnswer
	Previous   *Question
	Change     *Change
}

// OptionCount is how many respondents chose an option, and their share of n.
type OptionCount struct {
	Key, Label string
	Count      int
	Share      float64
}

// Numeric summarises the numbers answered.
type Numeric struct {
	Mean, Q1, Median, Q3 float64
	Histogram            []survey.Bin
}

// Own is the viewer's member's answer and where it stands among the respondents.
type Own struct {
	Answer         survey.Value
	PercentileRank *float64       // numbers: share of respondents below, counting ties half, 0 to 1 (for members, by bars)
	SameChoice     map[string]int // choices: how many other respondents chose each option the member chose
}

// NamedAnswer is one member's answer, shown when the survey names members.
type NamedAnswer struct {
	Member string
	Answer survey.Value
}

// Change is the difference from the previous edition.
type Change struct {
	Shares map[string]float64 // option key → share now minus share then
	Median *float64
	Mean   *float64
}

// Build applies the survey's policy to the aggregates for the viewer.
func Build(in Input) Results {
	out := Results{Survey: in.Survey, PeerGroup: in.PeerGroup, Respondents: in.Respondents}
	if in.Previous != nil {
		out.Previous = &in.Previous.Survey
	}
	for _, sec := range in.Survey.Sections {
		for _, q := range sec.Questions {
			if in.Only != "" && q.Key != in.Only {
				continue
			}
			r := in.question(q, sec.Key)
			if in.Previous != nil {
				if pq, ok := in.Previous.Survey.Question(q.Key); ok && pq.Type == q.Type {
					prev := in.Previous.question(pq, sec.Key)
					prev.Own, prev.Named = nil, nil
					r.Previous = &prev
					r.Change = change(r, prev)
				}
			}
			out.Questions = append(out.Questions, r)
		}
	}
	return out
}

// question builds the result of one question, suppressed when the rules say so.
func (in Input) question(q survey.Question, section string) Question {
	st := in.Stats[q.Key]
	if st == nil {
		st = &survey.Stats{Question: q.Key, Counts: map[string]int{}}
	}
	r := Question{Key: q.Key, Type: q.Type, Prompt: q.Prompt, Section: section, N: st.N}
	member := !in.Viewer.CanRun(in.Survey)
	if member {
		if _, aggregated := Kind(in.Survey, q); aggregated {
			code, ok := in.Cells[Cell{Group: in.PeerGroup, Question: q.Key}]
			if !ok {
				code = disclosure.WouldDisclose // not audited: never shown by default
			}
			r.Code = code
		} else if st.N < in.Survey.Policy.MinRespondents {
			r.Code = disclosure.BelowThreshold // nothing is aggregated, but even n says little below k
		}
		if r.Code != disclosure.Shown {
			r.Suppressed = Reason(r.Code, in.Survey.Policy.MinRespondents)
		}
	}
	if own, ok := in.Own[q.Key]; ok && in.Own != nil {
		r.Own = &Own{Answer: own}
	}
	if in.Named != nil && in.Survey.Policy.Visibility == survey.VisibilityNamed {
		for _, member := range sortedMembers(in.Named) {
			if v, ok := in.Named[member][q.Key]; ok {
				r.Named = append(r.Named, NamedAnswer{Member: member, Answer: v})
			}
		}
	}
	if r.Suppressed != "" {
		r.N = 0
		return r
	}
	switch {
	case q.Type.IsChoice() || q.Type == survey.Boolean || q.Type == survey.Scale:
		r.Options = counts(q, st)
	case st.Numeric != nil && st.N > 0:
		n := st.Numeric
		r.Numeric = &Numeric{Mean: round(n.Mean), Q1: round(n.Q1), Median: round(n.Median), Q3: round(n.Q3), Histogram: roundBins(n.Histogram)}
		if member {
			r.Numeric = coarse(in.Survey, q, n, in.Survey.Policy.MinRespondents)
		}
		if q.Type == survey.Percentage {
			r.Numeric = perOne(r.Numeric)
		}
	case q.Type == survey.Date:
		r.Dates = dates(st.Dates, member, in.Survey.Policy.MinRespondents)
	}
	if r.Own != nil {
		in.standing(q, st, r.Own, r.Numeric)
	}
	return r
}

// perOne puts the figures of a percentage question on the scale of every
// share and rank in results, 0 to 1; the answers themselves stay 0 to 100.
func perOne(n *Numeric) *Numeric {
	out := &Numeric{Mean: round(n.Mean / 100), Q1: round(n.Q1 / 100), Median: round(n.Median / 100), Q3: round(n.Q3 / 100)}
	for _, b := range n.Histogram {
		out.Histogram = append(out.Histogram, survey.Bin{From: round(b.From / 100), To: round(b.To / 100), Count: b.Count})
	}
	return out
}

// coarse is what members see of numbers (decision 0010): the bars merged with
// their neighbours until every bar that is not empty holds at least k answers
// and, for amounts, is at least a fifth as wide as its lower edge, so that being
// in a bar pins no answer to within a tenth; the quartiles are the middles of
// the bars that hold them, never an answer; the mean is the audited total over n.
func coarse(sv survey.Survey, q survey.Question, n *survey.NumericStats, k int) *Numeric {
	amount := sv.IsMagnitude(q)
	wide := func(b survey.Bin) bool { return !amount || b.To-b.From >= 2*disclosure.DefaultP*math.Abs(b.From) }
	bars := mergeBars(n.Histogram, k, wide)
	total := 0
	for _, b := range bars {
		total += b.Count
	}
	quantile := func(p float64) float64 {
		rank, seen := p*float64(total-1), 0
		for _, b := range bars {
			seen += b.Count
			if float64(seen) > rank {
				return round((b.From + b.To) / 2)
			}
		}
		return round((bars[len(bars)-1].From + bars[len(bars)-1].To) / 2)
	}
	return &Numeric{Mean: round(n.Mean), Q1: quantile(0.25), Median: quantile(0.5), Q3: quantile(0.75), Histogram: roundBins(bars)}
}

// mergeBars merges each bar that is not empty with the next until it holds at
// least k answers and is wide enough, and a last bar still too small with the
// one before it.
func mergeBars(histogram []survey.Bin, k int, wide func(survey.Bin) bool) []survey.Bin {
	var bars []survey.Bin
	for _, b := range histogram {
		if len(bars) > 0 {
			last := &bars[len(bars)-1]
			if (last.Count > 0 && last.Count < k) || !wide(*last) && last.Count > 0 {
				last.To, last.Count = b.To, last.Count+b.Count
				continue
			}
		}
		bars = append(bars, b)
	}
	// A last bar still too small joins the one before it.
	for len(bars) > 1 {
		last := bars[len(bars)-1]
		if last.Count == 0 || (last.Count >= k && wide(last)) {
			break
		}
		bars = bars[:len(bars)-1]
		bars[len(bars)-1].To, bars[len(bars)-1].Count = last.To, bars[len(bars)-1].Count+last.Count
	}
	return bars
}

// counts lists the options in the question's order with their counts and shares
// of the respondents (for multiple choice the shares may add up to more than 1).
func counts(q survey.Question, st *survey.Stats) []OptionCount {
	var keys, labels []string
	switch q.Type {
	case survey.Boolean:
		keys, labels = []string{"true", "false"}, []string{"Yes", "No"}
	case survey.Scale:
		top := 0
		if q.Constraints.ScaleSize != nil {
			top = *q.Constraints.ScaleSize
		}
		for i := 1; i <= top; i++ {
			keys, labels = append(keys, strconv.Itoa(i)), append(labels, strconv.Itoa(i))
		}
	default:
		for _, o := range q.Options {
			keys, labels = append(keys, o.Key), append(labels, o.Label)
		}
	}
	out := make([]OptionCount, len(keys))
	for i, k := range keys {
		c := st.Counts[k]
		share := 0.0
		if st.N > 0 {
			share = round(float64(c) / float64(st.N))
		}
		out[i] = OptionCount{Key: k, Label: labels[i], Count: c, Share: share}
	}
	return out
}

// standing fills in where the viewer's answer stands among the respondents.
func (in Input) standing(q survey.Question, st *survey.Stats, own *Own, shown *Numeric) {
	self := 0
	if in.OwnInScope {
		self = 1 // the member's own answer is among those counted
	}
	if in.Viewer.IsSecretariat() {
		if rank, ok := in.Ranks[q.Key]; ok && rank.N > 0 {
			p := round((float64(rank.Below) + 0.5*float64(rank.Equal)) / float64(rank.N))
			own.PercentileRank = &p
		}
	} else if shown != nil && own.Answer.Number != nil {
		// A member's rank is read off the bars it sees: those below its own bar,
		// and half of its own, so that it learns no more than the bars say.
		below, total := 0.0, 0
		for _, b := range shown.Histogram {
			total += b.Count
		}
		v := *own.Answer.Number
		for i, b := range shown.Histogram {
			if v >= b.To && i < len(shown.Histogram)-1 {
				below += float64(b.Count)
				continue
			}
			if v >= b.From {
				below += 0.5 * float64(b.Count)
			}
			break
		}
		if total > 0 {
			p := round(below / float64(total))
			own.PercentileRank = &p
		}
	}
	var chosen []string
	switch {
	case own.Answer.Bool != nil:
		chosen = []string{strconv.FormatBool(*own.Answer.Bool)}
	case q.Type == survey.Scale && own.Answer.Number != nil:
		chosen = []string{strconv.Itoa(int(*own.Answer.Number))}
	default:
		chosen = own.Answer.Options
	}
	if len(chosen) == 0 {
		return
	}
	own.SameChoice = map[string]int{}
	for _, k := range chosen {
		own.SameChoice[k] = max(st.Counts[k]-self, 0)
	}
}

// change compares two disclosed results of the same question.
func change(now, then Question) *Change {
	if now.Suppressed != "" || then.Suppressed != "" {
		return nil
	}
	c := &Change{}
	if len(now.Options) > 0 {
		c.Shares = map[string]float64{}
		before := map[string]float64{}
		for _, o := range then.Options {
			before[o.Key] = o.Share
		}
		for _, o := range now.Options {
			c.Shares[o.Key] = round(o.Share - before[o.Key])
		}
	}
	if now.Numeric != nil && then.Numeric != nil {
		median, mean := round(now.Numeric.Median-then.Numeric.Median), round(now.Numeric.Mean-then.Numeric.Mean)
		c.Median, c.Mean = &median, &mean
	}
	if c.Shares == nil && c.Median == nil {
		return nil
	}
	return c
}

// round keeps six decimals, so that both databases give the same figures despite
// summing in different orders.
func round(f float64) float64 { return math.Round(f*1e6) / 1e6 }

func roundBins(bins []survey.Bin) []survey.Bin {
	out := make([]survey.Bin, len(bins))
	for i, b := range bins {
		out[i] = survey.Bin{From: round(b.From), To: round(b.To), Count: b.Count}
	}
	return out
}

func sortedMembers(m map[string]map[string]survey.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
