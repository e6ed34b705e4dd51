package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The API's JSON as the pages read it: a client's copy of openapi.yaml's shapes.
type (
	surveyDoc struct {
		ID          string       `json:"id"`
		Title       string       `json:"title"`
		Description string       `json:"description"`
		Edition     string       `json:"edition"`
		Series      *string      `json:"series"`
		Period      *string      `json:"period"`
		Status      string       `json:"status"`
		Deadline    *time.Time   `json:"deadline"`
		Sections    []sectionDoc `json:"sections"`
	}
	sectionDoc struct {
		Key         string        `json:"key"`
		Title       string        `json:"title"`
		Description string        `json:"description"`
		Questions   []questionDoc `json:"questions"`
	}
	questionDoc struct {
		Key         string      `json:"key"`
		Type        string      `json:"type"`
		Prompt      string      `json:"prompt"`
		Help        string      `json:"help"`
		Required    bool        `json:"required"`
		Unit        string      `json:"unit"`
		Options     []optionDoc `json:"options"`
		Constraints *struct {
			ScaleSize *int `json:"scale_size"`
		} `json:"constraints"`
		Condition *struct {
			Question string `json:"question"`
		} `json:"condition"`
	}
	optionDoc struct {
		Key   string `json:"key"`
		Label string `json:"label"`
	}
	responseDoc struct {
		Member           string         `json:"member"`
		Status           string         `json:"status"`
		Version          int            `json:"version"`
		Answers          map[string]any `json:"answers"`
		UpdatedAt        *time.Time     `json:"updated_at"`
		UpdatedBy        *string        `json:"updated_by"`
		SubmittedAt      *time.Time     `json:"submitted_at"`
		Deadline         *time.Time     `json:"deadline"`
		Locked           bool           `json:"locked"`
		VisibleQuestions []string       `json:"visible_questions"`
		MissingRequired  []string       `json:"missing_required"`
		CanSubmit        bool           `json:"can_submit"`
		SubmitBlockers   []struct {
			Code   string         `json:"code"`
			Reason string         `json:"reason"`
			Detail string         `json:"detail"`
			Errors []problemField `json:"errors"`
		} `json:"submit_blockers"`
		Dropped []struct {
			Detail string `json:"detail"`
		} `json:"dropped"`
	}
	surveyItem struct {
		ID       string     `json:"id"`
		Title    string     `json:"title"`
		Edition  string     `json:"edition"`
		Series   *string    `json:"series"`
		Status   string     `json:"status"`
		Deadline *time.Time `json:"deadline"`
		Response *struct {
			Status   string     `json:"status"`
			Deadline *time.Time `json:"deadline"`
			Extended bool       `json:"extended"`
		} `json:"response"`
		Results *struct {
			Readable bool `json:"readable"`
		} `json:"results"`
		ResponseCounts *struct {
			Draft     int `json:"draft"`
			Submitted int `json:"submitted"`
		} `json:"response_counts"`
	}
	surveyList struct {
		Items []surveyItem `json:"items"`
	}
)

type homeView struct {
	NeedsMe []surveyItem
	Other   []surveyItem
}

// home serves GET /: the sign-in page, a member's surveys, or the secretariat's.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	v, err := h.session(r)
	if err != nil {
		h.signInPage(w, r, http.StatusOK, "")
		return
	}
	var list surveyList
	if rep, ok := h.get(r, v, "/v1/surveys?limit=100", &list); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if v.user.IsSecretariat() {
		h.render(w, r, v, http.StatusOK, "admin", "Surveys", list.Items, "")
		return
	}
	var view homeView
	for _, s := range list.Items {
		if s.Status == "open" && s.Response != nil && s.Response.Status != "submitted" {
			view.NeedsMe = append(view.NeedsMe, s)
		} else {
			view.Other = append(view.Other, s)
		}
	}
	h.render(w, r, v, http.StatusOK, "home", "Your surveys", view, "")
}

