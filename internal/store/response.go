package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type responseRow struct {
	ID          string `gorm:"primaryKey"`
	SurveyID    string
	MemberCode  string
	Status      string
	Version     int
	SubmittedAt *time.Time
	LockedAt    *time.Time
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy   string
}

func (responseRow) TableName() string { return "responses" }

// answerRow holds one answer in the column of its type.
type answerRow struct {
	ResponseID  string `gorm:"primaryKey"`
	SurveyID    string
	QuestionKey string `gorm:"primaryKey"`
	NumValue    *float64
	BoolValue   *bool
	TextValue   *string
	DateValue   *string
}

func (answerRow) TableName() string { return "answers" }

// answerOptionRow is one chosen option of a choice answer.
type answerOptionRow struct {
	ResponseID  string `gorm:"primaryKey"`
	SurveyID    string
	QuestionKey string `gorm:"primaryKey"`
	OptionKey   string `gorm:"primaryKey"`
}

func (answerOptionRow) TableName() string { return "answer_options" }

type eventRow struct {
	ID          string `gorm:"primaryKey"`
	ResponseID  string
	Kind        string
	QuestionKey *string
	OldValue    *string
	NewValue    *string
	UserID      *string
	OnBehalf    bool
	At          time.Time
}

func (eventRow) TableName() string { return "response_events" }

type extensionRow struct {
	SurveyID   string `gorm:"primaryKey"`
	MemberCode string `gorm:"primaryKey"`
	Deadline   time.Time
	GrantedBy  string
	GrantedAt  time.Time
}

func (extensionRow) TableName() string { return "deadline_extensions" }

// Write is one change of a member's response.
type Write struct {
	SurveyID string
	Member   string
	Answers  map[string]any // as decoded from JSON (see survey.Question.ParseAnswer); nil values clear
	IfMatch  *int           // the version the writer saw; nil to write over any
	By       survey.User
}

// errNothingToDo rolls back a transaction that would change nothing.
var errNothingToDo = errors.New("nothing to do")

// notStarted is the response of a member that has written nothing.
func notStarted(surveyID, member string) survey.Response {
	return survey.Response{SurveyID: surveyID, Member: member, Status: survey.ResponseNotStarted, Answers: map[string]survey.Value{}}
}

// Response returns the member's response to the survey, not started if none.
//
// The response and its answers are read in one snapshot: read apart, a save
// committed between the two reads (by this process or another) would pair the
// version before it, and its ETag, with the answers after it.
func (s *Store) Response(ctx context.Context, sv survey.Survey, member string) (survey.Response, error) {
	var out survey.Response
	err := s.snapshot(ctx, func(tx *gorm.DB) error {
		var row responseRow
		err := tx.Where("survey_id = ? AND member_code = ?", sv.ID, member).Take(&row).Error
		if isNotFound(err) {
			out = notStarted(sv.ID, member)
			return nil
		}
		if err != nil {
			return wrap(err, "read response")
		}
		answers, err := s.loadAnswers(tx, sv, []string{row.ID})
		if err != nil {
			return wrap(err, "read answers")
		}
		out = responseFromRow(row, answers[row.ID])
		return nil
	})
	return out, err
}

func responseFromRow(r responseRow, answers map[string]survey.Value) survey.Response {
	if answers == nil {
		answers = map[string]survey.Value{}
	}
	at := r.UpdatedAt
	return survey.Response{ID: r.ID, SurveyID: r.SurveyID, Member: r.MemberCode, Status: survey.ResponseStatus(r.Status),
		Version: r.Version, Answers: answers, SubmittedAt: r.SubmittedAt, UpdatedBy: r.UpdatedBy, UpdatedAt: &at}
}

// loadAnswers reads the answers of the responses in two queries, typed by the
// survey's questions.
func (s *Store) loadAnswers(db *gorm.DB, sv survey.Survey, responseIDs []string) (map[string]map[string]survey.Value, error) {
	out := make(map[string]map[string]survey.Value, len(responseIDs))
	if len(responseIDs) == 0 {
		return out, nil
	}
	var rows []answerRow
	if err := db.Where("survey_id = ? AND response_id IN ?", sv.ID, responseIDs).Find(&rows).Error; err != nil {
		return nil, err
	}
	var opts []answerOptionRow
	if err := db.Where("survey_id = ? AND response_id IN ?", sv.ID, responseIDs).Find(&opts).Error; err != nil {
		return nil, err
	}
	chosen := map[[2]string]map[string]bool{}
	for _, o := range opts {
		k := [2]string{o.ResponseID, o.QuestionKey}
		if chosen[k] == nil {
			chosen[k] = map[string]bool{}
		}
		chosen[k][o.OptionKey] = true
	}
	for _, r := range rows {
		q, ok := sv.Question(r.QuestionKey)
		if !ok {
			continue // a key the survey no longer has cannot be shown
		}
		v := survey.Value{Number: r.NumValue, Bool: r.BoolValue, Text: r.TextValue, Date: r.DateValue}
		if q.Type.IsChoice() {
			v.Options = []string{}
			for _, o := range q.Options { // the question's order
				if chosen[[2]string{r.ResponseID, r.QuestionKey}][o.Key] {
					v.Options = append(v.Options, o.Key)
				}
			}
		}
		if out[r.ResponseID] == nil {
			out[r.ResponseID] = map[string]survey.Value{}
		}
		out[r.ResponseID][r.QuestionKey] = v
	}
	return out, nil
}

