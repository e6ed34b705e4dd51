package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

type resultsResponse struct {
	SurveyID      string             `json:"survey_id"`
	Title         string             `json:"title"`
	Edition       string             `json:"edition"`
	Status        string             `json:"status"`
	ResultsPolicy policyBody         `json:"results_policy"`
	PeerGroup     *string            `json:"peer_group"`
	Respondents   int                `json:"respondents"`
	Comparison    *editionRef        `json:"comparison"`
	Notes         []string           `json:"notes"`
	Questions     []questionResponse `json:"questions"`
}

// editionRef names the edition results are compared with.
type editionRef struct {
	SurveyID string `json:"survey_id"`
	Edition  string `json:"edition"`
	Title    string `json:"title"`
}

type questionResponse struct {
	Key        string            `json:"key"`
	Type       string            `json:"type"`
	Prompt     string            `json:"prompt"`
	Section    string            `json:"section"`
	N          *int              `json:"n"`
	Suppressed *string           `json:"suppressed"`
	Options    []optionCount     `json:"options,omitempty"`
	Numeric    *numericResponse  `json:"numeric,omitempty"`
	Own        *ownResponse      `json:"own,omitempty"`
	Named      []namedAnswer     `json:"named,omitempty"`
	Previous   *questionResponse `json:"previous,omitempty"`
	Change     *changeResponse   `json:"change,omitempty"`
}

