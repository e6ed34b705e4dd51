package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// CellKey names one cell of a published edition: a question over all
// respondents (Group "") or over a peer group as it was at publication.
type CellKey struct {
	Group    string
	Question string
}

// AuditEdition is what the disclosure audit needs of one published edition,
// but its answers: those it reads question by question (AuditAnswers), so that
// it never holds more than one question's.
type AuditEdition struct {
	Survey      survey.Survey
	Groups      map[string][]string // published peer groups and their members
	Respondents []string            // the members that submitted a response
	// Cells are the audit's decisions, code "" when shown; nil when the edition
	// has not been audited yet.
	Cells map[CellKey]string
}

type disclosureAuditRow struct {
	SurveyID  string `gorm:"primaryKey"`
	AuditedAt time.Time
}

func (disclosureAuditRow) TableName() string { return "disclosure_audits" }

type disclosureCellRow struct {
	SurveyID    string `gorm:"primaryKey"`
	GroupKey    string `gorm:"primaryKey"`
	QuestionKey string `gorm:"primaryKey"`
	Code        string
}

func (disclosureCellRow) TableName() string { return "disclosure_cells" }

// AuditEditions returns every published edition of sv's series (or sv alone,
// outside a series), periods in order and else in order of creation, with their
// respondents, published peer groups and any decisions already taken.
func (s *Store) AuditEditions(ctx context.Context, sv survey.Survey) ([]AuditEdition, error) {
	db := s.db.WithContext(ctx)
	ids := []string{sv.ID}
	if sv.Series != "" {
		ids = nil
		if err := db.Model(&surveyRow{}).Where("series_key = ? AND status = ?", sv.Series, survey.StatusPublished).
			Order("period").Order("id").Pluck("id", &ids).Error; err != nil {
			return nil, wrap(err, "list editions to audit")
		}
	}
	out := make([]AuditEdition, 0, len(ids))
	for _, id := range ids {
		ed, err := s.auditEdition(db, id)
		if err != nil {
			return nil, wrap(err, "read edition to audit")
		}
		out = append(out, ed)
	}
	return out, nil
}

func (s *Store) auditEdition(db *gorm.DB, id string) (AuditEdition, error) {
	sv, err := s.loadSurvey(db, id, noLock)
	if err != nil {
		return AuditEdition{}, err
	}
	ed := AuditEdition{Survey: sv, Groups: map[string][]string{}}
	var links []struct{ GroupKey, MemberCode string }
	if err := db.Table("published_peer_groups").Select("group_key, member_code").Where("survey_id = ?", id).
		Order("group_key").Order("member_code").Scan(&links).Error; err != nil {
		return ed, err
	}
	for _, l := range links {
		ed.Groups[l.GroupKey] = append(ed.Groups[l.GroupKey], l.MemberCode)
	}
	if err := db.Model(&responseRow{}).Where("survey_id = ? AND status = ?", id, survey.ResponseSubmitted).
		Order("member_code").Pluck("member_code", &ed.Respondents).Error; err != nil {
		return ed, err
	}
	var audited int64
	if err := db.Model(&disclosureAuditRow{}).Where("survey_id = ?", id).Count(&audited).Error; err != nil {
		return ed, err
	}
	if audited > 0 {
		ed.Cells, err = s.cells(db, id)
	}
	return ed, err
}

// AuditAnswers returns the submitted answers to one question (numbers,
// booleans, options) in the given editions, where it has that key and type:
// survey → member → answer. A question at a time, in two queries that do not
// list the responses (a survey may have more of them than a statement may bind).
func (s *Store) AuditAnswers(ctx context.Context, surveyIDs []string, q survey.Question) (map[string]map[string]survey.Value, error) {
	db := s.db.WithContext(ctx)
	out := make(map[string]map[string]survey.Value, len(surveyIDs))
	if len(surveyIDs) == 0 {
		return out, nil
	}
	var values []struct {
		SurveyID   string
		MemberCode string
		NumValue   *float64
		BoolValue  *bool
	}
	if err := db.Raw(`SELECT a.survey_id, r.member_code, a.num_value, a.bool_value
		FROM answers a JOIN responses r ON r.id = a.response_id
		WHERE a.survey_id IN ? AND a.question_key = ? AND r.status = ?`, surveyIDs, q.Key, survey.ResponseSubmitted).Scan(&values).Error; err != nil {
		return nil, wrap(err, "read answers to audit")
	}
	for _, v := range values {
		val := survey.Value{Number: v.NumValue, Bool: v.BoolValue}
		if q.Type.IsChoice() {
			val.Options = []string{}
		}
		if out[v.SurveyID] == nil {
			out[v.SurveyID] = map[string]survey.Value{}
		}
		out[v.SurveyID][v.MemberCode] = val
	}
	if !q.Type.IsChoice() {
		return out, nil
	}
	var opts []struct{ SurveyID, MemberCode, OptionKey string }
	if err := db.Raw(`SELECT o.survey_id, r.member_code, o.option_key
		FROM answer_options o JOIN responses r ON r.id = o.response_id
		WHERE o.survey_id IN ? AND o.question_key = ? AND r.status = ?
		ORDER BY o.survey_id, r.member_code, o.option_key`, surveyIDs, q.Key, survey.ResponseSubmitted).Scan(&opts).Error; err != nil {
		return nil, wrap(err, "read answers to audit")
	}
	for _, o := range opts {
		if v, ok := out[o.SurveyID][o.MemberCode]; ok {
			v.Options = append(v.Options, o.OptionKey)
			out[o.SurveyID][o.MemberCode] = v
		}
	}
	return out, nil
}