// surveyPage serves GET /surveys/{id}: a member's response, or the secretariat's
// page of the survey.
func (h *Handler) surveyPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if !v.user.IsSecretariat() {
		http.Redirect(w, r, "/surveys/"+url.PathEscape(r.PathValue("id"))+"/responses/"+url.PathEscape(v.user.Member), http.StatusSeeOther)
		return
	}
	h.managePage(w, r, v, "")
}

// field is one question as the answer form shows it.
type field struct {
	Q       questionDoc
	Values  []string // the form's values: one, or the chosen options
	Orig    string   // the stored values as JSON, to tell what the user changed
	Error   string
	Missing bool
	Scale   []string
}

func (f field) Value() string {
	if len(f.Values) == 0 {
		return ""
	}
	return f.Values[0]
}

type answerView struct {
	Survey   surveyDoc
	Response responseDoc
	Member   string
	Sections []sectionDoc
	Section  sectionDoc
	Index    int
	Fields   []field
	Message  string
	Problem  *problem
	Action   string
	// ReadOnly: the response takes no writes now, for the reasons in Why, in
	// the API's words; CanWithdraw: it is submitted and may be withdrawn.
	ReadOnly    bool
	Why         []string
	CanWithdraw bool
}

// answerPage serves GET /surveys/{id}/responses/{member}: one section of the
// response as a form (?section=key), the questions the server shows.
func (h *Handler) answerPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showAnswers(w, r, v, http.StatusOK, nil, nil, "")
}

// showAnswers renders the answer form; mine (the user's unsaved values, by key)
// and prob (the API's refusal) are shown in place when set.
func (h *Handler) showAnswers(w http.ResponseWriter, r *http.Request, v *visit, status int, mine map[string][]string, prob *problem, message string) {
	id, member := r.PathValue("id"), r.PathValue("member")
	base := "/v1/surveys/" + url.PathEscape(id)
	var resp responseDoc
	if rep, ok := h.get(r, v, base+"/responses/"+url.PathEscape(member), &resp); !ok {
		h.refused(w, r, v, rep)
		return
	}
	var sv surveyDoc
	if rep, ok := h.get(r, v, base, &sv); !ok {
		h.refused(w, r, v, rep)
		return
	}
	view := answerView{Survey: sv, Response: resp, Member: member, Problem: prob, Message: message}
	view.ReadOnly, view.Why, view.CanWithdraw = lockedBy(resp)
	for _, s := range sv.Sections {
		if len(s.Questions) > 0 {
			view.Sections = append(view.Sections, s)
		}
	}
	if len(view.Sections) == 0 {
		h.fail(w, r, v, http.StatusOK, sv.Title, "This survey has no questions yet.")
		return
	}
	want := r.FormValue("section")
	for i, s := range view.Sections {
		if s.Key == want {
			view.Index = i
		}
	}
	view.Section = view.Sections[view.Index]
	errs := map[string]string{}
	if prob != nil {
		for _, f := range prob.Errors {
			errs[strings.TrimPrefix(f.Field, "answers.")] = f.Reason
		}
	}
	for _, q := range view.Section.Questions {
		if !slices.Contains(resp.VisibleQuestions, q.Key) {
			continue
		}
		stored := formValues(resp.Answers[q.Key])
		orig, _ := json.Marshal(append([]string{}, stored...))
		f := field{Q: q, Error: errs[q.Key], Missing: slices.Contains(resp.MissingRequired, q.Key), Orig: string(orig)}
		if vals, ok := mine[q.Key]; ok {
			f.Values = vals
		} else {
			f.Values = stored
		}
		if q.Type == "scale" {
			n := 5
			if q.Constraints != nil && q.Constraints.ScaleSize != nil {
				n = *q.Constraints.ScaleSize
			}
			for i := 1; i <= n; i++ {
				f.Scale = append(f.Scale, strconv.Itoa(i))
			}
		}
		view.Fields = append(view.Fields, f)
	}
	h.render(w, r, v, status, "answer", sv.Title, view, "")
}

