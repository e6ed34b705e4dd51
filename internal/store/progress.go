package store

import (
	"context"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Progress returns where each member of the survey's audience stands, ordered by
// member code, in five queries however large the audience.
func (s *Store) Progress(ctx context.Context, sv survey.Survey) ([]survey.MemberProgress, error) {
	db := s.db.WithContext(ctx)
	var members []memberRow
	q := db.Where("active = ?", true).Order("code")
	if sv.Audience != "" {
		q = q.Where("code IN (?)", db.Model(&peerGroupMemberRow{}).Select("member_code").Where("group_key = ?", sv.Audience))
	}
	if err := q.Find(&members).Error; err != nil {
		return nil, wrap(err, "read audience")
	}
	var responses []responseRow
	if err := db.Where("survey_id = ?", sv.ID).Find(&responses).Error; err != nil {
		return nil, wrap(err, "read responses")
	}
	byMember := make(map[string]responseRow, len(responses))
	ids := make([]string, len(responses))
	for i, r := range responses {
		byMember[r.MemberCode], ids[i] = r, r.ID
	}
	answers, err := s.loadAnswers(db, sv, ids)
	if err != nil {
		return nil, wrap(err, "read answers")
	}
	exts, err := s.Extensions(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	extended := make(map[string]survey.Extension, len(exts))
	for _, e := range exts {
		extended[e.Member] = e
	}
	out := make([]survey.MemberProgress, len(members))
	for i, m := range members {
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
		out[i] = p
	}
	return out, nil
}
