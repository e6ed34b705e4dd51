package export

import (
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Responses writes raw responses: one row per member, one column per question
// key in the survey's order, a multiple choice spread over one column per
// option (1 chosen, 0 not, blank unanswered). Two header rows: the column keys,
// then their labels (the prompts, and "prompt: option" for options). each calls
// its argument once per response, in order, reading them as it goes.
func Responses(w Writer, sv survey.Survey, each func(func(survey.Response) error) error) error {
	keys := []any{"member", "status", "submitted_at"}
	labels := []any{"Member", "Status", "Submitted at"}
	for _, sec := range sv.Sections {
		for _, q := range sec.Questions {
			if q.Type == survey.MultipleChoice {
				for _, o := range q.Options {
					keys, labels = append(keys, q.Key+"."+o.Key), append(labels, q.Prompt+": "+o.Label)
				}
				continue
			}
			keys, labels = append(keys, q.Key), append(labels, q.Prompt)
		}
	}
	if err := w.Header(keys...); err != nil {
		return err
	}
	if err := w.Header(labels...); err != nil {
		return err
	}
	row := make([]any, len(keys))
	err := each(func(r survey.Response) error {
		clear(row)
		row[0], row[1] = r.Member, string(r.Status)
		if r.SubmittedAt != nil {
			row[2] = r.SubmittedAt.UTC().Format(time.RFC3339)
		}
		i := 3
		for _, sec := range sv.Sections {
			for _, q := range sec.Questions {
				v, answered := r.Answers[q.Key]
				if q.Type != survey.MultipleChoice {
					if answered {
						row[i] = answerCell(v)
					}
					i++
					continue
				}
				for _, o := range q.Options {
					if answered {
						row[i] = 0
						for _, k := range v.Options {
							if k == o.Key {
								row[i] = 1
							}
						}
					}
					i++
				}
			}
		}
		return w.Row(row...)
	})
	if err != nil {
		return err
	}
	return w.Close()
}
