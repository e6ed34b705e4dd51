package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/chart"
	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// resultsChart serves GET /v1/surveys/{id}/results/charts/{question}: the
// chart of one question's result, drawn from the very results the JSON route
// returns to the caller.
func (s *Server) resultsChart(c echo.Context) error {
	f, err := chartFormat(c)
	if err != nil {
		return err
	}
	// The path names the question; readResults narrows by the query's.
	c.QueryParams().Set("question", c.Param("question"))
	var r results.Results
	if err := s.readResults(c, &r); err != nil {
		return err
	}
	if len(r.Questions) != 1 {
		return survey.Errorf(survey.NotFound, "the survey has no question with the key %q", c.Param("question"))
	}
	q := r.Questions[0]
	img, ok, err := chart.Question(f, r, q)
	if err != nil {
		return err
	}
	if !ok {
		return &survey.Error{Code: survey.Malformed, Message: "this question has no chart",
			Fields: []survey.FieldError{{Field: "question", Reason: q.Key + " is a " + string(q.Type) + " question; charts are of choices, booleans, scales and numbers"}}}
	}
	return sendChart(c, f, img)
}

// trendChart serves GET /v1/series/{key}/trends/chart: the trend of one
// metric, drawn from the very points the trends route returns to the caller:
// the group's median and, for a member, its own values.
func (s *Server) trendChart(c echo.Context) error {
	f, err := chartFormat(c)
	if err != nil {
		return err
	}
	var t trendResponse
	if err := s.readTrend(c, c.QueryParam("question"), &t); err != nil {
		return err
	}
	sr, err := s.readableSeries(c)
	if err != nil {
		return err
	}
	prompt := t.Question
	if q, ok := sr.Template.Question(t.Question); ok {
		prompt = q.Prompt
	}
	scope := "all respondents"
	if t.PeerGroup != nil {
		scope = "peer group " + *t.PeerGroup
	}
	tr := chart.Trend{Title: prompt, Periods: make([]string, len(t.Points))}
	median := chart.Line{Name: "Median of " + scope, Values: make([]*float64, len(t.Points))}
	own := chart.Line{Values: make([]*float64, len(t.Points))}
	var suppressed []string
	reason, shown := "", false
	for i, p := range t.Points {
		tr.Periods[i], median.Values[i], own.Values[i] = p.Period, p.Median, p.MemberValue
		shown = shown || p.Median != nil || p.MemberValue != nil
		if p.Suppressed != nil {
			suppressed = append(suppressed, p.Period)
			if reason == "" {
				reason = *p.Suppressed
			}
		}
	}
	tr.Lines = []chart.Line{median}
	if t.Member != nil {
		own.Name = "Member " + *t.Member
		tr.Lines = append(tr.Lines, own)
	}
	tr.Subtitle = sr.Title + ", " + t.From + " to " + t.To + " · the median is marked by squares, the member by circles"
	if len(suppressed) > 0 {
		tr.Subtitle += "\nSuppressed, so left out: " + strings.Join(suppressed, ", ") + " (" + reason + ")"
	}
	var img []byte
	switch {
	case len(t.Points) == 0:
		img, err = chart.Notice(f, prompt, "No period from "+t.From+" to "+t.To+" has an edition you may see.")
	case !shown && reason != "":
		img, err = chart.Notice(f, prompt, "Suppressed: every period from "+t.From+" to "+t.To+" is suppressed for you ("+reason+"). To keep members' answers confidential, this chart shows no figures.")
	case !shown:
		img, err = chart.Notice(f, prompt, "No respondent has answered in any period from "+t.From+" to "+t.To+".")
	default:
		img, err = tr.Render(f)
	}
	if err != nil {
		return err
	}
	return sendChart(c, f, img)
}

func sendChart(c echo.Context, f chart.Format, img []byte) error {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	return c.Blob(http.StatusOK, f.MediaType(), img)
}

// chartFormat is the format of a chart, by ?format= or else by Accept; SVG
// when the client takes anything.
func chartFormat(c echo.Context) (chart.Format, error) {
	f, err := negotiate(c, [][2]string{{"svg", chart.SVG.MediaType()}, {"png", chart.PNG.MediaType()}})
	return chart.Format(f), err
}
