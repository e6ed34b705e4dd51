package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type surveyRow struct {
	ID              string `gorm:"primaryKey"`
	Title           string
	Description     string
	SeriesKey       sql.NullString
	Edition         string
	AudienceGroup   sql.NullString
	WorkGroup       sql.NullString
	Deadline        *time.Time
	Visibility      string
	MinRespondents  int
	RespondentsOnly bool
	Status          string
	Sections        string // the sections as JSON; see docs/decisions/0006-survey-documents.md
	Period          sql.NullString
	CreatedBy       string
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"`
}

func (surveyRow) TableName() string { return "surveys" }

type surveyTopicRow struct {
	SurveyID string `gorm:"primaryKey"`
	Topic    string `gorm:"primaryKey"`
}

func (surveyTopicRow) TableName() string { return "survey_topics" }

type transitionRow struct {
	ID         string `gorm:"primaryKey"`
	SurveyID   string
	FromStatus string
	ToStatus   string
	UserID     string
	At         time.Time
}

func (transitionRow) TableName() string { return "survey_transitions" }

func surveyToRow(s survey.Survey) (surveyRow, error) {
	sections, err := json.Marshal(s.Sections)
	if err != nil {
		return surveyRow{}, fmt.Errorf("encode sections: %w", err)
	}
	return surveyRow{
		ID: s.ID, Title: s.Title, Description: s.Description,
		SeriesKey: nullString(s.Series), Edition: s.Edition, AudienceGroup: nullString(s.Audience),
		WorkGroup: nullString(s.WorkGroup), Deadline: s.Deadline, Visibility: string(s.Policy.Visibility), MinRespondents: s.Policy.MinRespondents,
		RespondentsOnly: s.Policy.RespondentsOnly, Status: string(s.Status), Sections: string(sections), Period: nullString(s.Period),
		CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}, nil
}

func surveyFromRow(r surveyRow) (survey.Survey, error) {
	s := survey.Survey{
		ID: r.ID, Title: r.Title, Description: r.Description, Series: r.SeriesKey.String, Edition: r.Edition,
		Audience: r.AudienceGroup.String, WorkGroup: r.WorkGroup.String, Deadline: r.Deadline,
		Policy: survey.ResultsPolicy{Visibility: survey.Visibility(r.Visibility), MinRespondents: r.MinRespondents,
			RespondentsOnly: r.RespondentsOnly},
		Status: survey.Status(r.Status), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Topics: []string{}, Period: r.Period.String,
	}
	if err := json.Unmarshal([]byte(r.Sections), &s.Sections); err != nil {
		return survey.Survey{}, fmt.Errorf("decode sections of survey %s: %w", r.ID, err)
	}
	return s, nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// CreateSurvey validates s and stores it as a new draft by the user.
func (s *Store) CreateSurvey(ctx context.Context, sv survey.Survey, by string) (survey.Survey, error) {
	now := s.Now()
	sv.ID, sv.Status, sv.CreatedBy, sv.CreatedAt, sv.UpdatedAt = s.newID("srv"), survey.StatusDraft, by, now, now
	sv.Transitions = []survey.Transition{}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.checkSurvey(tx, sv); err != nil {
			return err
		}
		if err := s.insertSurvey(tx, sv); err != nil {
			return err
		}
		return s.audit(tx, "survey.created", "survey", sv.ID, "", nil, sv)
	})
	if err != nil {
		return survey.Survey{}, wrap(err, "create survey")
	}
	return sv, nil
}

