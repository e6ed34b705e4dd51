package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// TrendQuery asks for one numeric question of a series over a range of periods.
type TrendQuery struct {
	Series    string
	Question  string
	Member    string // whose values to include; "" for none
	PeerGroup string // "" for all respondents
	From, To  string // periods, inclusive
	Statuses  []survey.Status
	// Published takes each period's peer groups as they were when it was
	// published, as members' trends must; else the groups as they are now.
	Published bool
}

// Trend computes, per edition of the series in the range, the respondents, total
// and median of the question in SQL (the median by percentile_cont on PostgreSQL,
// by one ordered pass on SQLite), and the member's value. A published edition's
// figures over the whole membership or a group as published cannot change, so
// they are computed once and kept in the results cache (decision 0024); only
// the others are computed at each read.
func (s *Store) Trend(ctx context.Context, q TrendQuery) ([]survey.TrendPoint, error) {
	var points []survey.TrendPoint
	var toKeep []string
	view, cacheable := trendView(q)
	read := func(tx *gorm.DB) error {
		var err error
		points, toKeep, err = s.readTrend(tx, q, view, cacheable)
		return err
	}
	// Where a period may still change, one snapshot for every statement, so
	// that its figures and the member's value are of one moment; published
	// periods cannot change, and a member's trend, of those alone, needs none.
	// What is kept is written after it.
	var err error
	if slices.ContainsFunc(q.Statuses, func(st survey.Status) bool { return st != survey.StatusPublished }) {
		err = s.snapshot(ctx, read)
	} else {
		err = read(s.db.WithContext(ctx))
	}
	if err != nil {
		return nil, err
	}
	if err := s.keepTrendFigures(s.db.WithContext(ctx), toKeep, view, points); err != nil {
		return nil, err
	}
	return points, nil
}

// readTrend reads a trend's points, the published editions' figures from the
// view when cacheable, and names the published editions whose figures it
// computed, for Trend to keep.
func (s *Store) readTrend(db *gorm.DB, q TrendQuery, view string, cacheable bool) ([]survey.TrendPoint, []string, error) {
	var editions []struct {
		ID              string
		Period          sql.NullString
		Status          survey.Status
		MinRespondents  int
		RespondentsOnly bool
	}
	// Months and years sort together as text: keep to the kind of the range.
	err := db.Model(&surveyRow{}).Select("id, period, status, min_respondents, respondents_only").
		Where("series_key = ? AND period >= ? AND period <= ? AND LENGTH(period) = ? AND status IN ?", q.Series, q.From, q.To, len(q.To), q.Statuses).
		Order("period").Scan(&editions).Error
	if err != nil {
		return nil, nil, wrap(err, "list editions")
	}
	points := make([]survey.TrendPoint, len(editions))
	byPeriod := make(map[string]*survey.TrendPoint, len(editions))
	var kept []string // published editions, whose figures may come from the cache
	for i, e := range editions {
		points[i] = survey.TrendPoint{Period: e.Period.String, SurveyID: e.ID, MinRespondents: e.MinRespondents,
			RespondentsOnly: e.RespondentsOnly}
		byPeriod[e.Period.String] = &points[i]
		if e.Status == survey.StatusPublished {
			kept = append(kept, e.ID)
		}
	}
	if len(points) == 0 {
		return points, nil, nil
	}
	if !cacheable {
		kept = nil
	}
	cached, err := s.cachedTrendFigures(db, kept, view)
	if err != nil {
		return nil, nil, err
	}
	var missing, toKeep []string
	for i := range points {
		if f, ok := cached[points[i].SurveyID]; ok {
			points[i].N, points[i].Total, points[i].Median = f.N, f.Total, f.Median
			continue
		}
		missing = append(missing, points[i].SurveyID)
		if slices.Contains(kept, points[i].SurveyID) {
			toKeep = append(toKeep, points[i].SurveyID)
		}
	}
	if len(missing) > 0 {
		if err := s.trendFigures(db, q, missing, byPeriod); err != nil {
			return nil, nil, err
		}
	}
	if q.Member != "" {
		if err := s.memberTrend(db, q, points); err != nil {
			return nil, nil, err
		}
	}
	return points, toKeep, nil
}

// memberTrend adds the member's submissions and values to the points, in one
// query: its responses to the editions, by their index, and their answers to
// the question, by theirs, rather than through the whole series' answers.
func (s *Store) memberTrend(db *gorm.DB, q TrendQuery, points []survey.TrendPoint) error {
	ids := make([]string, len(points))
	bySurvey := make(map[string]*survey.TrendPoint, len(points))
	for i := range points {
		ids[i] = points[i].SurveyID
		bySurvey[ids[i]] = &points[i]
	}
	var mine []struct {
		SurveyID string
		NumValue *float64
	}
	if err := db.Raw(`SELECT r.survey_id, a.num_value FROM responses r
		LEFT JOIN answers a ON a.response_id = r.id AND a.question_key = ?
		WHERE r.survey_id IN ? AND r.member_code = ? AND r.status = ?`, q.Question, ids, q.Member, survey.ResponseSubmitted).
		Scan(&mine).Error; err != nil {
		return wrap(err, "read member's values")
	}
	for _, m := range mine {
		p := bySurvey[m.SurveyID]
		p.MemberSubmitted, p.Value = true, m.NumValue
	}
	return nil
}

