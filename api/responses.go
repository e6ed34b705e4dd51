package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// responseResponse is a member's response on the wire, answers by question key.
type responseResponse struct {
	SurveyID    string         `json:"survey_id"`
	Member      string         `json:"member"`
	Status      string         `json:"status"`
	Version     int            `json:"version"`
	Answers     map[string]any `json:"answers"`
	SubmittedAt *time.Time     `json:"submitted_at"`
	UpdatedAt   *time.Time     `json:"updated_at"`
	UpdatedBy   *string        `json:"updated_by"`
	Deadline    *time.Time     `json:"deadline"`
	Locked      bool           `json:"locked"`

	// Evaluated by the server for the caller, by the survey's own rules.
	VisibleQuestions []string        `json:"visible_questions"`
	MissingRequired  []string        `json:"missing_required"`
	CanSubmit        bool            `json:"can_submit"`
	SubmitBlockers   []submitBlocker `json:"submit_blockers"`
	Dropped          []droppedAnswer `json:"dropped"`
}

// submitBlocker is one reason why the caller could not submit the response
// now, as the refusal it would get.
type submitBlocker struct {
	Code   string         `json:"code"`
	Reason string         `json:"reason"`
	Detail string         `json:"detail"`
	Errors []problemField `json:"errors,omitempty"`
}

// droppedAnswer is an answer that a save removed, or did not keep, because a
// condition hides its question.
type droppedAnswer struct {
	Question  string `json:"question"`
	Reason    string `json:"reason"` // always hidden_by_condition
	DependsOn string `json:"depends_on"`
	Stored    bool   `json:"stored"`
	Detail    string `json:"detail"`
}

// responseSummary is a response in a list, without its answers.
type responseSummary struct {
	Member      string     `json:"member"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	SubmittedAt *time.Time `json:"submitted_at"`
	UpdatedAt   *time.Time `json:"updated_at"`
	UpdatedBy   *string    `json:"updated_by"`
}

type answersRequest struct {
	Answers map[string]any `json:"answers" validate:"required"`
}

type eventResponse struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Question *string   `json:"question"`
	Old      any       `json:"old_value"`
	New      any       `json:"new_value"`
	By       *string   `json:"by"`
	OnBehalf bool      `json:"on_behalf"`
	At       time.Time `json:"at"`
}

type progressResponse struct {
	SurveyID string           `json:"survey_id"`
	Totals   progressTotals   `json:"totals"`
	Members  []memberProgress `json:"members"`
}

type progressTotals struct {
	Audience   int `json:"audience"`
	NotStarted int `json:"not_started"`
	Draft      int `json:"draft"`
	Submitted  int `json:"submitted"`
}

type memberProgress struct {
	Member           string     `json:"member"`
	Name             string     `json:"name"`
	Status           string     `json:"status"`
	RequiredAnswered int        `json:"required_answered"`
	RequiredTotal    int        `json:"required_total"`
	LastActivity     *time.Time `json:"last_activity"`
	Deadline         *time.Time `json:"deadline"`
	Flags            []flag     `json:"flags"`
	Told             []told     `json:"told"`
}

// told is one mail queued to one of the member's people about the survey.
type told struct {
	User     string    `json:"user"`
	Email    string    `json:"email"`
	Kind     string    `json:"kind"`
	Template string    `json:"template"`
	State    string    `json:"state"`
	At       time.Time `json:"at"`
}

// flag is a number that moved more than tenfold from the member's previous period.
type flag struct {
	Question string  `json:"question"`
	Value    float64 `json:"value"`
	Previous float64 `json:"previous"`
}

type extensionRequest struct {
	Deadline time.Time `json:"deadline" validate:"required"`
}

type extensionResponse struct {
	Member    string    `json:"member"`
	Deadline  time.Time `json:"deadline"`
	GrantedBy string    `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
}

type importResponse struct {
	DryRun    bool `json:"dry_run"`
	Rows      int  `json:"rows"`
	Changed   int  `json:"changed"`
	Submitted int  `json:"submitted"`
}