// lockedBy reads from the API's caller-aware payload whether the response is
// read-only for the caller and why: locked (the survey is not open, or the
// caller's deadline passed), the caller may not write it, or it is submitted
// (then it may be withdrawn, if nothing else stands in the way). The page
// applies no rule of its own: the blockers are the API's.
func lockedBy(resp responseDoc) (readOnly bool, why []string, canWithdraw bool) {
	for _, b := range resp.SubmitBlockers {
		if b.Reason == "required_missing" || b.Reason == "stale_version" {
			continue
		}
		text := b.Detail
		if b.Reason == "deadline_passed" {
			text += ". Ask the secretariat for more time if you still need to change it."
		}
		why = append(why, text)
	}
	if resp.Status == "submitted" {
		canWithdraw = len(why) == 0 && !resp.Locked
		if canWithdraw {
			why = append(why, "This response is submitted, so it is shown as sent. To change it, withdraw it: it becomes a draft again, which you submit again before the deadline.")
		} else {
			why = append(why, "This response is submitted.")
		}
	}
	if resp.Locked && len(why) == 0 {
		why = append(why, "This response is locked: it takes no more changes.")
	}
	return len(why) > 0, why, canWithdraw
}

// Shown is the field's answer as read-only text: the options' labels, Yes or No.
func (f field) Shown() string {
	var out []string
	for _, v := range f.Values {
		label := v
		switch {
		case f.Q.Type == "boolean" && v == "true":
			label = "Yes"
		case f.Q.Type == "boolean" && v == "false":
			label = "No"
		}
		for _, o := range f.Q.Options {
			if o.Key == v {
				label = o.Label
			}
		}
		out = append(out, label)
	}
	if len(out) == 0 {
		return "no answer"
	}
	return strings.Join(out, ", ")
}

// formValues turns an answer as the API sends it into the form's values.
func formValues(a any) []string {
	switch x := a.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	default:
		return []string{fmt.Sprint(x)}
	}
}

// answerPost serves POST /surveys/{id}/responses/{member}: save the section's
// answers (action=save, also what htmx sends as the user answers), then submit
// or withdraw when asked. The write carries the version the form was made
// from, so that a colleague's change in between is shown, not overwritten.
func (h *Handler) answerPost(w http.ResponseWriter, r *http.Request, v *visit) {
	id, member := r.PathValue("id"), r.PathValue("member")
	path := "/v1/surveys/" + url.PathEscape(id) + "/responses/" + url.PathEscape(member)
	version := r.PostFormValue("version")
	action := r.PostFormValue("action")
	// Only what the user changed is written: the other fields of the page, as
	// they were loaded, must not overwrite a colleague's newer answers.
	mine := map[string][]string{}
	for _, key := range r.PostForm["q"] {
		vals := nonEmpty(r.PostForm["a."+key])
		var orig []string
		if o := r.PostFormValue("o." + key); o != "" {
			_ = json.Unmarshal([]byte(o), &orig)
		}
		if !sameValues(vals, orig) || r.PostFormValue("o."+key) == "" {
			mine[key] = vals
		}
	}
	if action == "withdraw" {
		rep := h.call(r.Context(), r, v.user, http.MethodPost, path+"/withdraw", nil, "", "If-Match", strconv.Quote(version))
		h.afterWrite(w, r, v, rep, nil, "Your response was withdrawn: it is a draft again. Submit it again before the deadline.")
		return
	}
	if len(mine) > 0 {
		var sv surveyDoc
		if rep, ok := h.get(r, v, "/v1/surveys/"+url.PathEscape(id), &sv); !ok {
			h.refused(w, r, v, rep)
			return
		}
		answers := map[string]any{}
		for _, s := range sv.Sections {
			for _, q := range s.Questions {
				if vals, ok := mine[q.Key]; ok {
					answers[q.Key] = toAnswer(q.Type, vals)
				}
			}
		}
		rep := h.sendJSON(r, v, http.MethodPatch, path, map[string]any{"answers": answers}, "If-Match", strconv.Quote(version))
		if !rep.ok() || action != "submit" {
			h.afterWrite(w, r, v, rep, mine, "Your draft was saved.")
			return
		}
		version = strings.Trim(rep.Header.Get("ETag"), `"`)
	}
	if action == "submit" {
		rep := h.call(r.Context(), r, v.user, http.MethodPost, path+"/submit", nil, "", "If-Match", strconv.Quote(version))
		h.afterWrite(w, r, v, rep, nil, "Your response was submitted. To change it before the deadline, withdraw it first.")
		return
	}
	h.showAnswers(w, r, v, http.StatusOK, nil, nil, "Nothing to save.")
}

