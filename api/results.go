package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/disclosure"
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
	Code       *string           `json:"code"`
	Options    []optionCount     `json:"options,omitempty"`
	Numeric    *numericResponse  `json:"numeric,omitempty"`
	Dates      *datesResponse    `json:"dates,omitempty"`
	Own        *ownResponse      `json:"own,omitempty"`
	Named      []namedAnswer     `json:"named,omitempty"`
	Previous   *questionResponse `json:"previous,omitempty"`
	Change     *changeResponse   `json:"change,omitempty"`
}

type optionCount struct {
	Key   any     `json:"key"` // typed as the answers: string, boolean or scale number
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

// resultsAccess returns the caller's own response to sv (none for the
// secretariat), once results.CheckAccess has let it read sv's results.
func (s *Server) resultsAccess(ctx context.Context, sv survey.Survey, me survey.User) (survey.Response, error) {
	var own survey.Response
	if !me.IsSecretariat() {
		var err error
		if own, err = s.store.Response(ctx, sv, me.Member); err != nil {
			return own, err
		}
	}
	return own, results.CheckAccess(sv, me, own.Status == survey.ResponseSubmitted)
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
	own, err := s.resultsAccess(ctx, sv, me)
	if err != nil {
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
	fromCache := true
	if err := s.gather(ctx, &in, own, &fromCache); err != nil {
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
			if err := s.gather(ctx, &p, survey.Response{}, &fromCache); err != nil {
				return err
			}
			in.Previous = &p
		}
	}
	s.metrics.ResultsServed("survey", map[bool]string{true: "cache", false: "computed"}[fromCache])
	*out = results.Build(in)
	out.Notes = append(out.Notes, notes...)
	return nil
}

// gather reads from the store what results.Build needs for one edition.
// fromCache is cleared unless the aggregates came from the results cache.
func (s *Server) gather(ctx context.Context, in *results.Input, own survey.Response, fromCache *bool) error {
	// Members see published results only, filtered by the groups as they were then.
	published := !in.Viewer.CanRun(in.Survey)
	sc := store.Scope{SurveyID: in.Survey.ID, PeerGroup: in.PeerGroup, Published: published, Coarse: published}
	cached, err := s.aggregates(ctx, in, sc)
	if err != nil {
		return err
	}
	*fromCache = *fromCache && cached
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
	if in.Viewer.IsSecretariat() {
		// Only the secretariat's standing uses exact ranks; a member's is read off its bars.
		in.Ranks, err = s.store.Ranks(ctx, sc, own.ID)
	}
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
		code := string(q.Code)
		out.Suppressed, out.Code = &q.Suppressed, &code
	} else {
		n := q.N
		out.N = &n
	}
	for _, o := range q.Options {
		out.Options = append(out.Options, optionCount{Key: typedKey(q.Type, o.Key), Label: o.Label, Count: o.Count, Share: o.Share})
	}
	if n := q.Numeric; n != nil {
		out.Numeric = &numericResponse{Mean: n.Mean, Q1: n.Q1, Median: n.Median, Q3: n.Q3, Histogram: make([]binResponse, len(n.Histogram))}
		for i, b := range n.Histogram {
			out.Numeric.Histogram[i] = binResponse{From: b.From, To: b.To, Count: b.Count}
		}
	}
	out.Dates = datesOf(q.Dates)
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

// disclosure returns the audit's decisions for a published edition, auditing it
// first (with any earlier edition of its series not audited yet) when it has
// not been: editions published before the audit existed, or a publication
// whose audit did not complete.
func (s *Server) disclosure(ctx context.Context, sv survey.Survey) (map[results.Cell]disclosure.Code, error) {
	cells, ok, err := s.store.Disclosure(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.audit(ctx, sv); err != nil {
			return nil, err
		}
		if cells, _, err = s.store.Disclosure(ctx, sv.ID); err != nil {
			return nil, err
		}
	}
	return fromCellKeys(cells), nil
}

// audit decides and keeps what members may read of every published edition of
// sv's series that has not been audited, in order, each taking the cells of
// those audited before as already read.
func (s *Server) audit(ctx context.Context, sv survey.Survey) error {
	eds, err := s.store.AuditEditions(ctx, sv)
	if err != nil {
		return err
	}
	in := make([]results.Edition, len(eds))
	for i, e := range eds {
		in[i] = results.Edition{Survey: e.Survey, Groups: e.Groups, Respondents: e.Respondents}
		if e.Cells != nil {
			in[i].Cells = fromCellKeys(e.Cells)
		}
	}
	for i := range in {
		if in[i].Cells != nil {
			continue
		}
		cells, err := results.Audit(in, i, func(q survey.Question, ids []string) (map[string]map[string]survey.Value, error) {
			return s.store.AuditAnswers(ctx, ids, q)
		})
		if err != nil {
			return err
		}
		keys := make(map[store.CellKey]string, len(cells))
		for c, code := range cells {
			keys[store.CellKey{Group: c.Group, Question: c.Question}] = string(code)
		}
		if err := s.store.SaveDisclosure(ctx, in[i].Survey.ID, keys); err != nil {
			return err
		}
		// Another reader may have saved first: what was saved is what counts.
		saved, _, err := s.store.Disclosure(ctx, in[i].Survey.ID)
		if err != nil {
			return err
		}
		in[i].Cells = fromCellKeys(saved)
	}
	return nil
}

func fromCellKeys(keys map[store.CellKey]string) map[results.Cell]disclosure.Code {
	out := make(map[results.Cell]disclosure.Code, len(keys))
	for k, code := range keys {
		out[results.Cell{Group: k.Group, Question: k.Question}] = disclosure.Code(code)
	}
	return out
}

// publishResponse is the survey just published, with what the disclosure audit
// decided, so that the secretariat can reconsider k or the groups before
// members read it (the results stay published either way).
type publishResponse struct {
	surveyResponse
	Disclosure disclosureSummary `json:"disclosure"`
}

type disclosureSummary struct {
	Cells      int            `json:"cells"`
	Suppressed int            `json:"suppressed"`
	ByCode     map[string]int `json:"by_code"`
	Warnings   []string       `json:"warnings"`
}

// published answers a publication: it audits the edition at once, so that
// members' first reads find the decisions taken, and reports them.
func (s *Server) published(c echo.Context, sv survey.Survey) error {
	cells, err := s.disclosure(c.Request().Context(), sv)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, publishResponse{surveyResponse: toSurveyResponse(sv), Disclosure: summarise(sv, cells)})
}