func toResponseResponse(sv survey.Survey, r survey.Response, deadline *time.Time, now time.Time, blockers []*survey.Error) responseResponse {
	out := responseResponse{SurveyID: sv.ID, Member: r.Member, Status: string(r.Status), Version: r.Version,
		Answers: make(map[string]any, len(r.Answers)), SubmittedAt: r.SubmittedAt, UpdatedAt: r.UpdatedAt,
		UpdatedBy: optional(r.UpdatedBy), Deadline: deadline,
		Locked:           sv.Status != survey.StatusOpen || (deadline != nil && !now.Before(*deadline)),
		VisibleQuestions: []string{}, MissingRequired: append([]string{}, sv.MissingRequired(r.Answers)...),
		CanSubmit: len(blockers) == 0, SubmitBlockers: make([]submitBlocker, len(blockers)), Dropped: []droppedAnswer{}}
	for key, v := range r.Answers {
		q, _ := sv.Question(key)
		out.Answers[key] = v.JSON(q.Type)
	}
	visible := sv.Visible(r.Answers)
	for _, q := range sv.Questions() {
		if visible[q.Key] {
			out.VisibleQuestions = append(out.VisibleQuestions, q.Key)
		}
	}
	for i, e := range blockers {
		out.SubmitBlockers[i] = submitBlocker{Code: string(e.Code), Reason: string(e.Reason), Detail: e.Message}
		for _, f := range e.Fields {
			out.SubmitBlockers[i].Errors = append(out.SubmitBlockers[i].Errors, problemField{Field: f.Field, Reason: f.Reason})
		}
	}
	for _, d := range r.Dropped {
		how := "was not kept"
		if d.Stored {
			how = "was removed"
		}
		out.Dropped = append(out.Dropped, droppedAnswer{Question: d.Question, Reason: "hidden_by_condition", DependsOn: d.DependsOn,
			Stored: d.Stored, Detail: fmt.Sprintf("the answer to %s %s: its condition on %s does not hold", d.Question, how, d.DependsOn)})
	}
	return out
}

func toResponseSummary(r survey.Response) responseSummary {
	return responseSummary{Member: r.Member, Status: string(r.Status), Version: r.Version, SubmittedAt: r.SubmittedAt,
		UpdatedAt: r.UpdatedAt, UpdatedBy: optional(r.UpdatedBy)}
}

func toEventResponse(e survey.Event) eventResponse {
	return eventResponse{ID: e.ID, Kind: string(e.Kind), Question: optional(e.Question), Old: e.Old, New: e.New,
		By: optional(e.By), OnBehalf: e.OnBehalf, At: e.At}
}

func toExtensionResponse(e survey.Extension) extensionResponse {
	return extensionResponse{Member: e.Member, Deadline: e.Deadline, GrantedBy: e.GrantedBy, GrantedAt: e.GrantedAt}
}

// ifMatch reads the If-Match header: the version the writer last saw, or nil
// when absent (scripts may write over whatever is there).
func ifMatch(c echo.Context) (*int, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	quoted := strings.TrimPrefix(h, "W/")
	if len(quoted) < 3 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' {
		return nil, &survey.Error{Code: survey.Malformed, Message: "If-Match must be the ETag of the response, quoted, such as \"3\"",
			Fields: []survey.FieldError{{Field: "If-Match", Reason: "is not a quoted entity tag"}}}
	}
	v, err := strconv.Atoi(quoted[1 : len(quoted)-1])
	if err != nil || v < 0 {
		return nil, &survey.Error{Code: survey.Malformed, Reason: survey.BadIfMatch, Message: "If-Match must be the ETag of the response, such as \"3\"",
			Fields: []survey.FieldError{{Field: "If-Match", Reason: "is not a version this API sent"}}}
	}
	return &v, nil
}

// respond sends a response with its version as the ETag, and what the caller
// could not submit it for. extra blockers (a stale If-Match) come first.
func (s *Server) respond(c echo.Context, sv survey.Survey, r survey.Response, extra ...*survey.Error) error {
	mine, err := s.store.Extension(c.Request().Context(), sv.ID, r.Member)
	if err != nil {
		return err
	}
	now := s.now()
	blockers := append(extra, sv.SubmitBlockers(caller(c), r.Member, now, mine, r.Answers)...)
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(r.Version)))
	return c.JSON(http.StatusOK, toResponseResponse(sv, r, sv.EffectiveDeadline(mine), now, blockers))
}