// trendFigures computes the respondents, total and median of the question in
// the editions named, over the query's scope, into their points.
func (s *Store) trendFigures(db *gorm.DB, q TrendQuery, editions []string, byPeriod map[string]*survey.TrendPoint) error {
	scoped := `FROM answers a JOIN responses r ON r.id = a.response_id JOIN surveys s ON s.id = a.survey_id
		WHERE s.id IN ? AND a.question_key = ? AND r.status = ? AND a.num_value IS NOT NULL`
	args := []any{editions, q.Question, survey.ResponseSubmitted}
	if q.PeerGroup != "" {
		if q.Published {
			// Each period's group as published, uncorrelated, so that PostgreSQL
			// hashes it once rather than scanning it per answer.
			scoped += " AND (s.id, r.member_code) IN (SELECT survey_id, member_code FROM published_peer_groups WHERE group_key = ?)"
		} else {
			scoped += " AND r.member_code IN (SELECT member_code FROM peer_group_members WHERE group_key = ?)"
		}
		args = append(args, q.PeerGroup)
	}
	median := ""
	if s.postgres {
		median = ", percentile_cont(0.5) WITHIN GROUP (ORDER BY a.num_value) AS median"
	}
	var aggs []struct {
		Period string
		N      int
		Total  float64
		Median sql.NullFloat64
	}
	if err := db.Raw("SELECT s.period, COUNT(*) AS n, SUM(a.num_value) AS total"+median+" "+scoped+" GROUP BY s.period", args...).
		Scan(&aggs).Error; err != nil {
		return wrap(err, "aggregate trend")
	}
	for _, a := range aggs {
		if p, ok := byPeriod[a.Period]; ok {
			p.N, p.Total, p.Median = a.N, a.Total, a.Median.Float64
		}
	}
	if !s.postgres {
		if err := s.streamMedians(db, scoped, args, byPeriod); err != nil {
			return wrap(err, "trend medians")
		}
	}
	return nil
}

// trendFigure is what the results cache keeps of one edition's trend point.
type trendFigure struct {
	N      int     `json:"n"`
	Total  float64 `json:"total"`
	Median float64 `json:"median"`
}

// trendStamp is the stamp of kept trend figures. They hold only what the
// answers of a published edition say, and those never change (publication is
// the last step and nothing is saved or imported into a published survey), so
// unlike the results' stamp it does not follow the survey's texts or policy:
// the policy is applied to the figures at each read.
const trendStamp = "published answers"

// trendView names the cached view of a trend query's figures, and whether they
// can be kept: over everyone, or over a group as published, not over a group
// as it is now, which may change.
func trendView(q TrendQuery) (string, bool) {
	if q.PeerGroup != "" && !q.Published {
		return "", false
	}
	return fmt.Sprintf("trend question=%s group=%s", q.Question, q.PeerGroup), true
}

// cachedTrendFigures reads the figures kept for the view of the editions, by
// edition: from this process's memory, and the rest in one query, whatever the
// number of periods.
func (s *Store) cachedTrendFigures(db *gorm.DB, editions []string, view string) (map[string]trendFigure, error) {
	out := make(map[string]trendFigure, len(editions))
	var unknown []string
	for _, id := range editions {
		if f, ok := s.trends.get(trendKey{id, view}); ok {
			out[id] = f
		} else {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return out, nil
	}
	var rows []resultsCacheRow
	if err := db.Where("survey_id IN ? AND view = ? AND stamp = ?", unknown, view, trendStamp).Find(&rows).Error; err != nil {
		return nil, wrap(err, "read results cache")
	}
	for _, r := range rows {
		var f trendFigure
		if json.Unmarshal([]byte(r.Body), &f) == nil { // unreadable: computed again and replaced
			out[r.SurveyID] = f
			s.trends.put(trendKey{r.SurveyID, view}, f)
		}
	}
	return out, nil
}

// keepTrendFigures keeps the figures of the published editions named, for the
// next reader, in one statement. Two readers computing the same figures at once
// write the same values, so the later one's conflict replaces them harmlessly.
func (s *Store) keepTrendFigures(db *gorm.DB, editions []string, view string, points []survey.TrendPoint) error {
	if len(editions) == 0 {
		return nil
	}
	now := s.Now()
	rows := make([]resultsCacheRow, 0, len(editions))
	for _, p := range points {
		if !slices.Contains(editions, p.SurveyID) {
			continue
		}
		body, err := json.Marshal(trendFigure{N: p.N, Total: p.Total, Median: p.Median})
		if err != nil {
			return nil // figures JSON cannot hold (never expected): served computed, uncached
		}
		rows = append(rows, resultsCacheRow{SurveyID: p.SurveyID, View: view, Stamp: trendStamp, Body: string(body), ComputedAt: now})
	}
	if err := db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&rows).Error; err != nil {
		return wrap(err, "save results cache")
	}
	for _, p := range points {
		if slices.Contains(editions, p.SurveyID) {
			s.trends.put(trendKey{p.SurveyID, view}, trendFigure{N: p.N, Total: p.Total, Median: p.Median})
		}
	}
	return nil
}

// streamMedians reads each period's numbers once, in order: SQLite's median.
func (s *Store) streamMedians(db *gorm.DB, scoped string, args []any, byPeriod map[string]*survey.TrendPoint) error {
	rows, err := db.Raw("SELECT s.period, a.num_value "+scoped+" ORDER BY s.period, a.num_value", args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var current string
	var m *survey.Quantile
	for rows.Next() {
		var period string
		var v float64
		if err := rows.Scan(&period, &v); err != nil {
			return err
		}
		point, ok := byPeriod[period]
		if !ok {
			continue
		}
		if period != current {
			if m != nil {
				byPeriod[current].Median = m.Value()
			}
			current, m = period, survey.NewQuantile(0.5, point.N)
		}
		m.Add(v)
	}
	if m != nil {
		byPeriod[current].Median = m.Value()
	}
	return rows.Err()
}
