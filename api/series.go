package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/disclosure"
	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

type seriesRequest struct {
	Key          string       `json:"key" validate:"required"`
	Title        string       `json:"title"`
	Description  string       `json:"description"`
	Recurrence   string       `json:"recurrence" validate:"required"`
	OpenDay      int          `json:"open_day"`
	DeadlineDays int          `json:"deadline_days"`
	Template     templateBody `json:"template"`
}

// templateBody is the questionnaire every edition of a series starts from.
type templateBody struct {
	Title         string        `json:"title"`
	Description   string        `json:"description"`
	Topics        []string      `json:"topics"`
	Audience      *audience     `json:"audience"`
	WorkGroup     *string       `json:"work_group"`
	ResultsPolicy *policyBody   `json:"results_policy"`
	Sections      []sectionBody `json:"sections"`
}

type seriesResponse struct {
	seriesRequest
	Editions              []editionResponse `json:"editions"`
	LatestPublishedPeriod *string           `json:"latest_published_period"`
	CreatedAt             time.Time         `json:"created_at"`
	UpdatedAt             time.Time         `json:"updated_at"`
}

type editionResponse struct {
	SurveyID string     `json:"survey_id"`
	Period   string     `json:"period"`
	Status   string     `json:"status"`
	Deadline *time.Time `json:"deadline"`
}

type editionRequest struct {
	Period string `json:"period" validate:"required"`
}

type trendResponse struct {
	Series                string      `json:"series"`
	Question              string      `json:"question"`
	Member                *string     `json:"member"`
	PeerGroup             *string     `json:"peer_group"`
	From                  string      `json:"from"`
	To                    string      `json:"to"`
	LatestPublishedPeriod *string     `json:"latest_published_period"`
	OpenPeriod            *string     `json:"open_period"`
	Points                []trendItem `json:"points"`
}

type trendItem struct {
	Period      string   `json:"period"`
	SurveyID    string   `json:"survey_id"`
	N           *int     `json:"n"`
	Total       *float64 `json:"total"`
	Median      *float64 `json:"median"`
	Suppressed  *string  `json:"suppressed"`
	Code        *string  `json:"code"`
	TotalMoM    *float64 `json:"total_mom"`
	TotalYoY    *float64 `json:"total_yoy"`
	MemberValue *float64 `json:"member_value"`
	MemberShare *float64 `json:"member_share"`
	MemberMoM   *float64 `json:"member_mom"`
	MemberYoY   *float64 `json:"member_yoy"`
}

func (r seriesRequest) toSeries() survey.Series {
	t := surveyBody{Title: r.Template.Title, Description: r.Template.Description, Topics: r.Template.Topics,
		Audience: r.Template.Audience, WorkGroup: r.Template.WorkGroup, ResultsPolicy: r.Template.ResultsPolicy, Sections: r.Template.Sections}.toSurvey()
	return survey.Series{Key: r.Key, Title: r.Title, Description: r.Description, Recurrence: survey.Recurrence(r.Recurrence),
		Template: t, OpenDay: r.OpenDay, DeadlineDays: r.DeadlineDays}
}

func toSeriesResponse(sr survey.Series, editions []store.Edition) seriesResponse {
	t := toSurveyBody(sr.Template)
	out := seriesResponse{seriesRequest: seriesRequest{Key: sr.Key, Title: sr.Title, Description: sr.Description,
		Recurrence: string(sr.Recurrence), OpenDay: sr.OpenDay, DeadlineDays: sr.DeadlineDays,
		Template: templateBody{Title: t.Title, Description: t.Description, Topics: t.Topics, Audience: t.Audience,
			WorkGroup: t.WorkGroup, ResultsPolicy: t.ResultsPolicy, Sections: t.Sections}},
		Editions: make([]editionResponse, len(editions)), CreatedAt: sr.CreatedAt, UpdatedAt: sr.UpdatedAt}
	for i, e := range editions {
		out.Editions[i] = editionResponse{SurveyID: e.SurveyID, Period: e.Period, Status: string(e.Status), Deadline: e.Deadline}
		if e.Status == survey.StatusPublished {
			out.LatestPublishedPeriod = &out.Editions[i].Period
		}
	}
	return out
}

