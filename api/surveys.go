package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// surveyBody is a survey's definition as the secretariat writes it (POST, PUT)
// and as everyone reads it.
type surveyBody struct {
	Title         string        `json:"title"`
	Description   string        `json:"description"`
	Topics        []string      `json:"topics"`
	Series        *string       `json:"series"`
	Edition       string        `json:"edition"`
	Audience      *audience     `json:"audience"`
	WorkGroup     *string       `json:"work_group"`
	Deadline      *time.Time    `json:"deadline"`
	ResultsPolicy *policyBody   `json:"results_policy"`
	Sections      []sectionBody `json:"sections"`
}

// audience names who a survey is for: a peer group, or (null) all active members.
type audience struct {
	PeerGroup *string `json:"peer_group"`
}

type policyBody struct {
	Visibility      *string `json:"visibility"`
	MinRespondents  *int    `json:"min_respondents"`
	RespondentsOnly *bool   `json:"respondents_only"`
}

type sectionBody struct {
	Key         string         `json:"key"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Questions   []questionBody `json:"questions"`

	TitleTranslations       map[string]string `json:"title_translations,omitempty"`
	DescriptionTranslations map[string]string `json:"description_translations,omitempty"`
}

type questionBody struct {
	Key         string           `json:"key"`
	Type        string           `json:"type"`
	Prompt      string           `json:"prompt"`
	Help        string           `json:"help,omitempty"`
	Required    bool             `json:"required"`
	Unit        string           `json:"unit,omitempty"`
	Magnitude   bool             `json:"magnitude,omitempty"`
	Options     []optionBody     `json:"options,omitempty"`
	Constraints *constraintsBody `json:"constraints,omitempty"`
	Condition   *conditionBody   `json:"condition,omitempty"`

	PromptTranslations map[string]string `json:"prompt_translations,omitempty"`
	HelpTranslations   map[string]string `json:"help_translations,omitempty"`
}

type optionBody struct {
	Key   string `json:"key"`
	Label string `json:"label"`

	LabelTranslations map[string]string `json:"label_translations,omitempty"`
}

type constraintsBody struct {
	Min           *float64 `json:"min,omitempty"`
	Max           *float64 `json:"max,omitempty"`
	MinDate       *string  `json:"min_date,omitempty"`
	MaxDate       *string  `json:"max_date,omitempty"`
	MaxLength     *int     `json:"max_length,omitempty"`
	MinSelections *int     `json:"min_selections,omitempty"`
	MaxSelections *int     `json:"max_selections,omitempty"`
	ScaleSize     *int     `json:"scale_size,omitempty"`
}

type conditionBody struct {
	Question string `json:"question"`
	Operator string `json:"operator"`
	Value    any    `json:"value,omitempty"`
	Values   []any  `json:"values,omitempty"`
}

// surveyResponse is a whole survey on the wire.
type surveyResponse struct {
	ID string `json:"id"`
	surveyBody
	Period      *string              `json:"period"`
	Language    string               `json:"language"`  // the language of the texts above
	Languages   []string             `json:"languages"` // every language the survey has texts in, English first
	Status      string               `json:"status"`
	Transitions []transitionResponse `json:"transitions"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
}

type transitionResponse struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// surveySummary is a survey in a list: what a picker shows, without the questions.
type surveySummary struct {
	ID            string     `json:"id"`
	Title         string     `json:"title"`
	Topics        []string   `json:"topics"`
	Series        *string    `json:"series"`
	Edition       string     `json:"edition"`
	Audience      audience   `json:"audience"`
	WorkGroup     *string    `json:"work_group"`
	Deadline      *time.Time `json:"deadline"`
	Status        string     `json:"status"`
	QuestionCount int        `json:"question_count"`
	UpdatedAt     time.Time  `json:"updated_at"`

	// For a member's user: where its member stands, and whether it may read the results.
	Response *standingResponse `json:"response,omitempty"`
	Results  *resultsAccess    `json:"results,omitempty"`
	// For the secretariat: how many responses are stored.
	ResponseCounts *responseCounts `json:"response_counts,omitempty"`
}

// standingResponse is where the caller's member stands on a survey in a list.
type standingResponse struct {
	Status   string     `json:"status"` // not_started, draft, submitted, withdrawn
	Deadline *time.Time `json:"deadline"`
	Extended bool       `json:"extended"`
}

// resultsAccess says whether the caller may read a survey's results now, and
// if not, the reason code of the refusal it would get.
type resultsAccess struct {
	Readable bool    `json:"readable"`
	Reason   *string `json:"reason"`
}

type responseCounts struct {
	Draft     int `json:"draft"`
	Submitted int `json:"submitted"`
}