// SaveAnswers applies a partial set of answers to the member's response in one
// transaction: all of them, or none when one is bad. Answers that the new ones
// hide are removed. Sending values that are already stored changes nothing, not
// even the version, and records nothing.
func (s *Store) SaveAnswers(ctx context.Context, w Write) (survey.Response, error) {
	return s.write(ctx, w, false)
}

// Submit submits the member's response, with the answers of w if any: every
// required, visible question must then be answered, and all missing ones are named.
// Submitting a submitted response changes nothing.
func (s *Store) Submit(ctx context.Context, w Write) (survey.Response, error) {
	return s.write(ctx, w, true)
}

func (s *Store) write(ctx context.Context, w Write, submit bool) (survey.Response, error) {
	var out survey.Response
	var dropped []survey.Drop
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := s.loadSurvey(tx, w.SurveyID, shareLock)
		if err != nil {
			return err
		}
		out, err = s.save(tx, sv, w, submit, &dropped)
		return err
	})
	if errors.Is(err, errNothingToDo) {
		out, err = s.responseAfterNoop(ctx, w)
		out.Dropped = dropped
		return out, err
	}
	out.Dropped = dropped
	return out, wrap(err, "save response")
}

// responseAfterNoop reads the response that a write left as it was.
func (s *Store) responseAfterNoop(ctx context.Context, w Write) (survey.Response, error) {
	sv, err := s.Survey(ctx, w.SurveyID)
	if err != nil {
		return survey.Response{}, err
	}
	return s.Response(ctx, sv, w.Member)
}

// lockResponse makes sure the member has a response row and locks it for the rest
// of the transaction, so that concurrent writers queue and the second one sees the
// first one's version.
func (s *Store) lockResponse(tx *gorm.DB, sv survey.Survey, member string, by survey.User) (responseRow, error) {
	now := s.Now()
	fresh := responseRow{ID: s.newID("rsp"), SurveyID: sv.ID, MemberCode: member, Status: string(survey.ResponseDraft),
		CreatedAt: now, UpdatedAt: now, UpdatedBy: by.ID}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error; err != nil {
		return responseRow{}, err
	}
	q := tx
	if s.postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row responseRow
	err := q.Where("survey_id = ? AND member_code = ?", sv.ID, member).Take(&row).Error
	return row, err
}

// checkWrite runs the rules that every write of a response obeys.
func (s *Store) checkWrite(tx *gorm.DB, sv survey.Survey, member string, by survey.User) error {
	if err := by.CheckWriteResponse(member); err != nil {
		return err
	}
	ext, err := s.extension(tx, sv.ID, member)
	if err != nil {
		return err
	}
	if err := sv.CheckWritable(s.Now(), ext); err != nil {
		return err
	}
	if ok, err := s.addressed(tx, sv, member); err != nil || !ok {
		if err != nil {
			return err
		}
		return survey.Refusef(survey.NotFound, survey.NotInAudience, "member %q is not in the audience of this survey", member)
	}
	return nil
}

func checkVersion(row responseRow, ifMatch *int) error {
	return survey.CheckVersion(row.Version, ifMatch)
}

