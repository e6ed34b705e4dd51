package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type seriesRow struct {
	Key          string `gorm:"primaryKey"`
	Title        string
	Description  string
	Recurrence   string
	Template     string // JSON of templateDoc
	OpenDay      int
	DeadlineDays int
	CreatedBy    string
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
	// AudienceGroup repeats the template's audience, so that the peer group
	// cannot be deleted while a series still addresses it.
	AudienceGroup sql.NullString
}

func (seriesRow) TableName() string { return "series" }

// templateDoc is what a series keeps of its template questionnaire.
type templateDoc struct {
	Title, Description string
	Topics             []string
	Audience           string
	WorkGroup          string `json:",omitempty"`
	Policy             survey.ResultsPolicy
	Sections           []survey.Section
}

func seriesToRow(s survey.Series, by string) (seriesRow, error) {
	t := s.Template
	doc, err := json.Marshal(templateDoc{Title: t.Title, Description: t.Description, Topics: t.Topics, Audience: t.Audience,
		WorkGroup: t.WorkGroup, Policy: t.Policy, Sections: t.Sections})
	if err != nil {
		return seriesRow{}, fmt.Errorf("encode template: %w", err)
	}
	return seriesRow{Key: s.Key, Title: s.Title, Description: s.Description, Recurrence: string(s.Recurrence), Template: string(doc),
		OpenDay: s.OpenDay, DeadlineDays: s.DeadlineDays, CreatedBy: by, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		AudienceGroup: nullString(t.Audience)}, nil
}

func seriesFromRow(r seriesRow) (survey.Series, error) {
	var doc templateDoc
	if err := json.Unmarshal([]byte(r.Template), &doc); err != nil {
		return survey.Series{}, fmt.Errorf("decode template of series %s: %w", r.Key, err)
	}
	if doc.Topics == nil {
		doc.Topics = []string{}
	}
	return survey.Series{Key: r.Key, Title: r.Title, Description: r.Description, Recurrence: survey.Recurrence(r.Recurrence),
		Template: survey.Survey{Title: doc.Title, Description: doc.Description, Topics: doc.Topics, Audience: doc.Audience,
			WorkGroup: doc.WorkGroup, Policy: doc.Policy, Sections: doc.Sections, Series: r.Key},
		OpenDay: r.OpenDay, DeadlineDays: r.DeadlineDays, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// CreateSeries validates and stores a new series.
func (s *Store) CreateSeries(ctx context.Context, sr survey.Series, by string) (survey.Series, error) {
	now := s.Now()
	sr.CreatedAt, sr.UpdatedAt = now, now
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := sr.Validate(); err != nil {
			return err
		}
		if err := s.checkSurvey(tx, sr.Template); err != nil {
			return prefixFields(err, "template.")
		}
		row, err := seriesToRow(sr, by)
		if err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.audit(tx, "series.created", "series", sr.Key, "", nil, sr)
	})
	if isDuplicate(err) {
		return survey.Series{}, &survey.Error{Code: survey.Conflict, Reason: survey.Taken, Message: "a series with this key exists already",
			Fields: []survey.FieldError{{Field: "key", Reason: "series " + sr.Key + " exists already"}}}
	}
	if err != nil {
		return survey.Series{}, wrap(err, "create series")
	}
	return sr, nil
}

// prefixFields puts prefix before the fields of a survey error.
func prefixFields(err error, prefix string) error {
	e, ok := err.(*survey.Error)
	if !ok {
		return err
	}
	out := *e
	out.Fields = make([]survey.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = survey.FieldError{Field: prefix + f.Field, Reason: f.Reason}
	}
	return &out
}

// Series returns the series with the key.
func (s *Store) Series(ctx context.Context, key string) (survey.Series, error) {
	var row seriesRow
	err := s.db.WithContext(ctx).Where("key = ?", key).Take(&row).Error
	if isNotFound(err) {
		return survey.Series{}, survey.Refusef(survey.NotFound, survey.NoSuchSeries, "no series has the key %q", key)
	}
	if err != nil {
		return survey.Series{}, wrap(err, "read series")
	}
	sr, err := seriesFromRow(row)
	return sr, wrap(err, "read series")
}

// SeriesList returns a page of series ordered by key.
func (s *Store) SeriesList(ctx context.Context, p Page) ([]survey.Series, string, error) {
	var rows []seriesRow
	q := s.db.WithContext(ctx).Order("key").Limit(p.limit())
	if p.After != "" {
		q = q.Where("key > ?", p.After)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list series")
	}
	rows, next := cut(rows, p, func(r seriesRow) string { return r.Key })
	out := make([]survey.Series, len(rows))
	for i, r := range rows {
		sr, err := seriesFromRow(r)
		if err != nil {
			return nil, "", err
		}
		out[i] = sr
	}
	return out, next, nil
}

// Edition is one edition of a series, as listed with it.
type Edition struct {
	SurveyID string
	Period   string
	Status   survey.Status
	Deadline *time.Time
}

// LatestPublished returns the latest published period of the series, "" if none.
func (s *Store) LatestPublished(ctx context.Context, key string) (string, error) {
	var period sql.NullString
	err := s.db.WithContext(ctx).Model(&surveyRow{}).Select("MAX(period)").
		Where("series_key = ? AND status = ?", key, survey.StatusPublished).Scan(&period).Error
	return period.String, wrap(err, "find the latest published period")
}