func summarise(sv survey.Survey, cells map[results.Cell]disclosure.Code) disclosureSummary {
	out := disclosureSummary{Cells: len(cells), ByCode: map[string]int{}, Warnings: []string{}}
	var whole []string
	for c, code := range cells {
		if code == disclosure.Shown {
			continue
		}
		out.Suppressed++
		out.ByCode[string(code)]++
		if c.Group == "" {
			whole = append(whole, c.Question)
		}
	}
	slices.Sort(whole)
	if len(whole) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d question(s) are suppressed even over all respondents (%s): members see nothing of them",
			len(whole), strings.Join(whole, ", ")))
	}
	if out.Cells > 0 && 2*out.Suppressed > out.Cells {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d of %d cells are suppressed; consider a lower min_respondents (now %d) or fewer, larger peer groups",
			out.Suppressed, out.Cells, sv.Policy.MinRespondents))
	}
	return out
}

// savedPeerGroup is a peer group as created or replaced, with warnings.
type savedPeerGroup struct {
	peerGroupResponse
	Warnings []string `json:"warnings,omitempty"`
}

// withWarnings adds a warning when the peer groups, with this one, cut the
// active members into pieces of fewer than the default k whose totals could be
// worked out (decision 0010): members' results over them would be suppressed.
func (s *Server) withWarnings(ctx context.Context, g peerGroupResponse) (savedPeerGroup, error) {
	out := savedPeerGroup{peerGroupResponse: g}
	active, groups, err := s.store.Memberships(ctx)
	if err != nil {
		return out, err
	}
	cells := []disclosure.Cell{{Members: active}}
	keys := make([]string, 0, len(groups))
	for key, members := range groups {
		cells = append(cells, disclosure.Cell{Members: members})
		keys = append(keys, key)
	}
	k := survey.DefaultMinRespondents
	rules := disclosure.Rules{K: k, P: disclosure.DefaultP}
	if disclosure.Check(rules, disclosure.Question{Kind: disclosure.Numeric}, cells) == disclosure.Shown {
		return out, nil
	}
	// Name the small pieces: the members that are in exactly the same groups.
	slices.Sort(keys)
	pieces := map[string]int{}
	for _, m := range active {
		var in []string
		for _, key := range keys {
			if slices.Contains(groups[key], m) {
				in = append(in, key)
			}
		}
		pieces[strings.Join(in, " and ")]++
	}
	var small []string
	for piece, n := range pieces {
		switch {
		case n >= k:
		case piece == "":
			small = append(small, fmt.Sprintf("%d in no group", n))
		default:
			small = append(small, fmt.Sprintf("%d in %s only", n, piece))
		}
	}
	slices.Sort(small)
	out.Warnings = []string{fmt.Sprintf("the peer groups cut the active members into pieces of fewer than %d: %s; members' results over these groups will be suppressed where they would show a piece",
		k, strings.Join(small, ", "))}
	return out, nil
}