// save is the one way answers are written, by SaveAnswers and by Import. It
// records in dropped, when not nil, the answers that conditions hide.
func (s *Store) save(tx *gorm.DB, sv survey.Survey, w Write, submit bool, dropped *[]survey.Drop) (survey.Response, error) {
	if err := s.checkWrite(tx, sv, w.Member, w.By); err != nil {
		return survey.Response{}, err
	}
	row, err := s.lockResponse(tx, sv, w.Member, w.By)
	if err != nil {
		return survey.Response{}, err
	}
	if err := checkVersion(row, w.IfMatch); err != nil {
		return survey.Response{}, err
	}
	status := survey.ResponseStatus(row.Status)
	if status == survey.ResponseSubmitted {
		submit = false // submitting again is a no-op, so that pushes can be repeated
	}
	loaded, err := s.loadAnswers(tx, sv, []string{row.ID})
	if err != nil {
		return survey.Response{}, err
	}
	current := loaded[row.ID]
	next, changes, err := sv.ApplyAnswers(current, w.Answers)
	if err != nil {
		return survey.Response{}, err
	}
	if dropped != nil {
		*dropped = sv.Dropped(current, w.Answers, next)
	}
	if status == survey.ResponseSubmitted || submit {
		// A submitted response stays complete; amendments that break it are refused.
		if err := sv.CheckSubmit(next); err != nil {
			return survey.Response{}, err
		}
	}
	if len(changes) == 0 && !submit {
		if row.Version == 0 { // the row was made for this write: leave no empty response behind
			if err := tx.Delete(&row).Error; err != nil {
				return survey.Response{}, err
			}
			return survey.Response{}, errNothingToDo
		}
		return responseFromRow(row, next), nil
	}
	now := s.Now()
	events, err := s.answerEvents(sv, row.ID, changes, w.By, now)
	if err != nil {
		return survey.Response{}, err
	}
	if err := s.writeAnswers(tx, sv, row.ID, changes); err != nil {
		return survey.Response{}, err
	}
	if submit {
		events = append(events, s.event(row.ID, survey.EventSubmit, w.By, now))
		row.Status, row.SubmittedAt = string(survey.ResponseSubmitted), &now
	}
	if err := tx.Create(&events).Error; err != nil {
		return survey.Response{}, err
	}
	row.Version++
	row.UpdatedAt, row.UpdatedBy = now, w.By.ID
	if err := tx.Save(&row).Error; err != nil {
		return survey.Response{}, err
	}
	if submit {
		if err := s.emit(tx, responseNotification(survey.NotifyResponseSubmitted, sv, row)); err != nil {
			return survey.Response{}, err
		}
	}
	return responseFromRow(row, next), nil
}

// writeAnswers replaces the stored answers of the changed questions: two deletes
// and two batch inserts, however many answers change.
func (s *Store) writeAnswers(tx *gorm.DB, sv survey.Survey, responseID string, changes []survey.Change) error {
	if len(changes) == 0 {
		return nil
	}
	keys := make([]string, len(changes))
	var answers []answerRow
	var options []answerOptionRow
	for i, c := range changes {
		keys[i] = c.Question
		if c.New == nil {
			continue
		}
		v := c.New
		answers = append(answers, answerRow{ResponseID: responseID, SurveyID: sv.ID, QuestionKey: c.Question,
			NumValue: v.Number, BoolValue: v.Bool, TextValue: v.Text, DateValue: v.Date})
		for _, o := range v.Options {
			options = append(options, answerOptionRow{ResponseID: responseID, SurveyID: sv.ID, QuestionKey: c.Question, OptionKey: o})
		}
	}
	if err := tx.Where("response_id = ? AND question_key IN ?", responseID, keys).Delete(&answerRow{}).Error; err != nil {
		return err
	}
	if err := tx.Where("response_id = ? AND question_key IN ?", responseID, keys).Delete(&answerOptionRow{}).Error; err != nil {
		return err
	}
	if len(answers) > 0 {
		if err := tx.CreateInBatches(&answers, 500).Error; err != nil {
			return err
		}
	}
	if len(options) > 0 {
		if err := tx.CreateInBatches(&options, 500).Error; err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) answerEvents(sv survey.Survey, responseID string, changes []survey.Change, by survey.User, at time.Time) ([]eventRow, error) {
	events := make([]eventRow, 0, len(changes)+1)
	for _, c := range changes {
		q, _ := sv.Question(c.Question)
		kind := survey.EventAnswer
		if c.Hidden {
			kind = survey.EventHidden
		}
		e := s.event(responseID, kind, by, at)
		key := c.Question
		e.QuestionKey = &key
		var err error
		if e.OldValue, err = encodeValue(c.Old, q.Type); err != nil {
			return nil, err
		}
		if e.NewValue, err = encodeValue(c.New, q.Type); err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, nil
}

func (s *Store) event(responseID string, kind survey.EventKind, by survey.User, at time.Time) eventRow {
	e := eventRow{ID: s.newID("evt"), ResponseID: responseID, Kind: string(kind), OnBehalf: by.IsSecretariat(), At: at}
	if by.ID != "" {
		id := by.ID
		e.UserID = &id
	}
	return e
}

func encodeValue(v *survey.Value, t survey.QuestionType) (*string, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v.JSON(t))
	if err != nil {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	s := string(raw)
	return &s, nil
}

// Withdraw takes a submitted response back to draft, until the deadline.
func (s *Store) Withdraw(ctx context.Context, w Write) (survey.Response, error) {
	var out survey.Response
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := s.loadSurvey(tx, w.SurveyID, shareLock)
		if err != nil {
			return err
		}
		if err := s.checkWrite(tx, sv, w.Member, w.By); err != nil {
			return err
		}
		row, err := s.lockResponse(tx, sv, w.Member, w.By)
		if err != nil {
			return err
		}
		if err := checkVersion(row, w.IfMatch); err != nil {
			return err
		}
		if row.Status != string(survey.ResponseSubmitted) {
			return survey.Refusef(survey.Conflict, survey.NotSubmitted, "only a submitted response can be withdrawn; this one is a draft")
		}
		now := s.Now()
		e := s.event(row.ID, survey.EventWithdraw, w.By, now)
		if err := tx.Create(&e).Error; err != nil {
			return err
		}
		row.Status, row.SubmittedAt, row.Version, row.UpdatedAt, row.UpdatedBy = string(survey.ResponseDraft), nil, row.Version+1, now, w.By.ID
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		if err := s.emit(tx, responseNotification(survey.NotifyResponseWithdrawn, sv, row)); err != nil {
			return err
		}
		answers, err := s.loadAnswers(tx, sv, []string{row.ID})
		out = responseFromRow(row, answers[row.ID])
		return err
	})
	return out, wrap(err, "withdraw response")
}