// surveyPatch changes some top-level fields of a survey; absent or null fields
// stay as they are.
type surveyPatch struct {
	Title         *string     `json:"title"`
	Description   *string     `json:"description"`
	Topics        *[]string   `json:"topics"`
	Edition       *string     `json:"edition"`
	Deadline      *time.Time  `json:"deadline"`
	ResultsPolicy *policyBody `json:"results_policy"`
}

type cloneRequest struct {
	Edition string `json:"edition" validate:"required,max=64"`
	Title   string `json:"title" validate:"max=300"`
}

func (b surveyBody) toSurvey() survey.Survey {
	s := survey.Survey{Title: b.Title, Description: b.Description, Topics: b.Topics, Edition: b.Edition,
		Deadline: b.Deadline, Policy: b.ResultsPolicy.apply(survey.DefaultResultsPolicy())}
	if s.Topics == nil {
		s.Topics = []string{}
	}
	if b.Series != nil {
		s.Series = *b.Series
	}
	if b.Audience != nil && b.Audience.PeerGroup != nil {
		s.Audience = *b.Audience.PeerGroup
	}
	if b.WorkGroup != nil {
		s.WorkGroup = *b.WorkGroup
	}
	if s.Deadline != nil {
		d := s.Deadline.UTC()
		s.Deadline = &d
	}
	s.Sections = make([]survey.Section, len(b.Sections))
	for i, sec := range b.Sections {
		out := survey.Section{Key: sec.Key, Title: sec.Title, Description: sec.Description,
			Questions: make([]survey.Question, len(sec.Questions)), TitleTranslations: sec.TitleTranslations,
			DescriptionTranslations: sec.DescriptionTranslations}
		for j, q := range sec.Questions {
			out.Questions[j] = q.toQuestion()
		}
		s.Sections[i] = out
	}
	return s
}

func (p *policyBody) apply(pol survey.ResultsPolicy) survey.ResultsPolicy {
	if p == nil {
		return pol
	}
	if p.Visibility != nil {
		pol.Visibility = survey.Visibility(*p.Visibility)
	}
	if p.MinRespondents != nil {
		pol.MinRespondents = *p.MinRespondents
	}
	if p.RespondentsOnly != nil {
		pol.RespondentsOnly = *p.RespondentsOnly
	}
	return pol
}

func (q questionBody) toQuestion() survey.Question {
	out := survey.Question{Key: q.Key, Type: survey.QuestionType(q.Type), Prompt: q.Prompt, Help: q.Help,
		Required: q.Required, Unit: q.Unit, PromptTranslations: q.PromptTranslations, HelpTranslations: q.HelpTranslations, Magnitude: q.Magnitude}
	for _, o := range q.Options {
		out.Options = append(out.Options, survey.Option{Key: o.Key, Label: o.Label, LabelTranslations: o.LabelTranslations})
	}
	if c := q.Constraints; c != nil {
		out.Constraints = survey.Constraints{Min: c.Min, Max: c.Max, MinDate: c.MinDate, MaxDate: c.MaxDate,
			MaxLength: c.MaxLength, MinSelections: c.MinSelections, MaxSelections: c.MaxSelections, ScaleSize: c.ScaleSize}
	}
	if c := q.Condition; c != nil {
		out.Condition = &survey.Condition{Question: c.Question, Operator: survey.Operator(c.Operator), Value: c.Value, Values: c.Values}
	}
	return out
}

func toSurveyBody(s survey.Survey) surveyBody {
	vis, k, ro := string(s.Policy.Visibility), s.Policy.MinRespondents, s.Policy.RespondentsOnly
	b := surveyBody{Title: s.Title, Description: s.Description, Topics: s.Topics, Edition: s.Edition,
		Audience: &audience{PeerGroup: optional(s.Audience)}, WorkGroup: optional(s.WorkGroup), Series: optional(s.Series), Deadline: s.Deadline,
		ResultsPolicy: &policyBody{Visibility: &vis, MinRespondents: &k, RespondentsOnly: &ro},
		Sections:      make([]sectionBody, len(s.Sections))}
	for i, sec := range s.Sections {
		sb := sectionBody{Key: sec.Key, Title: sec.Title, Description: sec.Description, Questions: make([]questionBody, len(sec.Questions)),
			TitleTranslations: sec.TitleTranslations, DescriptionTranslations: sec.DescriptionTranslations}
		for j, q := range sec.Questions {
			sb.Questions[j] = toQuestionBody(q)
		}
		b.Sections[i] = sb
	}
	return b
}

