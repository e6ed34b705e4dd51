package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Extension returns the member's extended deadline for the survey, nil if none.
func (s *Store) Extension(ctx context.Context, surveyID, member string) (*time.Time, error) {
	d, err := s.extension(s.db.WithContext(ctx), surveyID, member)
	return d, wrap(err, "read extension")
}

func (s *Store) extension(tx *gorm.DB, surveyID, member string) (*time.Time, error) {
	var row extensionRow
	err := tx.Where("survey_id = ? AND member_code = ?", surveyID, member).Take(&row).Error
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &row.Deadline, nil
}

// SetExtension gives the member of the survey's audience a deadline of its own,
// replacing any earlier extension. It must be later than now.
func (s *Store) SetExtension(ctx context.Context, surveyID, member string, deadline time.Time, by string) (survey.Extension, error) {
	now := s.Now()
	deadline = deadline.UTC().Round(time.Microsecond)
	row := extensionRow{SurveyID: surveyID, MemberCode: member, Deadline: deadline, GrantedBy: by, GrantedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := s.loadSurvey(tx, surveyID, shareLock)
		if err != nil {
			return err
		}
		if sv.Status != survey.StatusOpen {
			return survey.Refusef(survey.Conflict, survey.NotOpen, "the survey is %s; deadlines can be extended only while it is open", sv.Status)
		}
		if !deadline.After(now) {
			return &survey.Error{Code: survey.Invalid, Reason: survey.ExtensionTooEarly, Message: "an extension must end in the future",
				Fields: []survey.FieldError{{Field: "deadline", Reason: "is not in the future"}}}
		}
		if sv.Deadline != nil && !deadline.After(*sv.Deadline) {
			return &survey.Error{Code: survey.Invalid, Reason: survey.ExtensionTooEarly, Message: "an extension must end after the survey's deadline",
				Fields: []survey.FieldError{{Field: "deadline", Reason: "is not later than " + sv.Deadline.UTC().Format(time.RFC3339)}}}
		}
		if ok, err := s.addressed(tx, sv, member); err != nil || !ok {
			if err != nil {
				return err
			}
			return survey.Refusef(survey.NotFound, survey.NotInAudience, "member %q is not in the survey's audience", member)
		}
		before, err := s.extension(tx, surveyID, member)
		if err != nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return err
		}
		var was any
		if before != nil {
			was = map[string]any{"member": member, "deadline": before}
		}
		if err := s.audit(tx, "extension.granted", "extension", surveyID, member, was,
			map[string]any{"member": member, "deadline": deadline}); err != nil {
			return err
		}
		return s.emit(tx, survey.Notification{Type: survey.NotifyDeadlineMoved, By: by, Survey: sv.Notified(), Member: member})
	})
	if err != nil {
		return survey.Extension{}, wrap(err, "extend deadline")
	}
	return survey.Extension{Member: member, Deadline: deadline, GrantedBy: by, GrantedAt: now}, nil
}

// Extensions returns the survey's extensions by member.
func (s *Store) Extensions(ctx context.Context, surveyID string) ([]survey.Extension, error) {
	var rows []extensionRow
	if err := s.db.WithContext(ctx).Where("survey_id = ?", surveyID).Order("member_code").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list extensions")
	}
	out := make([]survey.Extension, len(rows))
	for i, r := range rows {
		out[i] = survey.Extension{Member: r.MemberCode, Deadline: r.Deadline, GrantedBy: r.GrantedBy, GrantedAt: r.GrantedAt}
	}
	return out, nil
}

// LockDue records a lock event in the history of every response of an open
// survey whose member's deadline has passed, once per deadline. Responses lock by
// the clock whether or not this runs; this only writes it down. Several processes
// may run it at once: the conditional update lets one of them record each lock.
func (s *Store) LockDue(ctx context.Context) (int, error) {
	now := s.Now()
	// Candidates: responses of open surveys whose common deadline has passed. An
	// extension can only push a member's deadline later, which is checked below.
	var rows []struct {
		ID                string
		LockedAt          *time.Time
		SurveyDeadline    time.Time
		ExtensionDeadline *time.Time
	}
	err := s.db.WithContext(ctx).Table("responses AS r").
		Select("r.id, r.locked_at, s.deadline AS survey_deadline, e.deadline AS extension_deadline").
		Joins("JOIN surveys s ON s.id = r.survey_id").
		Joins("LEFT JOIN deadline_extensions e ON e.survey_id = r.survey_id AND e.member_code = r.member_code").
		Where("s.status = ? AND s.deadline IS NOT NULL AND s.deadline <= ?", survey.StatusOpen, now).
		Scan(&rows).Error
	if err != nil {
		return 0, wrap(err, "find responses to lock")
	}
	type due struct {
		ID       string
		Deadline time.Time
	}
	var dues []due
	for _, r := range rows {
		d := survey.Survey{Deadline: &r.SurveyDeadline}.EffectiveDeadline(r.ExtensionDeadline)
		if d.After(now) || (r.LockedAt != nil && !r.LockedAt.Before(*d)) {
			continue
		}
		dues = append(dues, due{ID: r.ID, Deadline: *d})
	}
	locked := 0
	for _, r := range dues {
		err := s.tx(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&responseRow{}).Where("id = ? AND (locked_at IS NULL OR locked_at < ?)", r.ID, r.Deadline).
				Update("locked_at", r.Deadline)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			locked++
			e := s.event(r.ID, survey.EventLock, survey.User{}, r.Deadline)
			return tx.Create(&e).Error
		})
		if err != nil {
			return locked, wrap(err, "record lock")
		}
	}
	return locked, nil
}
