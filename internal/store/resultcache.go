package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Aggregates are what the results of one edition over one view need from the
// database, whoever reads them: the respondents, the per question statistics,
// the disclosure audit's decisions (members only) and the named answers (named
// surveys only). They are what the results cache keeps (decision 0024).
type Aggregates struct {
	Respondents int
	Stats       map[string]*survey.Stats
	Cells       map[CellKey]string
	Named       map[string]map[string]survey.Value
}

type resultsCacheRow struct {
	SurveyID   string `gorm:"primaryKey"`
	View       string `gorm:"primaryKey"`
	Stamp      string
	Body       string
	ComputedAt time.Time
}

func (resultsCacheRow) TableName() string { return "results_cache" }

// cachedAggregates is Aggregates as kept: JSON has no keys that are structs.
type cachedAggregates struct {
	Respondents int                                `json:"respondents"`
	Stats       map[string]*survey.Stats           `json:"stats"`
	Cells       []disclosureCellRow                `json:"cells,omitempty"`
	Named       map[string]map[string]survey.Value `json:"named,omitempty"`
	HasCells    bool                               `json:"has_cells"`
}

// ResultsStamp names the state of sv that cached aggregates were computed for:
// its status, policy, questions and last change. A cached view is served only
// while the survey still has the stamp it was computed for, so that no process
// serves a view of a survey whose status or policy has changed since.
func ResultsStamp(sv survey.Survey) string {
	b, err := json.Marshal(struct {
		Status   survey.Status
		Policy   survey.ResultsPolicy
		Sections []survey.Section
		Updated  int64
	}{sv.Status, sv.Policy, sv.Sections, sv.UpdatedAt.UnixNano()})
	if err != nil {
		return "" // never matches a saved stamp: nothing is cached
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CachedAggregates returns the aggregates kept for the view of a published
// survey, ok false when none are kept for the survey as it is now. Only a
// published survey's answers cannot change: for any other, nothing is served.
// The aggregates returned may be shared with other readers: never change them.
func (s *Store) CachedAggregates(ctx context.Context, sv survey.Survey, view string) (Aggregates, bool, error) {
	stamp := ResultsStamp(sv)
	if sv.Status != survey.StatusPublished || stamp == "" {
		return Aggregates{}, false, nil
	}
	key := viewKey{sv.ID, view, stamp}
	if a, ok := s.views.get(key); ok {
		return a, true, nil
	}
	var row resultsCacheRow
	err := s.db.WithContext(ctx).Where("survey_id = ? AND view = ? AND stamp = ?", sv.ID, view, stamp).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Aggregates{}, false, nil
	}
	if err != nil {
		return Aggregates{}, false, wrap(err, "read results cache")
	}
	var c cachedAggregates
	if err := json.Unmarshal([]byte(row.Body), &c); err != nil {
		return Aggregates{}, false, nil // unreadable: computed again and replaced
	}
	out := Aggregates{Respondents: c.Respondents, Stats: c.Stats, Named: c.Named}
	if c.HasCells {
		out.Cells = make(map[CellKey]string, len(c.Cells))
		for _, r := range c.Cells {
			out.Cells[CellKey{Group: r.GroupKey, Question: r.QuestionKey}] = r.Code
		}
	}
	s.views.put(key, out)
	return out, true, nil
}

// SaveAggregates keeps the aggregates of the view of a published survey,
// computed from sv as read before computing them, replacing any kept for an
// earlier state. It keeps nothing for a survey that is not published, and
// nothing when the survey has changed meanwhile (the stamp no longer matches).
func (s *Store) SaveAggregates(ctx context.Context, sv survey.Survey, view string, a Aggregates) error {
	stamp := ResultsStamp(sv)
	if sv.Status != survey.StatusPublished || stamp == "" {
		return nil
	}
	c := cachedAggregates{Respondents: a.Respondents, Stats: a.Stats, Named: a.Named, HasCells: a.Cells != nil}
	for k, code := range a.Cells {
		c.Cells = append(c.Cells, disclosureCellRow{GroupKey: k.Group, QuestionKey: k.Question, Code: code})
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil // figures JSON cannot hold (never expected): served computed, uncached
	}
	saved := false
	err = s.tx(ctx, func(tx *gorm.DB) error {
		now, err := s.loadSurvey(tx, sv.ID, shareLock) // no change to the survey until saved
		if err != nil {
			return err
		}
		if ResultsStamp(now) != stamp {
			return nil // changed since it was read: what was computed may be stale
		}
		row := resultsCacheRow{SurveyID: sv.ID, View: view, Stamp: stamp, Body: string(body), ComputedAt: s.Now()}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return fmt.Errorf("save results cache: %w", err)
		}
		saved = true
		return nil
	})
	if saved && err == nil {
		s.views.put(viewKey{sv.ID, view, stamp}, a)
	}
	return err
}
