package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// ResponsesDigest sums up, in one small query, the state of the responses to
// the surveys (the submitted ones only, if submittedOnly): how many there are,
// how many are submitted, the sum of their versions and the latest change.
// Every write to a response raises its version, so the digest changes whenever
// a response's answers or status do, and a file made of those responses can be
// tagged for revalidation without being read (decision 0014).
func (s *Store) ResponsesDigest(ctx context.Context, surveyIDs []string, submittedOnly bool) (string, error) {
	if len(surveyIDs) == 0 {
		return "none", nil
	}
	var row struct {
		N, Submitted, Versions int64
		Latest                 sql.NullString
	}
	q := s.db.WithContext(ctx).Table("responses").
		Select(`COUNT(*) AS n, COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS submitted,
			COALESCE(SUM(version), 0) AS versions, MAX(updated_at) AS latest`, string(survey.ResponseSubmitted)).
		Where("survey_id IN ?", surveyIDs)
	if submittedOnly {
		q = q.Where("status = ?", string(survey.ResponseSubmitted))
	}
	if err := q.Scan(&row).Error; err != nil {
		return "", wrap(err, "digest responses")
	}
	return fmt.Sprintf("%d/%d/%d/%s", row.N, row.Submitted, row.Versions, row.Latest.String), nil
}
