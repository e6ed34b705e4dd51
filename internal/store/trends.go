package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

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
// by one ordered pass on SQLite), and the member's value.
func (s *Store) Trend(ctx context.Context, q TrendQuery) ([]survey.TrendPoint, error) {
	db := s.db.WithContext(ctx)
	var editions []struct {
		ID              string
		Period          sql.NullString
		MinRespondents  int
		RespondentsOnly bool
	}
	// Months and years sort together as text: keep to the kind of the range.
	err := db.Model(&surveyRow{}).Select("id, period, min_respondents, respondents_only").
		Where("series_key = ? AND period >= ? AND period <= ? AND LENGTH(period) = ? AND status IN ?", q.Series, q.From, q.To, len(q.To), q.Statuses).
		Order("period").Scan(&editions).Error
	if err != nil {
		return nil, wrap(err, "list editions")
	}
	points := make([]survey.TrendPoint, len(editions))
	byPeriod := make(map[string]*survey.TrendPoint, len(editions))
	for i, e := range editions {
		points[i] = survey.TrendPoint{Period: e.Period.String, SurveyID: e.ID, MinRespondents: e.MinRespondents,
			RespondentsOnly: e.RespondentsOnly}
		byPeriod[e.Period.String] = &points[i]
	}
	if len(points) == 0 {
		return points, nil
	}
	from := `FROM answers a JOIN responses r ON r.id = a.response_id JOIN surveys s ON s.id = a.survey_id
		WHERE s.series_key = ? AND s.period >= ? AND s.period <= ? AND s.status IN ? AND a.question_key = ?
		AND r.status = ? AND a.num_value IS NOT NULL`
	args := []any{q.Series, q.From, q.To, q.Statuses, q.Question, survey.ResponseSubmitted}
	scoped, scopedArgs := from, args
	if q.PeerGroup != "" {
		if q.Published {
			// Each period's group as published, uncorrelated, so that PostgreSQL
			// hashes it once rather than scanning it per answer.
			scoped += " AND (s.id, r.member_code) IN (SELECT survey_id, member_code FROM published_peer_groups WHERE group_key = ?)"
		} else {
			scoped += " AND r.member_code IN (SELECT member_code FROM peer_group_members WHERE group_key = ?)"
		}
		scopedArgs = append(append([]any{}, args...), q.PeerGroup)
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
	if err := db.Raw("SELECT s.period, COUNT(*) AS n, SUM(a.num_value) AS total"+median+" "+scoped+" GROUP BY s.period", scopedArgs...).
		Scan(&aggs).Error; err != nil {
		return nil, wrap(err, "aggregate trend")
	}
	for _, a := range aggs {
		if p, ok := byPeriod[a.Period]; ok { // periods of the other kind are not asked for
			p.N, p.Total, p.Median = a.N, a.Total, a.Median.Float64
		}
	}
	if !s.postgres {
		if err := s.streamMedians(db, scoped, scopedArgs, byPeriod); err != nil {
			return nil, wrap(err, "trend medians")
		}
	}
	if q.Member != "" {
		var values []struct {
			Period   string
			NumValue float64
		}
		if err := db.Raw("SELECT s.period, a.num_value "+from+" AND r.member_code = ?", append(args, q.Member)...).Scan(&values).Error; err != nil {
			return nil, wrap(err, "read member's values")
		}
		for _, v := range values {
			if p, ok := byPeriod[v.Period]; ok {
				x := v.NumValue
				p.Value = &x
			}
		}
		var submitted []string
		err := db.Raw(`SELECT s.period FROM responses r JOIN surveys s ON s.id = r.survey_id
			WHERE s.series_key = ? AND s.period >= ? AND s.period <= ? AND s.status IN ? AND r.member_code = ? AND r.status = ?`,
			q.Series, q.From, q.To, q.Statuses, q.Member, survey.ResponseSubmitted).Scan(&submitted).Error
		if err != nil {
			return nil, wrap(err, "read member's submissions")
		}
		for _, period := range submitted {
			if p, ok := byPeriod[period]; ok {
				p.MemberSubmitted = true
			}
		}
	}
	return points, nil
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