func toQuestionBody(q survey.Question) questionBody {
	out := questionBody{Key: q.Key, Type: string(q.Type), Prompt: q.Prompt, Help: q.Help, Required: q.Required, Unit: q.Unit,
		PromptTranslations: q.PromptTranslations, HelpTranslations: q.HelpTranslations, Magnitude: q.Magnitude}
	for _, o := range q.Options {
		out.Options = append(out.Options, optionBody{Key: o.Key, Label: o.Label, LabelTranslations: o.LabelTranslations})
	}
	if c := q.Constraints; c != (survey.Constraints{}) {
		out.Constraints = &constraintsBody{Min: c.Min, Max: c.Max, MinDate: c.MinDate, MaxDate: c.MaxDate,
			MaxLength: c.MaxLength, MinSelections: c.MinSelections, MaxSelections: c.MaxSelections, ScaleSize: c.ScaleSize}
	}
	if c := q.Condition; c != nil {
		out.Condition = &conditionBody{Question: c.Question, Operator: string(c.Operator), Value: c.Value, Values: c.Values}
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toSurveyResponse(s survey.Survey) surveyResponse {
	out := surveyResponse{ID: s.ID, surveyBody: toSurveyBody(s), Period: optional(s.Period), Status: string(s.Status),
		Language: survey.English, Languages: s.Languages(),
		Transitions: make([]transitionResponse, len(s.Transitions)), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	for i, t := range s.Transitions {
		out.Transitions[i] = transitionResponse{From: string(t.From), To: string(t.To), By: t.By, At: t.At}
	}
	return out
}

func toSurveySummary(s survey.Survey) surveySummary {
	return surveySummary{ID: s.ID, Title: s.Title, Topics: s.Topics, Series: optional(s.Series), Edition: s.Edition,
		Audience: audience{PeerGroup: optional(s.Audience)}, WorkGroup: optional(s.WorkGroup), Deadline: s.Deadline, Status: string(s.Status),
		QuestionCount: len(s.Questions()), UpdatedAt: s.UpdatedAt}
}

// listSurveys serves GET /v1/surveys. Members see only the surveys addressed to
// them, never drafts.
func (s *Server) listSurveys(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.SurveyFilter{Status: survey.Status(c.QueryParam("status")), Topic: c.QueryParam("topic"), Series: c.QueryParam("series"),
		WorkGroup: c.QueryParam("work_group")}
	if f.Status != "" && !validStatus(f.Status) {
		return queryError("status", "must be one of draft, open, closed, published")
	}
	if me := caller(c); !me.IsSecretariat() {
		f.Member, f.Runs = me.Member, me.Chaired
	}
	surveys, next, err := s.store.Surveys(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	out := list(surveys, next, toSurveySummary)
	if err := s.addStandings(c, surveys, out.Items); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// addStandings adds to a page of surveys what the caller needs beside each: for
// a member's user its member's standing and access to results, for the
// secretariat the response counts. One or two queries for the whole page.
func (s *Server) addStandings(c echo.Context, surveys []survey.Survey, items []surveySummary) error {
	ids := make([]string, len(surveys))
	for i, sv := range surveys {
		ids[i] = sv.ID
	}
	me := caller(c)
	if me.IsSecretariat() {
		counts, err := s.store.ResponseCounts(c.Request().Context(), ids)
		if err != nil {
			return err
		}
		for i, sv := range surveys {
			n := counts[sv.ID]
			items[i].ResponseCounts = &responseCounts{Draft: n[survey.ResponseDraft], Submitted: n[survey.ResponseSubmitted]}
		}
		return nil
	}
	standings, err := s.store.Standings(c.Request().Context(), ids, me.Member)
	if err != nil {
		return err
	}
	for i, sv := range surveys {
		st := standings[sv.ID]
		status := string(st.Status)
		if st.Withdrawn {
			status = "withdrawn"
		}
		items[i].Response = &standingResponse{Status: status, Deadline: sv.EffectiveDeadline(st.Extension),
			Extended: st.Extension != nil && sv.EffectiveDeadline(st.Extension) == st.Extension}
		access := &resultsAccess{Readable: true}
		if err := results.CheckAccess(sv, me, st.Status == survey.ResponseSubmitted); err != nil {
			access.Readable, access.Reason = false, optional(string(survey.ErrorReason(err)))
		}
		items[i].Results = access
	}
	return nil
}

func validStatus(st survey.Status) bool {
	for _, s := range survey.Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// createSurvey serves POST /v1/surveys: a new draft.
func (s *Server) createSurvey(c echo.Context) error {
	var req surveyBody
	if err := bind(c, &req); err != nil {
		return err
	}
	next := req.toSurvey()
	if err := caller(c).CheckAuthorIn(next.WorkGroup); err != nil {
		return err
	}
	sv, err := s.store.CreateSurvey(c.Request().Context(), next, caller(c).ID)
	if err != nil {
		return err
	}
	return created(c, surveyLocation(sv), toSurveyResponse(sv))
}

// getSurvey serves GET /v1/surveys/{id}, its texts in the language that
// ?lang= or Accept-Language chooses (see chooseLanguage).
func (s *Server) getSurvey(c echo.Context) error {
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	lang, err := chooseLanguage(c, sv.Languages())
	if err != nil {
		return err
	}
	out := toSurveyResponse(sv.Localized(lang))
	out.Language = lang
	return c.JSON(http.StatusOK, out)
}

// readableSurvey returns the survey if the caller may read it; to anybody else it
// does not exist.
func (s *Server) readableSurvey(c echo.Context, id string) (survey.Survey, error) {
	ctx := c.Request().Context()
	sv, err := s.store.Survey(ctx, id)
	if err != nil {
		return survey.Survey{}, err
	}
	me := caller(c)
	addressed := false
	if !me.IsSecretariat() {
		if addressed, err = s.store.Addressed(ctx, sv, me.Member); err != nil {
			return survey.Survey{}, err
		}
	}
	if !sv.ReadableBy(me, addressed) {
		return survey.Survey{}, survey.Refusef(survey.NotFound, survey.NoSuchSurvey, "no survey has the id %q", id)
	}
	return sv, nil
}

// replaceSurvey serves PUT /v1/surveys/{id}: the whole definition at once, which is
// also how sections and questions are reordered.
func (s *Server) replaceSurvey(c echo.Context) error {
	var req surveyBody
	if err := bind(c, &req); err != nil {
		return err
	}
	next := req.toSurvey()
	// A chair may not move a survey out of the groups it chairs.
	if err := caller(c).CheckAuthorIn(next.WorkGroup); err != nil {
		return err
	}
	sv, err := s.store.EditSurvey(c.Request().Context(), c.Param("id"), func(survey.Survey) survey.Survey { return next })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSurveyResponse(sv))
}

// updateSurvey serves PATCH /v1/surveys/{id}.
func (s *Server) updateSurvey(c echo.Context) error {
	var req surveyPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	sv, err := s.store.EditSurvey(c.Request().Context(), c.Param("id"), req.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSurveyResponse(sv))
}

func (p surveyPatch) apply(s survey.Survey) survey.Survey {
	if p.Title != nil {
		s.Title = *p.Title
	}
	if p.Description != nil {
		s.Description = *p.Description
	}
	if p.Topics != nil {
		s.Topics = *p.Topics
	}
	if p.Edition != nil {
		s.Edition = *p.Edition
	}
	if p.Deadline != nil {
		d := p.Deadline.UTC()
		s.Deadline = &d
	}
	s.Policy = p.ResultsPolicy.apply(s.Policy)
	return s
}

// deleteSurvey serves DELETE /v1/surveys/{id}: drafts only.
func (s *Server) deleteSurvey(c echo.Context) error {
	if err := s.store.DeleteSurvey(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// transition returns the handler of POST /v1/surveys/{id}/open, close and publish.
func (s *Server) transition(to survey.Status) echo.HandlerFunc {
	return func(c echo.Context) error {
		if to == survey.StatusPublished {
			// Publication runs the disclosure audit over every answer, which at
			// tens of thousands of respondents takes longer than the server's
			// write timeout; the client is waiting for it, not idle. An error
			// means the writer takes no deadlines (a test recorder).
			_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(publishWriteTimeout))
		}
		sv, err := s.store.TransitionSurvey(c.Request().Context(), c.Param("id"), to, caller(c).ID)
		if err != nil {
			return err
		}
		if to == survey.StatusPublished {
			return s.published(c, sv)
		}
		return c.JSON(http.StatusOK, toSurveyResponse(sv))
	}
}

// publishWriteTimeout bounds a publication's answer instead of the server's
// write timeout.
const publishWriteTimeout = 15 * time.Minute

// cloneSurvey serves POST /v1/surveys/{id}/clone: a new draft edition of the series.
func (s *Server) cloneSurvey(c echo.Context) error {
	var req cloneRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sv, err := s.store.CloneSurvey(c.Request().Context(), c.Param("id"), req.Edition, req.Title, caller(c).ID)
	if err != nil {
		return err
	}
	return created(c, surveyLocation(sv), toSurveyResponse(sv))
}

// surveyLocation is the path of a survey, for the Location of a 201.
func surveyLocation(sv survey.Survey) string { return "/v1/surveys/" + url.PathEscape(sv.ID) }