// listSeries serves GET /v1/series.
func (s *Server) listSeries(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	all, next, err := s.store.SeriesList(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := listResponse[seriesResponse]{Items: make([]seriesResponse, len(all))}
	for i, sr := range all {
		editions, err := s.store.Editions(c.Request().Context(), sr.Key, nil)
		if err != nil {
			return err
		}
		out.Items[i] = toSeriesResponse(sr, editions)
	}
	out.NextCursor = cursorOf(next)
	return c.JSON(http.StatusOK, out)
}

// createSeries serves POST /v1/series.
func (s *Server) createSeries(c echo.Context) error {
	var req seriesRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sr, err := s.store.CreateSeries(c.Request().Context(), req.toSeries(), caller(c).ID)
	if err != nil {
		return err
	}
	return created(c, "/v1/series/"+url.PathEscape(sr.Key), toSeriesResponse(sr, nil))
}

// getSeries serves GET /v1/series/{key}: the series, its editions by period and
// the latest published period, which front ends show.
func (s *Server) getSeries(c echo.Context) error {
	sr, err := s.store.Series(c.Request().Context(), c.Param("key"))
	if err != nil {
		return err
	}
	editions, err := s.store.Editions(c.Request().Context(), sr.Key, nil)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSeriesResponse(sr, editions))
}

// createEdition serves POST /v1/series/{key}/editions: the edition of a period,
// made and opened by hand.
func (s *Server) createEdition(c echo.Context) error {
	var req editionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sv, err := s.store.CreateEdition(c.Request().Context(), c.Param("key"), req.Period, caller(c).ID)
	if err != nil {
		return err
	}
	return created(c, surveyLocation(sv), toSurveyResponse(sv))
}

// seriesTrends serves GET /v1/series/{key}/trends.
func (s *Server) seriesTrends(c echo.Context) error {
	var t trendResponse
	if err := s.readTrend(c, c.QueryParam("question"), &t); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

// readableSeries returns the series of the path if the caller may read it: a
// member reads a series like its editions, by the members it is addressed to.
func (s *Server) readableSeries(c echo.Context) (survey.Series, error) {
	ctx := c.Request().Context()
	sr, err := s.store.Series(ctx, c.Param("key"))
	if err != nil {
		return sr, err
	}
	if me := caller(c); !me.IsSecretariat() {
		in, err := s.store.AudienceIncludes(ctx, sr.Template.Audience, me.Member)
		if err != nil {
			return sr, err
		}
		if !in {
			return sr, survey.Refusef(survey.NotFound, survey.NoSuchSeries, "no series has the key %q", sr.Key)
		}
	}
	return sr, nil
}

// readTrend sets out to the trend of the series' metric key as the caller may
// see it, with the query's member, peer_group, from and to: the one reading of
// trends that the JSON, the exports and the charts share.
func (s *Server) readTrend(c echo.Context, key string, out *trendResponse) error {
	ctx := c.Request().Context()
	sr, err := s.readableSeries(c)
	if err != nil {
		return err
	}
	if key == "" {
		return queryError("question", "is required: the key of a numeric question of the series")
	}
	q, ok := sr.Template.Question(key)
	if !ok {
		return survey.Refusef(survey.NotFound, survey.NoSuchMetric, "series %s has no metric %q", sr.Key, key)
	}
	if q.Type != survey.Integer && q.Type != survey.Number && q.Type != survey.Percentage {
		return queryError("question", q.Key+" is a "+string(q.Type)+" question; trends are of numbers")
	}
	from, to, err := trendRange(c, sr, s.now())
	if err != nil {
		return err
	}
	me := caller(c)
	member := c.QueryParam("member")
	switch {
	case !me.IsSecretariat() && member == "":
		member = me.Member
	case !me.IsSecretariat() && member != me.Member:
		return survey.Refusef(survey.Forbidden, survey.NotOwnMember, "you may follow the values of your own member only")
	case member != "":
		if _, err := s.store.Member(ctx, member); err != nil {
			return err
		}
	}
	group := c.QueryParam("peer_group")
	inScope := member != "" // the member is among the respondents counted, so it has a share
	if group != "" {
		g, err := s.store.PeerGroup(ctx, group)
		if err != nil {
			return err
		}
		inScope = inScope && slices.Contains(g.Members, member)
	}
	statuses := []survey.Status{survey.StatusPublished}
	if me.IsSecretariat() {
		statuses = append(statuses, survey.StatusOpen, survey.StatusClosed)
	}
	back := 1
	if from.Monthly() {
		back = 12
	}
	points, err := s.store.Trend(ctx, store.TrendQuery{Series: sr.Key, Question: q.Key, Member: member, PeerGroup: group,
		From: from.Add(-back).String(), To: to.String(), Statuses: statuses, Published: !me.IsSecretariat()})
	if err != nil {
		return err
	}
	latest, err := s.store.LatestPublished(ctx, sr.Key)
	if err != nil {
		return err
	}
	*out = trendResponse{Series: sr.Key, Question: q.Key, Member: optional(member), PeerGroup: optional(group),
		From: from.String(), To: to.String(), LatestPublishedPeriod: optional(latest), Points: []trendItem{}}
	// A range that reaches the current period, not yet published, says so.
	if current := periodNow(s.now(), to); to.String() >= current.String() && latest < current.String() {
		out.OpenPeriod = optional(current.String())
	}
	var codes map[string]disclosure.Code
	if !me.IsSecretariat() {
		if codes, err = s.trendCodes(ctx, points, group, q.Key); err != nil {
			return err
		}
	}
	for _, r := range results.Trend(me, points, from.String(), inScope, codes) {
		item := trendItem{Period: r.Period, SurveyID: r.SurveyID, N: r.N, Total: r.Total, Median: r.Median,
			Suppressed: optional(r.Suppressed), Code: optional(string(r.Code)), TotalMoM: r.TotalMoM, TotalYoY: r.TotalYoY, MemberValue: r.Value,
			MemberShare: r.Share, MemberMoM: r.ValueMoM, MemberYoY: r.ValueYoY}
		out.Points = append(out.Points, item)
	}
	s.metrics.ResultsServed("trend", "computed")
	return nil
}

// trendCodes returns, by edition, the disclosure audit's decision for the
// question over the scope (the group as published in that period): in one
// query for the periods audited, auditing first the few that are not (editions
// published before the audit existed).
func (s *Server) trendCodes(ctx context.Context, points []survey.TrendPoint, group, question string) (map[string]disclosure.Code, error) {
	ids := make([]string, len(points))
	for i, p := range points {
		ids[i] = p.SurveyID
	}
	cell := store.CellKey{Group: group, Question: question}
	codes, audited, err := s.store.CellDecisions(ctx, ids, cell)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if audited[id] {
			continue
		}
		sv, err := s.store.Survey(ctx, id)
		if err != nil {
			return nil, err
		}
		if _, err := s.disclosure(ctx, sv); err != nil {
			return nil, err
		}
		// Auditing one period audits every edition of its series not audited yet.
		if codes, audited, err = s.store.CellDecisions(ctx, ids, cell); err != nil {
			return nil, err
		}
	}
	out := make(map[string]disclosure.Code, len(points))
	for _, id := range ids {
		code, ok := codes[id]
		switch {
		case ok:
			out[id] = disclosure.Code(code)
		case group != "":
			out[id] = disclosure.BelowThreshold // the group had no members when the period was published
		default:
			out[id] = disclosure.WouldDisclose
		}
	}
	return out, nil
}