func (s *Store) cells(db *gorm.DB, id string) (map[CellKey]string, error) {
	var cells []disclosureCellRow
	if err := db.Where("survey_id = ?", id).Find(&cells).Error; err != nil {
		return nil, err
	}
	out := make(map[CellKey]string, len(cells))
	for _, c := range cells {
		out[CellKey{Group: c.GroupKey, Question: c.QuestionKey}] = c.Code
	}
	return out, nil
}

// Disclosure returns the audit's decisions for a published edition, or false
// when it has not been audited yet.
func (s *Store) Disclosure(ctx context.Context, surveyID string) (map[CellKey]string, bool, error) {
	db := s.db.WithContext(ctx)
	var audited int64
	if err := db.Model(&disclosureAuditRow{}).Where("survey_id = ?", surveyID).Count(&audited).Error; err != nil {
		return nil, false, wrap(err, "read disclosure audit")
	}
	if audited == 0 {
		return nil, false, nil
	}
	cells, err := s.cells(db, surveyID)
	return cells, true, wrap(err, "read disclosure audit")
}

// SaveDisclosure keeps the audit's decisions for a published edition, once: a
// second audit of the same edition (two first readers at once) changes nothing,
// since the first one's cells are what members may already have read.
func (s *Store) SaveDisclosure(ctx context.Context, surveyID string, cells map[CellKey]string) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&disclosureAuditRow{SurveyID: surveyID, AuditedAt: s.Now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if len(cells) == 0 {
			return nil
		}
		rows := make([]disclosureCellRow, 0, len(cells))
		for k, code := range cells {
			rows = append(rows, disclosureCellRow{SurveyID: surveyID, GroupKey: k.Group, QuestionKey: k.Question, Code: code})
		}
		return tx.CreateInBatches(rows, 500).Error
	})
	return wrap(err, "save disclosure audit")
}

// Memberships returns the active members and every peer group's active members:
// what the warning about groups that cut the membership into small pieces needs.
func (s *Store) Memberships(ctx context.Context) ([]string, map[string][]string, error) {
	db := s.db.WithContext(ctx)
	var active []string
	if err := db.Model(&memberRow{}).Where("active = ?", true).Order("code").Pluck("code", &active).Error; err != nil {
		return nil, nil, wrap(err, "list active members")
	}
	var links []peerGroupMemberRow
	if err := db.Joins("JOIN members m ON m.code = peer_group_members.member_code AND m.active = ?", true).
		Order("group_key").Order("member_code").Find(&links).Error; err != nil {
		return nil, nil, wrap(err, "list peer group members")
	}
	groups := map[string][]string{}
	for _, l := range links {
		groups[l.GroupKey] = append(groups[l.GroupKey], l.MemberCode)
	}
	return active, groups, nil
}

// PublishedPeerGroups returns the peer groups as they were when the survey was
// published, with their members.
func (s *Store) PublishedPeerGroups(ctx context.Context, surveyID string) (map[string][]string, error) {
	var links []struct{ GroupKey, MemberCode string }
	if err := s.db.WithContext(ctx).Table("published_peer_groups").Select("group_key, member_code").
		Where("survey_id = ?", surveyID).Order("group_key").Order("member_code").Scan(&links).Error; err != nil {
		return nil, wrap(err, "read published peer groups")
	}
	out := map[string][]string{}
	for _, l := range links {
		out[l.GroupKey] = append(out[l.GroupKey], l.MemberCode)
	}
	return out, nil
}

// CellDecisions returns the audit's decision on one cell (a question over a
// scope, "" for all respondents) in each of the given editions, in one query:
// survey → code ("" when shown), with a key only for the editions audited, and
// audited listing every audited edition (whose cell may be absent: a group
// with no members when it was published).
func (s *Store) CellDecisions(ctx context.Context, surveyIDs []string, cell CellKey) (codes map[string]string, audited map[string]bool, err error) {
	codes, audited = map[string]string{}, map[string]bool{}
	if len(surveyIDs) == 0 {
		return codes, audited, nil
	}
	var rows []struct {
		SurveyID string
		Code     *string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT a.survey_id, c.code FROM disclosure_audits a
		LEFT JOIN disclosure_cells c ON c.survey_id = a.survey_id AND c.group_key = ? AND c.question_key = ?
		WHERE a.survey_id IN ?`, cell.Group, cell.Question, surveyIDs).Scan(&rows).Error; err != nil {
		return nil, nil, wrap(err, "read disclosure audits")
	}
	for _, r := range rows {
		audited[r.SurveyID] = true
		if r.Code != nil {
			codes[r.SurveyID] = *r.Code
		}
	}
	return codes, audited, nil
}
