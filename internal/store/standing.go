package store

import (
	"context"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Standings returns where the member's responses to the surveys stand, by survey
// id, in two queries however many surveys there are: one for the responses (and
// whether each was ever withdrawn), one for the member's extensions. A survey the
// member has not answered has a not-started standing.
func (s *Store) Standings(ctx context.Context, surveyIDs []string, member string) (map[string]survey.Standing, error) {
	out := make(map[string]survey.Standing, len(surveyIDs))
	for _, id := range surveyIDs {
		out[id] = survey.Standing{Status: survey.ResponseNotStarted}
	}
	if len(surveyIDs) == 0 {
		return out, nil
	}
	db := s.db.WithContext(ctx)
	var rows []struct {
		SurveyID  string
		Status    string
		Withdrawn bool
	}
	withdrawn := db.Model(&eventRow{}).Select("1").
		Where("response_events.response_id = responses.id AND response_events.kind = ?", survey.EventWithdraw)
	err := db.Model(&responseRow{}).Select("survey_id, status, EXISTS (?) AS withdrawn", withdrawn).
		Where("survey_id IN ? AND member_code = ?", surveyIDs, member).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "read standings")
	}
	for _, r := range rows {
		st := out[r.SurveyID]
		st.Status = survey.ResponseStatus(r.Status)
		st.Withdrawn = r.Withdrawn && st.Status == survey.ResponseDraft
		out[r.SurveyID] = st
	}
	var exts []extensionRow
	if err := db.Where("survey_id IN ? AND member_code = ?", surveyIDs, member).Find(&exts).Error; err != nil {
		return nil, wrap(err, "read extensions")
	}
	for _, e := range exts {
		st := out[e.SurveyID]
		d := e.Deadline
		st.Extension = &d
		out[e.SurveyID] = st
	}
	return out, nil
}

// ResponseCounts returns how many stored responses of each survey are drafts
// and how many are submitted, by survey id, in one query.
func (s *Store) ResponseCounts(ctx context.Context, surveyIDs []string) (map[string]map[survey.ResponseStatus]int, error) {
	out := make(map[string]map[survey.ResponseStatus]int, len(surveyIDs))
	for _, id := range surveyIDs {
		out[id] = map[survey.ResponseStatus]int{}
	}
	if len(surveyIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		SurveyID string
		Status   string
		N        int
	}
	err := s.db.WithContext(ctx).Model(&responseRow{}).Select("survey_id, status, COUNT(*) AS n").
		Where("survey_id IN ?", surveyIDs).Group("survey_id, status").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "count responses")
	}
	for _, r := range rows {
		out[r.SurveyID][survey.ResponseStatus(r.Status)] = r.N
	}
	return out, nil
}
