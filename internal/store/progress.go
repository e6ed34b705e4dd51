package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Progress returns where each member of the survey's audience stands, ordered by
// member code, in a fixed number of queries however large the audience.
func (s *Store) Progress(ctx context.Context, sv survey.Survey) ([]survey.MemberProgress, error) {
	return s.progress(ctx, sv, "")
}

// ProgressOf returns where one member of the survey's audience stands: none if
// it is not in the audience.
func (s *Store) ProgressOf(ctx context.Context, sv survey.Survey, member string) ([]survey.MemberProgress, error) {
	return s.progress(ctx, sv, member)
}

// progress reads the audience's progress, or only member's when it is not "".
func (s *Store) progress(ctx context.Context, sv survey.Survey, member string) ([]survey.MemberProgress, error) {
	db := s.db.WithContext(ctx)
	var members []memberRow
	q := db.Where("active = ?", true).Order("code")
	if sv.Audience != "" {
		q = q.Where("code IN (?)", db.Model(&peerGroupMemberRow{}).Select("member_code").Where("group_key = ?", sv.Audience))
	}
	rq := db.Where("survey_id = ?", sv.ID)
	if member != "" {
		q, rq = q.Where("code = ?", member), rq.Where("member_code = ?", member)
	}
	if err := q.Find(&members).Error; err != nil {
		return nil, wrap(err, "read audience")
	}
	var responses []responseRow
	if err := rq.Find(&responses).Error; err != nil {
		return nil, wrap(err, "read responses")
	}
	byMember := make(map[string]responseRow, len(responses))
	for _, r := range responses {
		byMember[r.MemberCode] = r
	}
	exts, err := s.Extensions(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	previous, err := s.previousPeriodAnswers(db, sv)
	if err != nil {
		return nil, wrap(err, "read the previous period")
	}
	extended := make(map[string]survey.Extension, len(exts))
	for _, e := range exts {
		extended[e.Member] = e
	}
	out := make([]survey.MemberProgress, len(members))
	// The answers of a chunk of members at a time: all of a large survey's at
	// once took the server's memory past a gigabyte at 10,000 responses, and
	// more responses than a statement may bind.
	var answers map[string]map[string]survey.Value
	for i, m := range members {
		if i%progressChunk == 0 {
			var ids []string
			for _, c := range members[i:min(i+progressChunk, len(members))] {
				if r, ok := byMember[c.Code]; ok {
					ids = append(ids, r.ID)
				}
			}
			if answers, err = s.loadAnswers(db, sv, ids); err != nil {
				return nil, wrap(err, "read answers")
			}
		}
		p := survey.MemberProgress{Member: m.Code, Name: m.Name, Status: survey.ResponseNotStarted}
		if e, ok := extended[m.Code]; ok {
			p.Deadline = sv.EffectiveDeadline(&e.Deadline)
		} else {
			p.Deadline = sv.Deadline
		}
		var given map[string]survey.Value
		if r, ok := byMember[m.Code]; ok {
			at := r.UpdatedAt
			p.Status, p.LastActivity, given = survey.ResponseStatus(r.Status), &at, answers[r.ID]
		}
		p.RequiredAnswered, p.RequiredTotal = sv.RequiredProgress(given)
		p.Flags = sv.Flags(given, previous[m.Code])
		out[i] = p
	}
	return out, nil
}

// progressChunk is how many members' answers progress holds at once.
const progressChunk = 500

// previousPeriodAnswers returns the submitted answers to the edition of the
// period before sv's, by member; none when sv is not a period's edition.
func (s *Store) previousPeriodAnswers(db *gorm.DB, sv survey.Survey) (map[string]map[string]survey.Value, error) {
	p, err := survey.ParsePeriod(sv.Period)
	if sv.Series == "" || err != nil {
		return nil, nil
	}
	var prev surveyRow
	err = db.Where("series_key = ? AND period = ?", sv.Series, p.Add(-1).String()).Take(&prev).Error
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rows []responseRow
	if err := db.Where("survey_id = ? AND status = ?", prev.ID, survey.ResponseSubmitted).Find(&rows).Error; err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	member := make(map[string]string, len(rows))
	for i, r := range rows {
		ids[i], member[r.ID] = r.ID, r.MemberCode
	}
	psv, err := surveyFromRow(prev)
	if err != nil {
		return nil, err
	}
	byResponse, err := s.loadAnswers(db, psv, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]survey.Value, len(byResponse))
	for id, a := range byResponse {
		out[member[id]] = a
	}
	return out, nil
}