// afterWrite shows the form again after a write: with the API's refusal next to
// the fields (422), with both versions (412), or with the message.
func (h *Handler) afterWrite(w http.ResponseWriter, r *http.Request, v *visit, rep reply, mine map[string][]string, message string) {
	switch {
	case rep.ok():
		h.showAnswers(w, r, v, http.StatusOK, nil, nil, message)
	case rep.Status == http.StatusPreconditionFailed:
		h.conflict(w, r, v, mine)
	case rep.Status == http.StatusUnprocessableEntity, rep.Status == http.StatusConflict, rep.Status == http.StatusBadRequest:
		p := rep.problem()
		h.showAnswers(w, r, v, rep.Status, mine, &p, "")
	default:
		h.refused(w, r, v, rep)
	}
}

// toAnswer turns a field's values into the JSON the API takes. A value that
// does not parse is sent as typed, so that the API refuses it in its own words.
func toAnswer(typ string, vals []string) any {
	if typ == "multiple_choice" {
		if vals == nil {
			return nil
		}
		return vals
	}
	if len(vals) == 0 {
		return nil
	}
	s := vals[0]
	switch typ {
	case "integer", "number", "percentage", "scale":
		if f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64); err == nil {
			return f
		}
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	return s
}

// sameValues reports whether two fields' values are the same set.
func sameValues(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func nonEmpty(vals []string) []string {
	var out []string
	for _, s := range vals {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

type conflictRow struct {
	Key    string
	Prompt string
	Mine   []string
	Theirs []string
}

type conflictView struct {
	Survey   surveyDoc
	Response responseDoc
	Member   string
	Rows     []conflictRow
	Mine     map[string][]string
	Section  string
}

// conflict shows the colleague's version beside the user's unsaved one, and
// lets the user keep either: keeping mine saves it over the new version.
func (h *Handler) conflict(w http.ResponseWriter, r *http.Request, v *visit, mine map[string][]string) {
	id, member := r.PathValue("id"), r.PathValue("member")
	base := "/v1/surveys/" + url.PathEscape(id)
	var resp responseDoc
	var sv surveyDoc
	if rep, ok := h.get(r, v, base+"/responses/"+url.PathEscape(member), &resp); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if rep, ok := h.get(r, v, base, &sv); !ok {
		h.refused(w, r, v, rep)
		return
	}
	view := conflictView{Survey: sv, Response: resp, Member: member, Mine: mine, Section: r.FormValue("section")}
	for _, s := range sv.Sections {
		for _, q := range s.Questions {
			if m, ok := mine[q.Key]; ok {
				view.Rows = append(view.Rows, conflictRow{Key: q.Key, Prompt: q.Prompt, Mine: m, Theirs: formValues(resp.Answers[q.Key])})
			}
		}
	}
	h.render(w, r, v, http.StatusConflict, "conflict", "A colleague changed this response", view, "")
}

type historyView struct {
	Survey surveyDoc
	Member string
	Events []struct {
		Kind     string    `json:"kind"`
		Question *string   `json:"question"`
		Old      any       `json:"old_value"`
		New      any       `json:"new_value"`
		By       *string   `json:"by"`
		OnBehalf bool      `json:"on_behalf"`
		At       time.Time `json:"at"`
		Who      string    `json:"-"` // By in words, for the page
	} `json:"items"`
}

// historyPage serves GET /surveys/{id}/responses/{member}/history: who changed
// what, when.
func (h *Handler) historyPage(w http.ResponseWriter, r *http.Request, v *visit) {
	base := "/v1/surveys/" + url.PathEscape(r.PathValue("id"))
	var view historyView
	if rep, ok := h.get(r, v, base+"/responses/"+url.PathEscape(r.PathValue("member"))+"/history?limit=200", &view); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if rep, ok := h.get(r, v, base, &view.Survey); !ok {
		h.refused(w, r, v, rep)
		return
	}
	view.Member = r.PathValue("member")
	names := map[string]string{}
	for i, e := range view.Events {
		view.Events[i].Who = h.who(r, v, names, e.By, e.OnBehalf)
	}
	h.render(w, r, v, http.StatusOK, "history", "History of the response", view, "")
}

// who names the author of a change as the caller may know them: the user's
// name and address when the API lets the caller read that user, else "the
// secretariat" for a change the secretariat made on the member's behalf, and
// "the platform" for one nobody made (the lock at the deadline). Decision
// 0026. names caches the lookups of one page.
func (h *Handler) who(r *http.Request, v *visit, names map[string]string, by *string, onBehalf bool) string {
	if by == nil || *by == "" || *by == "system" {
		return "the platform"
	}
	if name, ok := names[*by]; ok {
		return name
	}
	var u userDoc
	name := "someone outside your registry"
	if onBehalf {
		name = "the secretariat"
	}
	if _, ok := h.get(r, v, "/v1/users/"+url.PathEscape(*by), &u); ok {
		name = u.Label()
		if onBehalf {
			name += ", for the secretariat"
		}
	}
	names[*by] = name
	return name
}

type resultsDoc struct {
	SurveyID    string   `json:"survey_id"`
	Title       string   `json:"title"`
	Edition     string   `json:"edition"`
	Status      string   `json:"status"`
	PeerGroup   *string  `json:"peer_group"`
	Respondents int      `json:"respondents"`
	Notes       []string `json:"notes"`
	Policy      struct {
		MinRespondents int `json:"min_respondents"`
	} `json:"results_policy"`
	Comparison *struct {
		SurveyID string `json:"survey_id"`
		Edition  string `json:"edition"`
	} `json:"comparison"`
	Questions []resultQuestion `json:"questions"`
}

// resultQuestion is one question's result; Previous is the same key's in the
// edition compared with.
type resultQuestion struct {
	Key        string  `json:"key"`
	Type       string  `json:"type"`
	Prompt     string  `json:"prompt"`
	N          *int    `json:"n"`
	Suppressed *string `json:"suppressed"`
	Code       *string `json:"code"`
	Options    []struct {
		Key   any     `json:"key"`
		Label string  `json:"label"`
		Count int     `json:"count"`
		Share float64 `json:"share"`
	} `json:"options"`
	Numeric *struct {
		Mean, Q1, Median, Q3 float64
	} `json:"numeric"`
	Own *struct {
		Answer         any      `json:"answer"`
		PercentileRank *float64 `json:"percentile_rank"`
	} `json:"own"`
	Previous *resultQuestion `json:"previous"`
	Change   *struct {
		Shares map[string]float64 `json:"shares"`
		Median *float64           `json:"median"`
		Mean   *float64           `json:"mean"`
	} `json:"change"`
}

type resultsView struct {
	R         resultsDoc
	Cards     []resultCard
	Groups    []string
	Group     string
	Query     string
	Compare   bool // compared with the previous edition of the series
	InSeries  bool
	Live      bool // the secretariat's live view: members may see less
	OwnAnswer map[string]string
}

// resultsPage serves GET /surveys/{id}/results (?peer_group=): the API's results
// for the user, with charts and the export.
func (h *Handler) resultsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	q := url.Values{}
	if g := r.FormValue("peer_group"); g != "" {
		q.Set("peer_group", g)
	}
	var view resultsView
	var sv surveyDoc
	if rep, ok := h.get(r, v, "/v1/surveys/"+url.PathEscape(id), &sv); !ok {
		h.refused(w, r, v, rep)
		return
	}
	// An edition of a series is compared with the previous one unless the
	// reader asks for none (compare=none).
	view.InSeries = sv.Series != nil
	view.Compare = view.InSeries && r.FormValue("compare") != "none"
	api := url.Values{}
	for k, vals := range q {
		api[k] = vals
	}
	if view.Compare {
		api.Set("compare", "previous")
	}
	if rep, ok := h.get(r, v, "/v1/surveys/"+url.PathEscape(id)+"/results?"+api.Encode(), &view.R); !ok {
		h.refused(w, r, v, rep)
		return
	}
	view.Cards = resultCards(view.R)
	view.Groups = h.peerGroupKeys(r, v)
	view.Group, view.Query, view.Live = q.Get("peer_group"), q.Encode(), v.user.IsSecretariat()
	view.OwnAnswer = map[string]string{}
	for _, qu := range view.R.Questions {
		if qu.Own != nil {
			// The options' labels, not their keys: the member reads what it chose.
			vals := formValues(qu.Own.Answer)
			for i, val := range vals {
				for _, o := range qu.Options {
					if fmt.Sprint(o.Key) == val {
						vals[i] = o.Label
					}
				}
			}
			view.OwnAnswer[qu.Key] = strings.Join(vals, ", ")
		}
	}
	h.render(w, r, v, http.StatusOK, "results", "Results: "+view.R.Title, view, "")
}

// peerGroupKeys lists the keys of the peer groups the user may compare with,
// as the API lists them; none when it refuses.
func (h *Handler) peerGroupKeys(r *http.Request, v *visit) []string {
	var groups struct {
		Items []struct {
			Key string `json:"key"`
		} `json:"items"`
	}
	var keys []string
	if _, ok := h.get(r, v, "/v1/peer-groups?limit=100", &groups); ok {
		for _, g := range groups.Items {
			keys = append(keys, g.Key)
		}
	}
	return keys
}

// resultsChart serves GET /surveys/{id}/results/charts/{question}: the API's
// SVG chart, for an <img> on the results page (a browser sends no token).
func (h *Handler) resultsChart(w http.ResponseWriter, r *http.Request, v *visit) {
	q := url.Values{"format": {"svg"}}
	if g := r.FormValue("peer_group"); g != "" {
		q.Set("peer_group", g)
	}
	h.pass(w, r, v, "/v1/surveys/"+url.PathEscape(r.PathValue("id"))+"/results/charts/"+url.PathEscape(r.PathValue("question"))+"?"+q.Encode())
}

// resultsExport serves GET /surveys/{id}/results/export (?format=csv|xlsx).
func (h *Handler) resultsExport(w http.ResponseWriter, r *http.Request, v *visit) {
	q := url.Values{"format": {r.FormValue("format")}}
	if g := r.FormValue("peer_group"); g != "" {
		q.Set("peer_group", g)
	}
	h.pass(w, r, v, "/v1/surveys/"+url.PathEscape(r.PathValue("id"))+"/results/export?"+q.Encode())
}

// pass relays a non-HTML reply of the API (a chart, a file) to the browser.
func (h *Handler) pass(w http.ResponseWriter, r *http.Request, v *visit, path string) {
	rep := h.call(r.Context(), r, v.user, http.MethodGet, path, nil, "")
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	for _, k := range []string{"Content-Type", "Content-Disposition"} {
		if val := rep.Header.Get(k); val != "" {
			w.Header().Set(k, val)
		}
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(rep.Body)
}

type tokensView struct {
	Items []struct {
		ID         string     `json:"id"`
		Name       string     `json:"name"`
		CreatedAt  time.Time  `json:"created_at"`
		ExpiresAt  *time.Time `json:"expires_at"`
		RevokedAt  *time.Time `json:"revoked_at"`
		LastUsedAt *time.Time `json:"last_used_at"`
	} `json:"items"`
	Secret  string
	Problem *problem
}

// tokens serves GET /tokens: the user's own API tokens.
func (h *Handler) tokens(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showTokens(w, r, v, http.StatusOK, "", nil)
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request, v *visit, status int, secret string, p *problem) {
	view := tokensView{Secret: secret, Problem: p}
	if rep, ok := h.get(r, v, "/v1/users/"+url.PathEscape(v.user.ID)+"/tokens?limit=100", &view); !ok {
		h.refused(w, r, v, rep)
		return
	}
	h.render(w, r, v, status, "tokens", "API tokens", view, "")
}

// createToken serves POST /tokens: a new token, whose secret is shown once.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, v *visit) {
	rep := h.sendJSON(r, v, http.MethodPost, "/v1/users/"+url.PathEscape(v.user.ID)+"/tokens", map[string]any{"name": r.PostFormValue("name")})
	if !rep.ok() {
		p := rep.problem()
		h.showTokens(w, r, v, rep.Status, "", &p)
		return
	}
	var made struct {
		Secret string `json:"secret"`
	}
	_ = rep.decode(&made)
	h.showTokens(w, r, v, http.StatusOK, made.Secret, nil)
}

// revokeToken serves POST /tokens/{id}/revoke.
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request, v *visit) {
	rep := h.call(r.Context(), r, v.user, http.MethodDelete, "/v1/tokens/"+url.PathEscape(r.PathValue("id")), nil, "")
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}

// readAll reads an uploaded file of the form.
func readAll(r *http.Request, name string) ([]byte, string, error) {
	f, hdr, err := r.FormFile(name)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return b, hdr.Filename, err
}

type seriesView struct {
	Key      string
	Title    string
	Metrics  []questionDoc
	Editions []struct {
		SurveyID string     `json:"survey_id"`
		Period   string     `json:"period"`
		Status   string     `json:"status"`
		Deadline *time.Time `json:"deadline"`
	} `json:"editions"`
	Member string
	Upload uploadView
	Groups []string // peer groups to follow the trends against
	Group  string   // the one chosen; "" for all respondents
}

// seriesPage serves GET /series/{key}: the monthly statistics, the periods to
// answer, an upload of a period's figures, and the trend of each figure, the
// member's against the group's median.
func (h *Handler) seriesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showSeries(w, r, v, http.StatusOK, uploadView{})
}