// checkSurvey runs the domain's validation and checks that the audience and the
// work group exist.
func (s *Store) checkSurvey(tx *gorm.DB, sv survey.Survey) error {
	if err := sv.Validate(); err != nil {
		return err
	}
	if sv.WorkGroup != "" {
		var n int64
		if err := tx.Model(&workGroupRow{}).Where("key = ?", sv.WorkGroup).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return &survey.Error{Code: survey.Invalid, Reason: survey.UnknownReference, Message: "the work group does not exist",
				Fields: []survey.FieldError{{Field: "work_group", Reason: "no work group has the key " + sv.WorkGroup}}}
		}
	}
	if sv.Audience == "" {
		return nil
	}
	var n int64
	if err := tx.Model(&peerGroupRow{}).Where("key = ?", sv.Audience).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return &survey.Error{Code: survey.Invalid, Reason: survey.UnknownReference, Message: "the audience is not a peer group",
			Fields: []survey.FieldError{{Field: "audience.peer_group", Reason: "no peer group has the key " + sv.Audience}}}
	}
	return nil
}

func (s *Store) insertSurvey(tx *gorm.DB, sv survey.Survey) error {
	row, err := surveyToRow(sv)
	if err != nil {
		return err
	}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	return s.saveTopics(tx, sv.ID, sv.Topics)
}

func (s *Store) saveTopics(tx *gorm.DB, id string, topics []string) error {
	if err := tx.Where("survey_id = ?", id).Delete(&surveyTopicRow{}).Error; err != nil {
		return err
	}
	if len(topics) == 0 {
		return nil
	}
	rows := make([]surveyTopicRow, len(topics))
	for i, t := range topics {
		rows[i] = surveyTopicRow{SurveyID: id, Topic: t}
	}
	return tx.Create(&rows).Error
}

// Survey returns the survey with the id, with its topics and transitions.
func (s *Store) Survey(ctx context.Context, id string) (survey.Survey, error) {
	sv, err := s.loadSurvey(s.db.WithContext(ctx), id, noLock)
	return sv, wrap(err, "read survey")
}

// How loadSurvey locks the survey's row until the end of the transaction on
// PostgreSQL (SQLite has one writer anyway).
const (
	noLock    = ""
	shareLock = "SHARE"  // answering: many at once, but not while the survey changes
	writeLock = "UPDATE" // changing the survey
)

// loadSurvey reads a survey in three queries, locking its row as asked.
func (s *Store) loadSurvey(tx *gorm.DB, id string, lock string) (survey.Survey, error) {
	q := tx
	if lock != noLock && s.postgres {
		q = q.Clauses(clause.Locking{Strength: lock})
	}
	var row surveyRow
	err := q.Where("id = ?", id).Take(&row).Error
	if isNotFound(err) {
		return survey.Survey{}, survey.Refusef(survey.NotFound, survey.NoSuchSurvey, "no survey has the id %q", id)
	}
	if err != nil {
		return survey.Survey{}, err
	}
	sv, err := surveyFromRow(row)
	if err != nil {
		return survey.Survey{}, err
	}
	if err := tx.Model(&surveyTopicRow{}).Where("survey_id = ?", id).Order("topic").Pluck("topic", &sv.Topics).Error; err != nil {
		return survey.Survey{}, err
	}
	var trs []transitionRow
	if err := tx.Where("survey_id = ?", id).Order("id").Find(&trs).Error; err != nil {
		return survey.Survey{}, err
	}
	sv.Transitions = make([]survey.Transition, len(trs))
	for i, t := range trs {
		sv.Transitions[i] = survey.Transition{From: survey.Status(t.FromStatus), To: survey.Status(t.ToStatus), By: t.UserID, At: t.At}
	}
	return sv, nil
}

// SurveyFilter narrows a list of surveys; empty fields do not filter.
type SurveyFilter struct {
	Status    survey.Status
	Topic     string
	Series    string
	WorkGroup string // the surveys run by this work group
	// Member limits the list to the surveys addressed to that member that members
	// may see (not drafts), and the surveys of the work groups in Runs.
	Member string
	Runs   []string // work groups whose surveys the caller runs (it chairs them)
}