type optionCount struct {
	Key   string  `json:"key"`
	Label string  `json:"label"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

type numericResponse struct {
	Mean      float64       `json:"mean"`
	Q1        float64       `json:"q1"`
	Median    float64       `json:"median"`
	Q3        float64       `json:"q3"`
	Histogram []binResponse `json:"histogram"`
}

type binResponse struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Count int     `json:"count"`
}

type ownResponse struct {
	Answer         any            `json:"answer"`
	PercentileRank *float64       `json:"percentile_rank,omitempty"`
	SameChoice     map[string]int `json:"same_choice,omitempty"`
}

type namedAnswer struct {
	Member string `json:"member"`
	Answer any    `json:"answer"`
}

type changeResponse struct {
	Shares map[string]float64 `json:"shares,omitempty"`
	Median *float64           `json:"median,omitempty"`
	Mean   *float64           `json:"mean,omitempty"`
}

// surveyResults serves GET /v1/surveys/{id}/results.
func (s *Server) surveyResults(c echo.Context) error {
	var r results.Results
	if err := s.readResults(c, &r); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toResultsResponse(r, r.Notes))
}

// readResults sets out to the results of the survey of the path as the caller
// may see them, with the query's peer_group, question and compare: the one
// reading of results that the JSON, the exports and the charts share.
func (s *Server) readResults(c echo.Context, out *results.Results) error {
	ctx := c.Request().Context()
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	group, only := c.QueryParam("peer_group"), c.QueryParam("question")
	compare := c.QueryParam("compare")
	if compare != "" && compare != "previous" {
		return queryError("compare", "the only comparison is previous")
	}
	if group != "" {
		if _, err := s.store.PeerGroup(ctx, group); err != nil {
			return err
		}
	}
	if only != "" {
		if _, ok := sv.Question(only); !ok {
			return survey.Errorf(survey.NotFound, "the survey has no question with the key %q", only)
		}
	}
	me := caller(c)
	in := results.Input{Survey: sv, Viewer: me, PeerGroup: group, Only: only}
	var own survey.Response
	if !me.IsSecretariat() {
		if own, err = s.store.Response(ctx, sv, me.Member); err != nil {
			return err
		}
	}
	if err := results.CheckAccess(sv, me, own.Status == survey.ResponseSubmitted); err != nil {
		return err
	}
	if group != "" && !me.CanRun(sv) {
		// Members filter by the group as it was at publication (see gather).
		if _, existed, err := s.store.PublishedPeerGroup(ctx, sv.ID, group); err != nil || !existed {
			if err != nil {
				return err
			}
			return survey.Errorf(survey.NotFound, "peer group %q had no members when this survey was published", group)
		}
	}
	if err := s.gather(ctx, &in, own); err != nil {
		return err
	}
	var notes []string
	if compare == "previous" {
		statuses := []survey.Status{survey.StatusPublished}
		if me.IsSecretariat() {
			statuses = append(statuses, survey.StatusClosed)
		}
		prev, found, err := s.store.PreviousEdition(ctx, sv, statuses)
		if err != nil {
			return err
		}
		var prevOwn survey.Response
		if found && !me.IsSecretariat() {
			// The previous edition's results are compared only where the caller could read them.
			addressed, err := s.store.Addressed(ctx, prev, me.Member)
			if err != nil {
				return err
			}
			if prevOwn, err = s.store.Response(ctx, prev, me.Member); err != nil {
				return err
			}
			if !addressed || results.CheckAccess(prev, me, prevOwn.Status == survey.ResponseSubmitted) != nil {
				notes = append(notes, "the results of the previous edition are not available to your member")
				found = false
			}
		}
		if !found && len(notes) == 0 {
			notes = append(notes, "there is no earlier edition of this series to compare with")
		}
		if found {
			p := results.Input{Survey: prev, Viewer: me, PeerGroup: group, Only: only}
			if err := s.gather(ctx, &p, survey.Response{}); err != nil {
				return err
			}
			in.Previous = &p
		}
	}
	s.metrics.ResultsServed("survey", "computed")
	*out = results.Build(in)
	out.Notes = append(out.Notes, notes...)
	return nil
}

// gather reads from the store what results.Build needs for one edition.
func (s *Server) gather(ctx context.Context, in *results.Input, own survey.Response) error {
	// Members see published results only, filtered by the groups as they were then.
	published := !in.Viewer.CanRun(in.Survey)
	sc := store.Scope{SurveyID: in.Survey.ID, PeerGroup: in.PeerGroup, Published: published}
	var err error
	if in.Respondents, err = s.store.Respondents(ctx, sc); err != nil {
		return err
	}
	if in.Stats, err = s.store.Stats(ctx, in.Survey, sc); err != nil {
		return err
	}
	if in.PeerGroup != "" && !in.Viewer.CanRun(in.Survey) {
		if in.Overall, err = s.store.AnswerCounts(ctx, store.Scope{SurveyID: in.Survey.ID}); err != nil {
			return err
		}
		if in.Overlaps, err = s.store.Overlaps(ctx, in.Survey.ID, in.PeerGroup, published); err != nil {
			return err
		}
	}
	if in.Survey.Policy.Visibility == survey.VisibilityNamed {
		if in.Named, err = s.store.NamedAnswers(ctx, in.Survey, sc); err != nil {
			return err
		}
	}
	if own.ID == "" {
		return nil
	}
	in.Own = own.Answers
	if own.Status == survey.ResponseSubmitted {
		in.OwnInScope = in.PeerGroup == ""
		if !in.OwnInScope {
			members, _, err := s.store.PublishedPeerGroup(ctx, in.Survey.ID, in.PeerGroup)
			if err != nil {
				return err
			}
			in.OwnInScope = slices.Contains(members, own.Member)
		}
	}
	in.Ranks, err = s.store.Ranks(ctx, sc, own.ID)
	return err
}

func toResultsResponse(r results.Results, notes []string) resultsResponse {
	sv := r.Survey
	vis, k, ro := string(sv.Policy.Visibility), sv.Policy.MinRespondents, sv.Policy.RespondentsOnly
	out := resultsResponse{SurveyID: sv.ID, Title: sv.Title, Edition: sv.Edition, Status: string(sv.Status),
		ResultsPolicy: policyBody{Visibility: &vis, MinRespondents: &k, RespondentsOnly: &ro},
		PeerGroup:     optional(r.PeerGroup), Respondents: r.Respondents, Notes: append([]string{}, notes...),
		Questions: make([]questionResponse, len(r.Questions))}
	if r.Previous != nil {
		out.Comparison = &editionRef{SurveyID: r.Previous.ID, Edition: r.Previous.Edition, Title: r.Previous.Title}
	}
	for i, q := range r.Questions {
		out.Questions[i] = toQuestionResponse(q)
	}
	return out
}

func toQuestionResponse(q results.Question) questionResponse {
	out := questionResponse{Key: q.Key, Type: string(q.Type), Prompt: q.Prompt, Section: q.Section}
	if q.Suppressed != "" {
		out.Suppressed = &q.Suppressed
	} else {
		n := q.N
		out.N = &n
	}
	for _, o := range q.Options {
		out.Options = append(out.Options, optionCount{Key: o.Key, Label: o.Label, Count: o.Count, Share: o.Share})
	}
	if n := q.Numeric; n != nil {
		out.Numeric = &numericResponse{Mean: n.Mean, Q1: n.Q1, Median: n.Median, Q3: n.Q3, Histogram: make([]binResponse, len(n.Histogram))}
		for i, b := range n.Histogram {
			out.Numeric.Histogram[i] = binResponse{From: b.From, To: b.To, Count: b.Count}
		}
	}
	if o := q.Own; o != nil {
		out.Own = &ownResponse{Answer: o.Answer.JSON(q.Type), PercentileRank: o.PercentileRank, SameChoice: o.SameChoice}
	}
	for _, a := range q.Named {
		out.Named = append(out.Named, namedAnswer{Member: a.Member, Answer: a.Answer.JSON(q.Type)})
	}
	if q.Previous != nil {
		prev := toQuestionResponse(*q.Previous)
		out.Previous = &prev
	}
	if ch := q.Change; ch != nil {
		out.Change = &changeResponse{Shares: ch.Shares, Median: ch.Median, Mean: ch.Mean}
	}
	return out
}