type resultsPeerGroups struct {
	SurveyID   string             `json:"survey_id"`
	PeerGroups []resultsPeerGroup `json:"peer_groups"`
}

// resultsPeerGroup is one peer group a caller may filter a survey's results
// by, and how much of them it would see.
type resultsPeerGroup struct {
	Key         string         `json:"key"`
	Members     int            `json:"members"`
	Respondents int            `json:"respondents"`
	Shown       int            `json:"shown"`
	Suppressed  int            `json:"suppressed"`
	ByCode      map[string]int `json:"by_code"`
	Code        *string        `json:"code"`
}

// resultsPeerGroups serves GET /v1/surveys/{id}/results/peer-groups: the peer
// groups the caller may use as a filter, each with how many questions it shows
// and why the others are suppressed, so that a front end offers only the useful
// ones. Members get the groups as published and the audit's decisions; the
// secretariat, before publication, the groups as they are now, all shown.
func (s *Server) resultsPeerGroups(c echo.Context) error {
	ctx := c.Request().Context()
	sv, err := s.readableSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	me := caller(c)
	if _, err := s.resultsAccess(ctx, sv, me); err != nil {
		return err
	}
	out := resultsPeerGroups{SurveyID: sv.ID, PeerGroups: []resultsPeerGroup{}}
	groups := map[string][]string{}
	var cells map[results.Cell]disclosure.Code
	if sv.Status == survey.StatusPublished {
		if groups, err = s.store.PublishedPeerGroups(ctx, sv.ID); err != nil {
			return err
		}
		if cells, err = s.disclosure(ctx, sv); err != nil {
			return err
		}
	} else {
		all, _, err := s.store.PeerGroups(ctx, store.Page{Limit: 1000})
		if err != nil {
			return err
		}
		for _, g := range all {
			groups[g.Key] = g.Members
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		n, err := s.store.Respondents(ctx, store.Scope{SurveyID: sv.ID, PeerGroup: key, Published: sv.Status == survey.StatusPublished})
		if err != nil {
			return err
		}
		g := resultsPeerGroup{Key: key, Members: len(groups[key]), Respondents: n, ByCode: map[string]int{}}
		for _, q := range sv.Questions() {
			if _, aggregated := results.Kind(sv, q); !aggregated {
				continue
			}
			code := disclosure.Shown
			if cells != nil {
				code = cells[results.Cell{Group: key, Question: q.Key}]
			}
			if code == disclosure.Shown {
				g.Shown++
				continue
			}
			g.Suppressed++
			g.ByCode[string(code)]++
		}
		if g.Shown == 0 && g.Suppressed > 0 {
			// Nothing to see: the commonest reason, for the front end to say why.
			top := ""
			for code, n := range g.ByCode {
				if top == "" || n > g.ByCode[top] || (n == g.ByCode[top] && code < top) {
					top = code
				}
			}
			g.Code = &top
		}
		out.PeerGroups = append(out.PeerGroups, g)
	}
	return c.JSON(http.StatusOK, out)
}

// typedKey writes an option key as the answers are typed: booleans as JSON
// booleans, scale points as numbers, choice keys as strings.
func typedKey(t survey.QuestionType, key string) any {
	switch t {
	case survey.Boolean:
		return key == "true"
	case survey.Scale:
		if n, err := strconv.Atoi(key); err == nil {
			return n
		}
	}
	return key
}
