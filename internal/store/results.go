package store

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// histogramBins is the number of bars of a numeric question's histogram.
const histogramBins = 10

// Scope names the respondents of an aggregate: the members that submitted a
// response to the survey, all of them or those of one peer group.
type Scope struct {
	SurveyID  string
	PeerGroup string // "" for all respondents
	// Published takes the peer group as it was when the survey was published,
	// as members' results must (decision 0008); else the group as it is now.
	Published bool
	// Coarse bins numbers as members see them (decision 0010): edges that do not
	// pin the smallest or largest answer, from zero for amounts, over the
	// question's bounds when it has both, and on whole numbers for integers.
	Coarse bool
}

// members is the subquery of the scope's peer group members, with the survey
// bound as a value rather than correlated to the outer query: a correlated
// subquery made PostgreSQL scan the published groups once per answer.
func (sc Scope) members() string {
	if sc.Published {
		return "SELECT member_code FROM published_peer_groups WHERE survey_id = ? AND group_key = ?"
	}
	return "SELECT member_code FROM peer_group_members WHERE group_key = ?"
}

func (sc Scope) memberArgs() []any {
	if sc.Published {
		return []any{sc.SurveyID, sc.PeerGroup}
	}
	return []any{sc.PeerGroup}
}

// where returns the conditions and arguments that restrict answers (alias a, or
// answer_options o) and responses (r) to the scope.
func (sc Scope) where(table string) (string, []any) {
	cond := table + ".survey_id = ? AND r.status = ?"
	args := []any{sc.SurveyID, string(survey.ResponseSubmitted)}
	if sc.PeerGroup != "" {
		cond += " AND r.member_code IN (" + sc.members() + ")"
		args = append(args, sc.memberArgs()...)
	}
	return cond, args
}

// Stats computes the aggregates of every question of sv over the scope in the
// database: means and bounds in SQL on both databases, quartiles by
// percentile_cont on PostgreSQL and by one ordered pass on SQLite; then counts,
// histograms, scale points and days in one scan of the answers, and chosen
// options in one of theirs. Memory does not grow with the number of answers.
// Each scan of a large edition's answers costs about as much as any other, so
// there are as few as the aggregates allow: the bins need the bounds first.
func (s *Store) Stats(ctx context.Context, sv survey.Survey, sc Scope) (map[string]*survey.Stats, error) {
	db := s.db.WithContext(ctx)
	out := map[string]*survey.Stats{}
	for _, q := range sv.Questions() {
		st := &survey.Stats{Question: q.Key, Counts: map[string]int{}}
		if isNumeric(q.Type) {
			st.Numeric = &survey.NumericStats{}
		}
		out[q.Key] = st
	}
	numbered, err := s.numbers(db, sc, sv, out)
	if err != nil {
		return nil, wrap(err, "numbers")
	}
	if err := s.countAnswers(db, sc, sv, out, numbered); err != nil {
		return nil, wrap(err, "count answers")
	}
	if err := s.countOptions(db, sc, out); err != nil {
		return nil, wrap(err, "count options")
	}
	if !s.postgres {
		if err := s.streamQuartiles(db, sc, out); err != nil {
			return nil, wrap(err, "quartiles")
		}
	}
	return out, nil
}

// isNumeric reports whether a question's answers are summarised by mean and
// quartiles (scales are counted per point instead).
func isNumeric(t survey.QuestionType) bool {
	return t == survey.Integer || t == survey.Number || t == survey.Percentage
}