// showSeries renders the series page, with what an upload did.
func (h *Handler) showSeries(w http.ResponseWriter, r *http.Request, v *visit, status int, up uploadView) {
	doc, ok := h.seriesDoc(w, r, v)
	if !ok {
		return
	}
	view := seriesView{Key: doc.Key, Title: doc.Title, Member: v.user.Member, Upload: up,
		Groups: h.peerGroupKeys(r, v), Group: r.FormValue("peer_group")}
	_ = json.Unmarshal(doc.Editions, &view.Editions)
	slices.Reverse(view.Editions) // the newest period first
	if len(view.Editions) > 12 {
		view.Editions = view.Editions[:12]
	}
	for _, s := range doc.Template.Sections {
		for _, q := range s.Questions {
			if q.Type == "integer" || q.Type == "number" || q.Type == "percentage" {
				view.Metrics = append(view.Metrics, q)
			}
		}
	}
	h.render(w, r, v, status, "series", doc.Title, view, "")
}

// seriesDocument is a series as GET /v1/series/{key} sends it.
type seriesDocument struct {
	Key      string `json:"key"`
	Title    string `json:"title"`
	Template struct {
		Sections []sectionDoc `json:"sections"`
	} `json:"template"`
	Editions json.RawMessage `json:"editions"`
}

// seriesDoc reads the series of the path; a refusal is shown.
func (h *Handler) seriesDoc(w http.ResponseWriter, r *http.Request, v *visit) (seriesDocument, bool) {
	var doc seriesDocument
	if rep, ok := h.get(r, v, "/v1/series/"+url.PathEscape(r.PathValue("key")), &doc); !ok {
		h.refused(w, r, v, rep)
		return doc, false
	}
	return doc, true
}

// trendChart serves GET /series/{key}/charts/{question}: the API's trend chart.
func (h *Handler) trendChart(w http.ResponseWriter, r *http.Request, v *visit) {
	q := url.Values{"format": {"svg"}, "question": {r.PathValue("question")}}
	if g := r.FormValue("peer_group"); g != "" {
		q.Set("peer_group", g)
	}
	h.pass(w, r, v, "/v1/series/"+url.PathEscape(r.PathValue("key"))+"/trends/chart?"+q.Encode())
}