// readableResponse returns the survey if the caller may read the member's
// response to it: a survey it cannot see does not exist, another member's
// response is forbidden.
func (s *Server) readableResponse(c echo.Context) (survey.Survey, string, error) {
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return survey.Survey{}, "", err
	}
	member := c.Param("member")
	if !caller(c).CanReadResponse(member) {
		return survey.Survey{}, "", survey.Refusef(survey.Forbidden, survey.NotOwnMember, "this is the response of member %s; you may see only your own member's", member)
	}
	addressed, err := s.store.Addressed(c.Request().Context(), sv, member)
	if err != nil {
		return survey.Survey{}, "", err
	}
	if !addressed {
		return survey.Survey{}, "", survey.Refusef(survey.NotFound, survey.NotInAudience, "member %q is not in the audience of this survey", member)
	}
	return sv, member, nil
}

// getResponse serves GET /v1/surveys/{id}/responses/{member}.
func (s *Server) getResponse(c echo.Context) error {
	sv, member, err := s.readableResponse(c)
	if err != nil {
		return err
	}
	r, err := s.store.Response(c.Request().Context(), sv, member)
	if err != nil {
		return err
	}
	return s.respond(c, sv, r)
}

// saveResponse serves PATCH /v1/surveys/{id}/responses/{member}: a partial save.
func (s *Server) saveResponse(c echo.Context) error {
	return s.writeResponse(c, true, s.store.SaveAnswers)
}

// submitResponse serves POST /v1/surveys/{id}/responses/{member}/submit. With
// dry_run=true it changes nothing and answers with the response and everything
// that would block its submission.
func (s *Server) submitResponse(c echo.Context) error {
	dryRun := boolParam(c, "dry_run")
	if dryRun == nil {
		return queryError("dry_run", "must be true or false")
	}
	if !*dryRun {
		return s.writeResponse(c, false, s.store.Submit)
	}
	return s.checkResponse(c)
}