// Surveys returns a page of surveys, newest first, with their topics but without
// transitions.
func (s *Store) Surveys(ctx context.Context, f SurveyFilter, p Page) ([]survey.Survey, string, error) {
	db := s.db.WithContext(ctx)
	q := db.Order("id DESC").Limit(p.limit())
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Series != "" {
		q = q.Where("series_key = ?", f.Series)
	}
	if f.WorkGroup != "" {
		q = q.Where("work_group = ?", f.WorkGroup)
	}
	if f.Topic != "" {
		q = q.Where("id IN (?)", db.Model(&surveyTopicRow{}).Select("survey_id").Where("topic = ?", f.Topic))
	}
	if f.Member != "" {
		visible := db.Where("status <> ?", survey.StatusDraft).Where(addressedTo(db, f.Member))
		if len(f.Runs) > 0 {
			visible = visible.Or("work_group IN ?", f.Runs)
		}
		q = q.Where(visible)
	}
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	var rows []surveyRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list surveys")
	}
	rows, next := cut(rows, p, func(r surveyRow) string { return r.ID })
	out := make([]survey.Survey, len(rows))
	ids := make([]string, len(rows))
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		sv, err := surveyFromRow(r)
		if err != nil {
			return nil, "", err
		}
		out[i], ids[i], index[r.ID] = sv, r.ID, i
	}
	if len(ids) > 0 {
		var topics []surveyTopicRow
		if err := db.Where("survey_id IN ?", ids).Order("topic").Find(&topics).Error; err != nil {
			return nil, "", wrap(err, "list survey topics")
		}
		for _, t := range topics {
			i := index[t.SurveyID]
			out[i].Topics = append(out[i].Topics, t.Topic)
		}
	}
	return out, next, nil
}

// addressedTo is the condition that a survey's audience includes the member: an
// active member is addressed by surveys to all members and to its peer groups.
func addressedTo(db *gorm.DB, member string) *gorm.DB {
	active := db.Model(&memberRow{}).Select("code").Where("code = ? AND active = ?", member, true)
	groups := db.Model(&peerGroupMemberRow{}).Select("group_key").Where("member_code = ?", member)
	return db.Where("? IN (?) AND (audience_group IS NULL OR audience_group IN (?))", member, active, groups)
}

// Addressed reports whether the survey's audience includes the member.
func (s *Store) Addressed(ctx context.Context, sv survey.Survey, member string) (bool, error) {
	ok, err := s.addressed(s.db.WithContext(ctx), sv, member)
	return ok, wrap(err, "read audience")
}

func (s *Store) addressed(tx *gorm.DB, sv survey.Survey, member string) (bool, error) {
	return s.audienceIncludes(tx, sv.Audience, member)
}

// AudienceIncludes reports whether an audience (a peer group key, or "" for all
// active members) includes the member: it must be active, and in the group.
func (s *Store) AudienceIncludes(ctx context.Context, group, member string) (bool, error) {
	ok, err := s.audienceIncludes(s.db.WithContext(ctx), group, member)
	return ok, wrap(err, "read audience")
}

func (s *Store) audienceIncludes(tx *gorm.DB, group, member string) (bool, error) {
	var n int64
	q := tx.Model(&memberRow{}).Where("code = ? AND active = ?", member, true)
	if group != "" {
		q = q.Where("code IN (?)", tx.Model(&peerGroupMemberRow{}).Select("member_code").Where("group_key = ?", group))
	}
	err := q.Count(&n).Error
	return n > 0, err
}

// EditSurvey replaces the survey with edit(current), after the domain's rules for
// editing in its status and its validation, in one transaction.
func (s *Store) EditSurvey(ctx context.Context, id string, edit func(survey.Survey) survey.Survey) (survey.Survey, error) {
	var out survey.Survey
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.loadSurvey(tx, id, writeLock)
		if err != nil {
			return err
		}
		next := edit(cur)
		// What an edit may never change.
		next.ID, next.Status, next.Transitions, next.CreatedBy, next.CreatedAt = cur.ID, cur.Status, cur.Transitions, cur.CreatedBy, cur.CreatedAt
		next.Period = cur.Period
		next.UpdatedAt = s.Now()
		if err := cur.CheckEdit(next, next.UpdatedAt); err != nil {
			return err
		}
		if err := s.checkSurvey(tx, next); err != nil {
			return err
		}
		row, err := surveyToRow(next)
		if err != nil {
			return err
		}
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		out = next
		if err := s.saveTopics(tx, id, next.Topics); err != nil {
			return err
		}
		if err := s.audit(tx, "survey.updated", "survey", id, "", cur, next); err != nil {
			return err
		}
		return s.emit(tx, deadlineNotification(cur, next))
	})
	if err != nil {
		return survey.Survey{}, wrap(err, "edit survey")
	}
	sort.Strings(out.Topics)
	return out, nil
}