// Editions returns the editions of a series that carry a period, oldest first;
// statuses narrows them (nil for all).
func (s *Store) Editions(ctx context.Context, key string, statuses []survey.Status) ([]Edition, error) {
	var rows []surveyRow
	q := s.db.WithContext(ctx).Select("id, period, status, deadline").Where("series_key = ? AND period IS NOT NULL", key).Order("period")
	if statuses != nil {
		q = q.Where("status IN ?", statuses)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, "list editions")
	}
	out := make([]Edition, len(rows))
	for i, r := range rows {
		out[i] = Edition{SurveyID: r.ID, Period: r.Period.String, Status: survey.Status(r.Status), Deadline: r.Deadline}
	}
	return out, nil
}

// CreateEdition makes and opens the edition of the period from the series'
// template. An edition of that period that exists already is a Conflict. The
// deadline follows the schedule, or, when that has passed, the series' number of
// days from now (see survey.Series.OpeningTime).
func (s *Store) CreateEdition(ctx context.Context, key, period, by string) (survey.Survey, error) {
	var out survey.Survey
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var row seriesRow
		err := tx.Where("key = ?", key).Take(&row).Error
		if isNotFound(err) {
			return survey.Refusef(survey.NotFound, survey.NoSuchSeries, "no series has the key %q", key)
		}
		if err != nil {
			return err
		}
		sr, err := seriesFromRow(row)
		if err != nil {
			return err
		}
		p, err := sr.CheckPeriod(period)
		if err != nil {
			return err
		}
		out, err = s.openEdition(tx, sr, p, by)
		return err
	})
	if err != nil {
		return survey.Survey{}, wrap(err, "create edition")
	}
	return out, nil
}

// openEdition inserts the open edition of period p, once: a lock on the series
// serialises makers on PostgreSQL (SQLite has one writer), and the unique index on
// (series, period) is the last word.
func (s *Store) openEdition(tx *gorm.DB, sr survey.Series, p survey.Period, by string) (survey.Survey, error) {
	if s.postgres {
		h := fnv.New64a()
		h.Write([]byte("series:" + sr.Key))
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", int64(h.Sum64())).Error; err != nil {
			return survey.Survey{}, err
		}
	}
	var n int64
	if err := tx.Model(&surveyRow{}).Where("series_key = ? AND period = ?", sr.Key, p.String()).Count(&n).Error; err != nil {
		return survey.Survey{}, err
	}
	if n > 0 {
		return survey.Survey{}, survey.Refusef(survey.Conflict, survey.EditionExists, "series %s has an edition for %s already", sr.Key, p)
	}
	now := s.Now()
	e := sr.Edition(p, sr.OpeningTime(p, now))
	e.ID, e.Status, e.CreatedBy, e.CreatedAt, e.UpdatedAt = s.newID("srv"), survey.StatusOpen, by, now, now
	if err := s.checkSurvey(tx, e); err != nil {
		return survey.Survey{}, err
	}
	if err := s.insertSurvey(tx, e); err != nil {
		if isDuplicate(err) {
			return survey.Survey{}, survey.Refusef(survey.Conflict, survey.EditionExists, "series %s has an edition for %s already", sr.Key, p)
		}
		return survey.Survey{}, err
	}
	t := transitionRow{ID: s.newID("trn"), SurveyID: e.ID, FromStatus: string(survey.StatusDraft), ToStatus: string(survey.StatusOpen), UserID: by, At: now}
	if err := tx.Create(&t).Error; err != nil {
		return survey.Survey{}, err
	}
	e.Transitions = []survey.Transition{{From: survey.StatusDraft, To: survey.StatusOpen, By: by, At: now}}
	if err := s.audit(tx, "survey.opened", "survey", e.ID, "", nil, e); err != nil {
		return survey.Survey{}, err
	}
	return e, s.emit(tx, lifecycleNotification(e, by))
}

// OpenDueEditions opens, for every recurring series, the edition of the current
// period once its opening day has come and if it does not exist yet. It is safe
// to run from every API process at once: each edition is made exactly once. The
// edition is recorded as opened by the series' creator.
func (s *Store) OpenDueEditions(ctx context.Context) ([]survey.Survey, error) {
	var rows []seriesRow
	if err := s.db.WithContext(ctx).Where("recurrence <> ?", survey.RecurNone).Order("key").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list recurring series")
	}
	var opened []survey.Survey
	var failed []error // one broken series must not stop the others
	now := s.Now()
	for _, row := range rows {
		sr, err := seriesFromRow(row)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		p := sr.Recurrence.PeriodAt(now)
		if now.Before(sr.OpensAt(p)) {
			continue
		}
		var e survey.Survey
		err = s.tx(ctx, func(tx *gorm.DB) error {
			var err error
			e, err = s.openEdition(tx, sr, p, row.CreatedBy)
			return err
		})
		switch {
		case survey.ErrorCode(err) == survey.Conflict: // made already, by us or another process
		case err != nil:
			failed = append(failed, wrap(prefixFields(err, "template."), "open edition of "+sr.Key))
		default:
			opened = append(opened, e)
		}
	}
	return opened, errors.Join(failed...)
}