// periodNow is the current period, of the kind of like: a month or a year.
func periodNow(now time.Time, like survey.Period) survey.Period {
	if like.Monthly() {
		return survey.RecurMonthly.PeriodAt(now)
	}
	return survey.RecurYearly.PeriodAt(now)
}

// maxTrendPeriods bounds one trend request: ten years of months.
const maxTrendPeriods = 120

// trendRange reads from and to: periods of the series, from not after to. By
// default the two years (or five years) up to the current period.
func trendRange(c echo.Context, sr survey.Series, now time.Time) (survey.Period, survey.Period, error) {
	recur := sr.Recurrence
	if recur == survey.RecurNone {
		recur = survey.RecurYearly
	}
	to := recur.PeriodAt(now)
	if v := c.QueryParam("to"); v != "" {
		p, err := sr.CheckPeriod(v)
		if err != nil {
			return to, to, queryError("to", err.(*survey.Error).Fields[0].Reason)
		}
		to = p
	}
	from := to.Add(-23)
	if !to.Monthly() {
		from = to.Add(-4)
	}
	if v := c.QueryParam("from"); v != "" {
		p, err := sr.CheckPeriod(v)
		if err != nil {
			return from, to, queryError("from", err.(*survey.Error).Fields[0].Reason)
		}
		from = p
	}
	switch {
	case from.Monthly() != to.Monthly():
		return from, to, queryError("from", "from and to must both be months or both be years")
	case from.String() > to.String():
		return from, to, queryError("from", "is after to ("+to.String()+")")
	case periodsBetween(from, to) > maxTrendPeriods:
		return from, to, queryError("from", "the range is longer than 120 periods")
	}
	return from, to, nil
}

func periodsBetween(from, to survey.Period) int {
	if !from.Monthly() {
		return to.Year - from.Year + 1
	}
	return (to.Year*12 + to.Month) - (from.Year*12 + from.Month) + 1
}