// History returns a page of the response's events, oldest first.
func (s *Store) History(ctx context.Context, surveyID, member string, p Page) ([]survey.Event, string, error) {
	db := s.db.WithContext(ctx)
	q := db.Where("response_id = (?)", db.Model(&responseRow{}).Select("id").
		Where("survey_id = ? AND member_code = ?", surveyID, member)).Order("id").Limit(p.limit())
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []eventRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "read history")
	}
	rows, next := cut(rows, p, func(r eventRow) string { return r.ID })
	out := make([]survey.Event, len(rows))
	for i, r := range rows {
		e := survey.Event{ID: r.ID, Kind: survey.EventKind(r.Kind), OnBehalf: r.OnBehalf, At: r.At}
		if r.QuestionKey != nil {
			e.Question = *r.QuestionKey
		}
		if r.UserID != nil {
			e.By = *r.UserID
		}
		for _, v := range []struct {
			raw *string
			dst *any
		}{{r.OldValue, &e.Old}, {r.NewValue, &e.New}} {
			if v.raw != nil {
				if err := json.Unmarshal([]byte(*v.raw), v.dst); err != nil {
					return nil, "", fmt.Errorf("decode event %s: %w", r.ID, err)
				}
			}
		}
		out[i] = e
	}
	return out, next, nil
}

// Responses returns a page of the survey's stored responses, ordered by member,
// without their answers; member narrows the list to one member.
func (s *Store) Responses(ctx context.Context, surveyID, member string, p Page) ([]survey.Response, string, error) {
	q := s.db.WithContext(ctx).Where("survey_id = ?", surveyID).Order("member_code").Limit(p.limit())
	if member != "" {
		q = q.Where("member_code = ?", member)
	}
	if p.After != "" {
		q = q.Where("member_code > ?", p.After)
	}
	var rows []responseRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list responses")
	}
	rows, next := cut(rows, p, func(r responseRow) string { return r.MemberCode })
	out := make([]survey.Response, len(rows))
	for i, r := range rows {
		out[i] = responseFromRow(r, nil)
	}
	return out, next, nil
}

// exportBatch is how many responses EachResponse reads at a time.
const exportBatch = 500

// EachResponse calls fn with the responses to the survey (the submitted ones
// only, if submittedOnly), in member order, reading them a batch at a time so
// that memory does not grow with their number; an error of fn stops it. Each
// batch is read with its answers in one snapshot, but the batches are not one: a
// response written while an export runs appears as it was when its batch was
// read.
func (s *Store) EachResponse(ctx context.Context, sv survey.Survey, submittedOnly bool, fn func(survey.Response) error) error {
	after := ""
	for {
		var rows []responseRow
		var answers map[string]map[string]survey.Value
		// A batch's responses and their answers are one snapshot (see Response);
		// fn is called after it, so that no transaction waits on the caller.
		err := s.snapshot(ctx, func(tx *gorm.DB) error {
			q := tx.Where("survey_id = ? AND member_code > ?", sv.ID, after).Order("member_code").Limit(exportBatch)
			if submittedOnly {
				q = q.Where("status = ?", survey.ResponseSubmitted)
			}
			if err := q.Find(&rows).Error; err != nil {
				return wrap(err, "read responses")
			}
			ids := make([]string, len(rows))
			for i, r := range rows {
				ids[i] = r.ID
			}
			var err error
			if answers, err = s.loadAnswers(tx, sv, ids); err != nil {
				return wrap(err, "read answers")
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(responseFromRow(r, answers[r.ID])); err != nil {
				return err
			}
		}
		if len(rows) < exportBatch {
			return nil
		}
		after = rows[len(rows)-1].MemberCode
	}
}