// DeleteSurvey removes a draft survey.
func (s *Store) DeleteSurvey(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.loadSurvey(tx, id, writeLock)
		if err != nil {
			return err
		}
		if err := cur.CheckDelete(); err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&surveyRow{}).Error; err != nil {
			return err
		}
		return s.audit(tx, "survey.deleted", "survey", id, "", cur, nil)
	})
	return wrap(err, "delete survey")
}

// TransitionSurvey moves the survey to the status if the lifecycle allows it now,
// and records who did it.
func (s *Store) TransitionSurvey(ctx context.Context, id string, to survey.Status, by string) (survey.Survey, error) {
	var out survey.Survey
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.loadSurvey(tx, id, writeLock)
		if err != nil {
			return err
		}
		now := s.Now()
		if err := cur.CheckTransition(to, now); err != nil {
			return err
		}
		res := tx.Model(&surveyRow{}).Where("id = ? AND status = ?", id, cur.Status).
			Updates(map[string]any{"status": string(to), "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return survey.Refusef(survey.Conflict, survey.ChangedMeanwhile, "the survey changed status meanwhile; try again")
		}
		t := transitionRow{ID: s.newID("trn"), SurveyID: id, FromStatus: string(cur.Status), ToStatus: string(to), UserID: by, At: now}
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		if to == survey.StatusPublished {
			// Members' results filter by the peer groups as they are now, for good.
			err := tx.Exec(`INSERT INTO published_peer_groups (survey_id, group_key, member_code)
				SELECT ?, group_key, member_code FROM peer_group_members`, id).Error
			if err != nil {
				return err
			}
		}
		out = cur
		out.Status, out.UpdatedAt = to, now
		out.Transitions = append(out.Transitions, survey.Transition{From: cur.Status, To: to, By: by, At: now})
		if err := s.audit(tx, "survey."+pastTense(to), "survey", id, "",
			map[string]string{"status": string(cur.Status)}, map[string]string{"status": string(to)}); err != nil {
			return err
		}
		return s.emit(tx, lifecycleNotification(out, by))
	})
	if err != nil {
		return survey.Survey{}, wrap(err, "change survey status")
	}
	return out, nil
}

// CloneSurvey makes a new draft edition of the survey's series, with the same keys.
func (s *Store) CloneSurvey(ctx context.Context, id string, edition, title, by string) (survey.Survey, error) {
	var out survey.Survey
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.loadSurvey(tx, id, noLock)
		if err != nil {
			return err
		}
		out = cur.NewEdition(edition)
		if title != "" {
			out.Title = title
		}
		now := s.Now()
		out.ID, out.CreatedBy, out.CreatedAt, out.UpdatedAt = s.newID("srv"), by, now, now
		out.Transitions = []survey.Transition{}
		if err := s.checkSurvey(tx, out); err != nil {
			return err
		}
		if err := s.insertSurvey(tx, out); err != nil {
			return err
		}
		return s.audit(tx, "survey.cloned", "survey", out.ID, "", map[string]string{"from": id}, out)
	})
	if err != nil {
		return survey.Survey{}, wrap(err, "clone survey")
	}
	return out, nil
}

// pastTense names a lifecycle step in the audit trail: opened, closed, published.
func pastTense(to survey.Status) string {
	switch to {
	case survey.StatusOpen:
		return "opened"
	case survey.StatusClosed:
		return "closed"
	case survey.StatusPublished:
		return "published"
	}
	return string(to)
}
