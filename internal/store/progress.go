package store

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Progress returns where each member of the survey's audience stands, ordered by
// member code, in a number of queries that grows with the audience in chunks.
func (s *Store) Progress(ctx context.Context, sv survey.Survey) ([]survey.MemberProgress, error) {
	return s.progress(ctx, sv, nil)
}

// ProgressOf returns where the given members of the survey's audience stand,
// ordered by member code; members not in the audience are left out.
func (s *Store) ProgressOf(ctx context.Context, sv survey.Survey, members []string) ([]survey.MemberProgress, error) {
	if len(members) == 0 {
		return nil, nil
	}
	return s.progress(ctx, sv, members)
}

// progress reads the audience's progress, or only that of the members in only
// when it is not nil.
func (s *Store) progress(ctx context.Context, sv survey.Survey, only []string) ([]survey.MemberProgress, error) {
	db := s.db.WithContext(ctx)
	audience := func() *gorm.DB {
		q := db.Where("active = ?", true).Order("code")
		if sv.Audience != "" {
			q = q.Where("code IN (?)", db.Model(&peerGroupMemberRow{}).Select("member_code").Where("group_key = ?", sv.Audience))
		}
		return q
	}
	var members []memberRow
	if only == nil {
		if err := audience().Find(&members).Error; err != nil {
			return nil, wrap(err, "read audience")
		}
	}
	for codes := range slices.Chunk(slices.Sorted(slices.Values(only)), progressChunk) {
		var rows []memberRow
		if err := audience().Where("code IN ?", codes).Find(&rows).Error; err != nil {
			return nil, wrap(err, "read audience")
		}
		members = append(members, rows...)
	}
	exts, err := s.Extensions(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	extended := make(map[string]survey.Extension, len(exts))
	for _, e := range exts {
		extended[e.Member] = e
	}
	prev, hasPrev, err := s.previousPeriod(db, sv)
	if err != nil {
		return nil, wrap(err, "read the previous period")
	}
	out := make([]survey.MemberProgress, 0, len(members))
	// A chunk of members at a time: all of a large survey's answers at once
	// took the server's memory past a gigabyte at 10,000 responses, and more
	// responses than a statement may bind.
	for chunk := range slices.Chunk(members, progressChunk) {
		codes := make([]string, len(chunk))
		for i, m := range chunk {
			codes[i] = m.Code
		}
		byMember, answers, err := s.responsesOf(db, sv, codes, "")
		if err != nil {
			return nil, wrap(err, "read responses")
		}
		var previous map[string]map[string]survey.Value
		if hasPrev {
			prevBy, prevAnswers, err := s.responsesOf(db, prev, codes, survey.ResponseSubmitted)
			if err != nil {
				return nil, wrap(err, "read the previous period")
			}
			previous = make(map[string]map[string]survey.Value, len(prevBy))
			for m, r := range prevBy {
				previous[m] = prevAnswers[r.ID]
			}
		}
		for _, m := range chunk {
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
			out = append(out, p)
		}
	}
	return out, nil
}

// responsesOf reads the responses of the members to sv (of the status, when it
// is not ""), by member, and their answers, by response.
func (s *Store) responsesOf(db *gorm.DB, sv survey.Survey, members []string, status survey.ResponseStatus) (map[string]responseRow, map[string]map[string]survey.Value, error) {
	q := db.Where("survey_id = ? AND member_code IN ?", sv.ID, members)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var rows []responseRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	byMember := make(map[string]responseRow, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		byMember[r.MemberCode], ids[i] = r, r.ID
	}
	answers, err := s.loadAnswers(db, sv, ids)
	return byMember, answers, err
}

// progressChunk is how many members' answers progress holds at once.
const progressChunk = 500

// previousPeriod returns the edition of the period before sv's, if sv is a
// period's edition and there is one.
func (s *Store) previousPeriod(db *gorm.DB, sv survey.Survey) (survey.Survey, bool, error) {
	p, err := survey.ParsePeriod(sv.Period)
	if sv.Series == "" || err != nil {
		return survey.Survey{}, false, nil
	}
	var prev surveyRow
	err = db.Where("series_key = ? AND period = ?", sv.Series, p.Add(-1).String()).Take(&prev).Error
	if isNotFound(err) {
		return survey.Survey{}, false, nil
	}
	if err != nil {
		return survey.Survey{}, false, err
	}
	psv, err := surveyFromRow(prev)
	return psv, err == nil, err
}
