package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// ImportRow is one line of a bulk upload: a member's answers.
type ImportRow struct {
	Line    int // in the file, for error messages
	Member  string
	Answers map[string]any // as ParseCell returns them
}

// ImportResult says what an upload did, or would do on a dry run.
type ImportResult struct {
	Rows      int
	Changed   int // responses whose answers changed
	Submitted int
}

var errDryRun = errors.New("dry run")

// Import writes the rows' answers on the members' behalf, all or nothing: every
// problem of every row is reported by line and column in one Invalid error, and
// then nothing is written. A dry run checks everything and writes nothing. With
// submit, each response is submitted as well.
func (s *Store) Import(ctx context.Context, surveyID string, rows []ImportRow, submit, dryRun bool, by survey.User) (ImportResult, error) {
	res := ImportResult{Rows: len(rows)}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := s.loadSurvey(tx, surveyID, shareLock)
		if err != nil {
			return err
		}
		if sv.Status != survey.StatusOpen {
			return survey.Refusef(survey.Conflict, survey.NotOpen, "the survey is %s; answers are taken only while it is open", sv.Status)
		}
		var p survey.Problems
		seen := map[string]int{}
		for _, row := range rows {
			if first, dup := seen[row.Member]; dup {
				p.Add(fmt.Sprintf("line %d, column member", row.Line), "member %s is on line %d already", row.Member, first)
				continue
			}
			seen[row.Member] = row.Line
			before, err := s.versionOf(tx, surveyID, row.Member)
			if err != nil {
				return err
			}
			w := Write{SurveyID: surveyID, Member: row.Member, Answers: row.Answers, By: by}
			r, err := s.save(tx, sv, w, submit, nil)
			var se *survey.Error
			switch {
			case errors.Is(err, errNothingToDo):
			case errors.As(err, &se) && se.Code != survey.Internal:
				addRowProblems(&p, row, se)
			case err != nil:
				return err
			default:
				if r.Version != before {
					res.Changed++
				}
				if submit && r.Status == survey.ResponseSubmitted {
					res.Submitted++
				}
			}
		}
		if err := p.Err("the upload has errors; nothing was written"); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return s.audit(tx, "import.applied", "import", surveyID, "", nil,
			map[string]any{"rows": res.Rows, "changed": res.Changed, "submitted": res.Submitted, "submit": submit})
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return ImportResult{}, wrap(err, "import answers")
	}
	return res, nil
}

func (s *Store) versionOf(tx *gorm.DB, surveyID, member string) (int, error) {
	var v []int
	err := tx.Model(&responseRow{}).Where("survey_id = ? AND member_code = ?", surveyID, member).Pluck("version", &v).Error
	if err != nil || len(v) == 0 {
		return 0, err
	}
	return v[0], nil
}

// addRowProblems reports a row's error by line and column.
func addRowProblems(p *survey.Problems, row ImportRow, e *survey.Error) {
	if len(e.Fields) == 0 {
		p.Add(fmt.Sprintf("line %d, column member", row.Line), "%s", e.Message)
		return
	}
	for _, f := range e.Fields {
		p.Add(fmt.Sprintf("line %d, column %s", row.Line, strings.TrimPrefix(f.Field, "answers.")), "%s", f.Reason)
	}
}