// checkResponse answers a dry run of submit or withdraw: the response as it
// stands, with everything that would block a submission, a stale If-Match
// among them; nothing is written.
func (s *Server) checkResponse(c echo.Context) error {
	sv, member, err := s.readableResponse(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	r, err := s.store.Response(c.Request().Context(), sv, member)
	if err != nil {
		return err
	}
	var stale []*survey.Error
	var se *survey.Error
	if errors.As(survey.CheckVersion(r.Version, version), &se) {
		stale = append(stale, se)
	}
	return s.respond(c, sv, r, stale...)
}

// withdrawResponse serves POST /v1/surveys/{id}/responses/{member}/withdraw.
// With dry_run=true, as openapi.yaml promises, it changes nothing.
func (s *Server) withdrawResponse(c echo.Context) error {
	dryRun := boolParam(c, "dry_run")
	if dryRun == nil {
		return queryError("dry_run", "must be true or false")
	}
	if *dryRun {
		return s.checkResponse(c)
	}
	return s.writeResponse(c, false, s.store.Withdraw)
}

// writeResponse is the one shape of the three writes: who may write is checked by
// the store, in the transaction that writes.
func (s *Server) writeResponse(c echo.Context, withBody bool, write func(ctx context.Context, w store.Write) (survey.Response, error)) error {
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	w := store.Write{SurveyID: sv.ID, Member: c.Param("member"), IfMatch: version, By: caller(c)}
	if withBody {
		var req answersRequest
		if err := bind(c, &req); err != nil {
			return err
		}
		w.Answers = req.Answers
	}
	r, err := write(c.Request().Context(), w)
	if err != nil {
		return err
	}
	return s.respond(c, sv, r)
}

// listResponses serves GET /v1/surveys/{id}/responses: every stored response for
// the secretariat, its own for a member.
func (s *Server) listResponses(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	member := ""
	if me := caller(c); !me.IsSecretariat() {
		member = me.Member
	}
	rs, next, err := s.store.Responses(c.Request().Context(), sv.ID, member, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(rs, next, toResponseSummary))
}

// responseHistory serves GET /v1/surveys/{id}/responses/{member}/history.
func (s *Server) responseHistory(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	sv, member, err := s.readableResponse(c)
	if err != nil {
		return err
	}
	events, next, err := s.store.History(c.Request().Context(), sv.ID, member, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(events, next, toEventResponse))
}

// surveyProgress serves GET /v1/surveys/{id}/progress.
func (s *Server) surveyProgress(c echo.Context) error {
	sv, err := s.store.Survey(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	members, err := s.store.Progress(c.Request().Context(), sv)
	if err != nil {
		return err
	}
	mails, err := s.store.Told(c.Request().Context(), sv.ID)
	if err != nil {
		return err
	}
	out := progressResponse{SurveyID: sv.ID, Members: make([]memberProgress, len(members))}
	out.Totals.Audience = len(members)
	for i, m := range members {
		out.Members[i] = memberProgress{Member: m.Member, Name: m.Name, Status: string(m.Status),
			RequiredAnswered: m.RequiredAnswered, RequiredTotal: m.RequiredTotal, LastActivity: m.LastActivity, Deadline: m.Deadline,
			Flags: []flag{}, Told: []told{}}
		for _, t := range mails[m.Member] {
			out.Members[i].Told = append(out.Members[i].Told, told{User: t.UserID, Email: t.Email, Kind: string(t.Kind),
				Template: t.Template, State: string(t.State), At: t.At})
		}
		for _, f := range m.Flags {
			out.Members[i].Flags = append(out.Members[i].Flags, flag{Question: f.Question, Value: f.Value, Previous: f.Previous})
		}
		switch m.Status {
		case survey.ResponseNotStarted:
			out.Totals.NotStarted++
		case survey.ResponseDraft:
			out.Totals.Draft++
		case survey.ResponseSubmitted:
			out.Totals.Submitted++
		}
	}
	return c.JSON(http.StatusOK, out)
}

type reminderRequest struct {
	Members []string `json:"members" validate:"max=1000"`
}

type reminderResponse struct {
	SurveyID string    `json:"survey_id"`
	Members  []string  `json:"members"`
	QueuedAt time.Time `json:"queued_at"`
}

// remindNow serves POST /v1/surveys/{id}/reminders: a reminder now, to the
// members named or to every member that has not submitted. The mails go out
// by the same reminder job as the scheduled ones, so the answer is 202.
func (s *Server) remindNow(c echo.Context) error {
	var req reminderRequest
	// The body is optional: none reminds every member that has not submitted.
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413, or a broken connection
	}
	if len(bytes.TrimSpace(body)) > 0 {
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	_, members, err := s.store.RemindNow(c.Request().Context(), c.Param("id"), req.Members)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, reminderResponse{SurveyID: c.Param("id"), Members: members, QueuedAt: s.store.Now().UTC()})
}

// listExtensions serves GET /v1/surveys/{id}/extensions.
func (s *Server) listExtensions(c echo.Context) error {
	sv, err := s.store.Survey(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	exts, err := s.store.Extensions(c.Request().Context(), sv.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(exts, "", toExtensionResponse))
}

// extendDeadline serves PUT /v1/surveys/{id}/extensions/{member}.
func (s *Server) extendDeadline(c echo.Context) error {
	var req extensionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	e, err := s.store.SetExtension(c.Request().Context(), c.Param("id"), c.Param("member"), req.Deadline, caller(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toExtensionResponse(e))
}

// importResponses serves POST /v1/surveys/{id}/imports: a CSV of answers, one row
// a member, written all or nothing.
func (s *Server) importResponses(c echo.Context) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(strings.ToLower(ct), "text/csv") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the upload as text/csv")
	}
	dryRun, submit := boolParam(c, "dry_run"), boolParam(c, "submit")
	if dryRun == nil {
		return queryError("dry_run", "must be true or false")
	}
	if submit == nil {
		return queryError("submit", "must be true or false")
	}
	sv, err := s.store.Survey(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	rows, err := readCSV(c.Request().Body, sv)
	if err != nil {
		return err
	}
	res, err := s.store.Import(c.Request().Context(), sv.ID, rows, *submit, *dryRun, caller(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, importResponse{DryRun: *dryRun, Rows: res.Rows, Changed: res.Changed, Submitted: res.Submitted})
}

// boolParam reads an optional boolean query parameter; nil means malformed.
func boolParam(c echo.Context, name string) *bool {
	v := false
	if s := c.QueryParam(name); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil
		}
		v = b
	}
	return &v
}

// readCSV parses an upload: a header of member and question keys, then one row a
// member. Every header and cell problem is reported at once by line and column.
func readCSV(body io.Reader, sv survey.Survey) ([]store.ImportRow, error) {
	r := csv.NewReader(body)
	r.FieldsPerRecord = -1 // rows of the wrong length are reported below, with the others
	var records [][]string
	var lines []int // the line each record starts on; a quoted cell may span lines
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &survey.Error{Code: survey.Invalid, Reason: survey.BadCSV, Message: "the upload is not valid CSV",
				Fields: []survey.FieldError{{Field: fmt.Sprintf("line %d, column %d", pe.Line, pe.Column), Reason: pe.Err.Error()}}}
		}
		if err != nil {
			return nil, err // the body limit, or a broken connection
		}
		line, _ := r.FieldPos(0)
		if len(records) > MaxImportRows { // the header and MaxImportRows rows are read
			return nil, &survey.Error{Code: survey.Invalid, Message: "the upload has too many rows",
				Fields: []survey.FieldError{{Field: fmt.Sprintf("line %d", line), Reason: fmt.Sprintf("is beyond the limit of %d rows of one import; split the file", MaxImportRows)}}}
		}
		records, lines = append(records, rec), append(lines, line)
	}
	if len(records) > 0 && len(records[0]) > 0 {
		records[0][0] = strings.TrimPrefix(records[0][0], "\ufeff") // the byte-order mark spreadsheets write
	}
	var p survey.Problems
	if len(records) == 0 || len(records[0]) == 0 || strings.TrimSpace(records[0][0]) != "member" {
		p.Add("line 1, column 1", "the first column must be headed member")
		return nil, p.Err("the upload's header is not valid")
	}
	header := records[0]
	questions := make([]survey.Question, len(header))
	seen := map[string]bool{}
	for i, key := range header[1:] {
		key = strings.TrimSpace(key)
		q, ok := sv.Question(key)
		switch {
		case !ok:
			p.Add(fmt.Sprintf("line 1, column %d", i+2), "%q is not a question of this survey", key)
		case seen[key]:
			p.Add(fmt.Sprintf("line 1, column %d", i+2), "%q is a column twice", key)
		}
		seen[key], questions[i+1] = true, q
	}
	if err := p.Err("the upload's header is not valid"); err != nil {
		return nil, err
	}
	rows := make([]store.ImportRow, 0, len(records)-1)
	for n, rec := range records[1:] {
		line := lines[n+1]
		if len(rec) != len(header) {
			p.Add(fmt.Sprintf("line %d", line), "has %d cells; the header has %d", len(rec), len(header))
			continue
		}
		if !storable(rec[0]) {
			p.Add(fmt.Sprintf("line %d, column member", line), "contains a NUL character or invalid UTF-8")
			continue
		}
		row := store.ImportRow{Line: line, Member: strings.TrimSpace(rec[0]), Answers: map[string]any{}}
		for i, cell := range rec[1:] {
			if strings.TrimSpace(cell) == "" {
				continue // an empty cell leaves the answer alone
			}
			q := questions[i+1]
			if !storable(cell) {
				p.Add(fmt.Sprintf("line %d, column %s", line, q.Key), "contains a NUL character or invalid UTF-8")
				continue
			}
			row.Answers[q.Key] = q.ParseCell(cell)
		}
		rows = append(rows, row)
	}
	return rows, p.Err("the upload has rows or cells that cannot be read")
}