// numbers sets the mean, bounds and (on PostgreSQL) quartiles of the numeric
// questions, and returns those that have answers.
func (s *Store) numbers(db *gorm.DB, sc Scope, sv survey.Survey, out map[string]*survey.Stats) (map[string]bool, error) {
	var keys []string
	for _, q := range sv.Questions() {
		if isNumeric(q.Type) {
			keys = append(keys, q.Key)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	quartiles := ""
	if s.postgres {
		quartiles = `, percentile_cont(0.25) WITHIN GROUP (ORDER BY a.num_value) AS q1,
			percentile_cont(0.5) WITHIN GROUP (ORDER BY a.num_value) AS median,
			percentile_cont(0.75) WITHIN GROUP (ORDER BY a.num_value) AS q3`
	}
	cond, args := sc.where("a")
	var nums []struct {
		QuestionKey    string
		Mean, Lo, Hi   float64
		Q1, Median, Q3 float64
	}
	err := db.Raw(`SELECT a.question_key, AVG(a.num_value) AS mean, MIN(a.num_value) AS lo, MAX(a.num_value) AS hi`+quartiles+`
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE `+cond+` AND a.question_key IN ? AND a.num_value IS NOT NULL
		GROUP BY a.question_key`, append(args, keys)...).Scan(&nums).Error
	if err != nil {
		return nil, err
	}
	numbered := make(map[string]bool, len(nums))
	for _, n := range nums {
		*out[n.QuestionKey].Numeric = survey.NumericStats{Mean: n.Mean, Min: n.Lo, Max: n.Hi, Q1: n.Q1, Median: n.Median, Q3: n.Q3}
		numbered[n.QuestionKey] = true
	}
	return numbered, nil
}

// countAnswers counts, in one scan of the answers, each question's answers and
// booleans, the numbers of the numbered questions in the bins of their
// histograms (between rounded edges around the smallest and largest answer, so
// that the edges reveal neither exactly), the points of scales, and the days of
// dates, earliest first (one row per day answered, however many answered it).
func (s *Store) countAnswers(db *gorm.DB, sc Scope, sv survey.Survey, out map[string]*survey.Stats, numbered map[string]bool) error {
	type edge struct {
		lo, hi float64
		bins   int
	}
	edges := map[string]edge{}
	// Each question's position in its own bins, as one CASE over the question
	// keys: a join with a derived table of edges made PostgreSQL's plan three
	// times slower at 100,000 responses.
	var cases strings.Builder
	var binArgs []any
	var scales, dates []string
	for _, q := range sv.Questions() {
		switch {
		case q.Type == survey.Scale:
			scales = append(scales, q.Key)
		case q.Type == survey.Date:
			dates = append(dates, q.Key)
		case numbered[q.Key]:
			st := out[q.Key].Numeric
			e := edge{bins: histogramBins}
			e.lo, e.hi = niceRange(st.Min, st.Max)
			switch {
			case sc.Coarse:
				e.lo, e.hi, e.bins = memberEdges(sv, q, st.Min, st.Max)
			case q.Type == survey.Integer:
				e.lo, e.hi, e.bins = wholeEdges(e.lo, e.hi)
			}
			edges[q.Key] = e
			cases.WriteString(" WHEN ? THEN (a.num_value - ?) / ?")
			binArgs = append(binArgs, q.Key, e.lo, (e.hi-e.lo)/float64(e.bins))
		}
	}
	// Only the columns the survey's questions need: PostgreSQL plans a wider
	// grouping by sorting rather than hashing, which is slower.
	columns, groups := "a.question_key", "a.question_key"
	var colArgs []any
	if len(edges) > 0 {
		position := "CASE a.question_key" + cases.String() + " END"
		bin := "CAST(" + position + " AS INTEGER)" // SQLite truncates, and the position is not negative
		if s.postgres {
			bin = "CAST(FLOOR(" + position + ") AS INTEGER)" // PostgreSQL's CAST rounds
		}
		columns, groups = columns+", "+bin+" AS bin", groups+", bin"
		colArgs = append(colArgs, binArgs...)
	}
	if len(scales) > 0 {
		columns, groups = columns+", CASE WHEN a.question_key IN ? THEN a.num_value END AS point", groups+", point"
		colArgs = append(colArgs, scales)
	}
	if len(dates) > 0 {
		columns, groups = columns+", CASE WHEN a.question_key IN ? THEN a.date_value END AS day", groups+", day"
		colArgs = append(colArgs, dates)
	}
	cond, args := sc.where("a")
	var counts []struct {
		QuestionKey string
		Bin         *int
		Point       *float64
		Day         *string
		N, Yes, No  int
	}
	all := append(append(colArgs, true, false), args...) // in the order of their places
	err := db.Raw(`SELECT `+columns+`, COUNT(*) AS n,
			SUM(CASE WHEN a.bool_value = ? THEN 1 ELSE 0 END) AS yes,
			SUM(CASE WHEN a.bool_value = ? THEN 1 ELSE 0 END) AS no
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE `+cond+` GROUP BY `+groups, all...).Scan(&counts).Error
	if err != nil {
		return err
	}
	for key, e := range edges {
		h := make([]survey.Bin, e.bins)
		width := (e.hi - e.lo) / float64(e.bins)
		for i := range h {
			h[i] = survey.Bin{From: e.lo + float64(i)*width, To: e.lo + float64(i+1)*width}
		}
		out[key].Numeric.Histogram = h
	}
	for _, c := range counts {
		st, ok := out[c.QuestionKey]
		if !ok {
			continue
		}
		st.N += c.N
		if c.Yes+c.No > 0 {
			st.Counts["true"] += c.Yes
			st.Counts["false"] += c.No
		}
		switch {
		case c.Bin != nil && st.Numeric != nil && st.Numeric.Histogram != nil:
			h := st.Numeric.Histogram
			i := min(max(*c.Bin, 0), len(h)-1) // the largest value falls on the closing edge
			h[i].Count += c.N
		case c.Point != nil:
			st.Counts[strconv.Itoa(int(*c.Point))] += c.N
		case c.Day != nil:
			st.Dates = append(st.Dates, survey.DateCount{Date: *c.Day, N: c.N})
		}
	}
	for _, key := range dates {
		slices.SortFunc(out[key].Dates, func(a, b survey.DateCount) int { return strings.Compare(a.Date, b.Date) })
	}
	return nil
}

// countOptions counts the chosen options of choice questions.
func (s *Store) countOptions(db *gorm.DB, sc Scope, out map[string]*survey.Stats) error {
	cond, args := sc.where("o")
	var opts []struct {
		QuestionKey string
		OptionKey   string
		N           int
	}
	err := db.Raw(`SELECT o.question_key, o.option_key, COUNT(*) AS n
		FROM answer_options o JOIN responses r ON r.id = o.response_id
		WHERE `+cond+` GROUP BY o.question_key, o.option_key`, args...).Scan(&opts).Error
	if err != nil {
		return err
	}
	for _, o := range opts {
		if st, ok := out[o.QuestionKey]; ok {
			st.Counts[o.OptionKey] = o.N
		}
	}
	return nil
}

// streamQuartiles reads the numbers of every numeric question once, in order, and
// keeps only what the three quartiles need.
func (s *Store) streamQuartiles(db *gorm.DB, sc Scope, out map[string]*survey.Stats) error {
	var keys []string
	for key, st := range out {
		if st.Numeric != nil && st.N > 0 {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	cond, args := sc.where("a")
	rows, err := db.Raw(`SELECT a.question_key, a.num_value
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE `+cond+` AND a.num_value IS NOT NULL AND a.question_key IN ?
		ORDER BY a.question_key, a.num_value`, append(args, keys)...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var current string
	var qs []*survey.Quantile
	flush := func() {
		if current != "" {
			n := out[current].Numeric
			n.Q1, n.Median, n.Q3 = qs[0].Value(), qs[1].Value(), qs[2].Value()
		}
	}
	for rows.Next() {
		var key string
		var v float64
		if err := rows.Scan(&key, &v); err != nil {
			return err
		}
		if key != current {
			flush()
			current, qs = key, nil
			for _, p := range []float64{0.25, 0.5, 0.75} {
				qs = append(qs, survey.NewQuantile(p, out[key].N))
			}
		}
		for _, q := range qs {
			q.Add(v)
		}
	}
	flush()
	return rows.Err()
}

// memberEdges are the edges of the bars members see. Knowing that an answer lies
// in a bar, or that the smallest answer lies in the first, must not pin it to
// within a tenth (decision 0010): amounts (not negative) are binned from zero up
// to the first of 1, 2, 5, 10, 20, … above the largest, so the top edge says
// only that the largest is more than about half of it, and results merge bars
// narrower than a fifth of their lower edge; answers with both bounds set
// (percentages: 0 and 100) are binned over the bounds in five bars; others in
// bars of a round width of at least a fifth of their span, on whole numbers for
// integers.
func memberEdges(sv survey.Survey, q survey.Question, lo, hi float64) (float64, float64, int) {
	c := q.Constraints
	switch {
	case sv.IsMagnitude(q) && lo >= 0:
		return 0, roundAbove(hi), histogramBins
	case q.Type == survey.Percentage && (c.Min == nil || c.Max == nil):
		return 0, 100, 5
	case c.Min != nil && c.Max != nil && *c.Max > *c.Min:
		return *c.Min, *c.Max, 5
	}
	span := hi - lo
	if span <= 0 {
		span = math.Max(math.Abs(lo), 1)
	}
	w := roundAbove(span/5 - math.SmallestNonzeroFloat64)
	if q.Type == survey.Integer {
		w = math.Max(w, 1)
	}
	from := math.Floor(lo/w) * w
	bins := int(math.Floor((hi-from)/w)) + 1
	return from, from + float64(bins)*w, bins
}

// wholeEdges turns the rounded range of an integer question's answers (counts,
// years) into bars with whole-number edges and a whole width, at most
// histogramBins of them: a bar such as [2009.6, 2010.9) holds no integer more
// than [2010, 2011) does, and says it less plainly.
func wholeEdges(lo, hi float64) (float64, float64, int) {
	from := math.Floor(lo)
	w := math.Max(1, math.Ceil((hi-from)/histogramBins))
	bins := max(int(math.Ceil((hi-from)/w)), 1)
	return from, from + float64(bins)*w, bins
}

// roundAbove is the smallest of 1, 2 and 5 times a power of ten that is above x
// (and at least x when x is itself such a number less a hair, as memberEdges
// asks for a width).
func roundAbove(x float64) float64 {
	if x <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e > x {
			return m * e
		}
	}
	return 10 * e
}

// niceRange widens [lo, hi] by a twentieth of the span on each side and rounds
// the edges outwards, so that they are round numbers and fall short of the
// smallest and largest answer by a margin: neither can be read off exactly.
func niceRange(lo, hi float64) (float64, float64) {
	span := hi - lo
	if span <= 0 {
		span = math.Max(math.Abs(lo), 1)
	}
	step := math.Pow(10, math.Floor(math.Log10(span))-1)
	margin := math.Max(span/20, step)
	nlo, nhi := math.Floor((lo-margin)/step)*step, math.Ceil((hi+margin)/step)*step
	if nhi <= nlo {
		nhi = nlo + step*histogramBins
	}
	return nlo, nhi
}

// Ranks returns, for every numeric question the response answered, how many
// answers of the scope are below and equal to its own.
func (s *Store) Ranks(ctx context.Context, sc Scope, responseID string) (map[string]survey.Rank, error) {
	cond, args := sc.where("a")
	var rows []struct {
		QuestionKey string
		Below       int
		Equal       int
		N           int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT a.question_key,
			SUM(CASE WHEN a.num_value < own.num_value THEN 1 ELSE 0 END) AS below,
			SUM(CASE WHEN a.num_value = own.num_value THEN 1 ELSE 0 END) AS equal,
			COUNT(*) AS n
		FROM answers a JOIN responses r ON r.id = a.response_id
		JOIN answers own ON own.survey_id = a.survey_id AND own.question_key = a.question_key AND own.response_id = ?
		WHERE `+cond+` AND a.num_value IS NOT NULL AND own.num_value IS NOT NULL
		GROUP BY a.question_key`, append([]any{responseID}, args...)...).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "rank answers")
	}
	out := make(map[string]survey.Rank, len(rows))
	for _, r := range rows {
		out[r.QuestionKey] = survey.Rank{Below: r.Below, Equal: r.Equal, N: r.N}
	}
	return out, nil
}

// NamedAnswers returns every submitted answer of the survey by member, for
// surveys whose results name the members.
func (s *Store) NamedAnswers(ctx context.Context, sv survey.Survey, sc Scope) (map[string]map[string]survey.Value, error) {
	var rows []responseRow
	q := s.db.WithContext(ctx).Where("survey_id = ? AND status = ?", sv.ID, survey.ResponseSubmitted)
	if sc.PeerGroup != "" {
		q = q.Where("member_code IN ("+sc.members()+")", sc.memberArgs()...)
	}
	if err := q.Order("member_code").Find(&rows).Error; err != nil {
		return nil, wrap(err, "read named answers")
	}
	ids := make([]string, len(rows))
	member := make(map[string]string, len(rows))
	for i, r := range rows {
		ids[i], member[r.ID] = r.ID, r.MemberCode
	}
	byResponse, err := s.loadAnswers(s.db.WithContext(ctx), sv, ids)
	if err != nil {
		return nil, wrap(err, "read named answers")
	}
	out := make(map[string]map[string]survey.Value, len(byResponse))
	for id, answers := range byResponse {
		out[member[id]] = answers
	}
	return out, nil
}

// Respondents counts the submitted responses in the scope.
func (s *Store) Respondents(ctx context.Context, sc Scope) (int, error) {
	var n int64
	q := s.db.WithContext(ctx).Table("responses AS r").Where("r.survey_id = ? AND r.status = ?", sc.SurveyID, survey.ResponseSubmitted)
	if sc.PeerGroup != "" {
		q = q.Where("r.member_code IN ("+sc.members()+")", sc.memberArgs()...)
	}
	if err := q.Count(&n).Error; err != nil {
		return 0, wrap(err, "count respondents")
	}
	return int(n), nil
}

// PreviousEdition returns the edition of sv's series before it (by period, or
// else by creation) whose status is one of statuses, or false when there is none.
func (s *Store) PreviousEdition(ctx context.Context, sv survey.Survey, statuses []survey.Status) (survey.Survey, bool, error) {
	if sv.Series == "" {
		return survey.Survey{}, false, nil
	}
	// Editions of a period follow the periods, whatever order they were made in;
	// others follow the order of creation, which their ids keep.
	q := s.db.WithContext(ctx).Model(&surveyRow{}).Where("series_key = ? AND status IN ?", sv.Series, statuses)
	if sv.Period != "" {
		q = q.Where("period < ? AND LENGTH(period) = ?", sv.Period, len(sv.Period)).Order("period DESC")
	} else {
		q = q.Where("id < ? AND period IS NULL", sv.ID).Order("id DESC")
	}
	var ids []string
	err := q.Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return survey.Survey{}, false, wrap(err, "find previous edition")
	}
	if len(ids) == 0 {
		return survey.Survey{}, false, nil
	}
	prev, err := s.Survey(ctx, ids[0])
	return prev, err == nil, err
}
