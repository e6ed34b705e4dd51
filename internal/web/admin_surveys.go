package web

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// surveyRow is a survey in the lists of the secretariat and of chairs.
type surveyRow struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	Edition        string     `json:"edition"`
	Status         string     `json:"status"`
	WorkGroup      *string    `json:"work_group"`
	Deadline       *time.Time `json:"deadline"`
	ResponseCounts *struct {
		Draft     int `json:"draft"`
		Submitted int `json:"submitted"`
	} `json:"response_counts"`
}

// Group is the survey's work group, "" for none.
func (s surveyRow) Group() string {
	if s.WorkGroup == nil {
		return ""
	}
	return *s.WorkGroup
}

// surveysOf reads a page of the surveys the user may see, of the status ("" for
// any) and of the work group ("" for any), from the cursor on; next continues
// the list.
func (h *Handler) surveysOf(r *http.Request, v *visit, status, group, cursor string) (out []surveyRow, next string, rep reply, ok bool) {
	q := url.Values{"limit": {"50"}}
	for k, val := range map[string]string{"status": status, "work_group": group, "cursor": cursor} {
		if val != "" {
			q.Set(k, val)
		}
	}
	var page listOf[surveyRow]
	if rep, ok := h.get(r, v, "/v1/surveys?"+q.Encode(), &page); !ok {
		return nil, "", rep, false
	}
	return page.Items, page.NextCursor, reply{}, true
}

type surveysView struct {
	Surveys    []surveyRow
	User       survey.User
	Next       string
	Status     string
	Group      string
	WorkGroups listOf[workGroupDoc]
}

// Runs reports whether the user runs the survey (the secretariat, or a chair
// of its group), by the rule the API asks: the list links it to the page that
// runs it, else to the member's response.
func (sv surveysView) Runs(s surveyRow) bool {
	return sv.User.CanRun(survey.Survey{WorkGroup: s.Group()})
}

// NextQuery is the query of the list's next page, with its filters.
func (sv surveysView) NextQuery() template.URL {
	return template.URL(url.Values{"status": {sv.Status}, "work_group": {sv.Group}, "cursor": {sv.Next}}.Encode())
}

// surveysPage serves GET /surveys (?status=&work_group=&cursor=): the surveys
// the user may see, for the secretariat and for chairs, with the way to the
// page that runs each.
func (h *Handler) surveysPage(w http.ResponseWriter, r *http.Request, v *visit) {
	view := surveysView{Status: r.FormValue("status"), Group: r.FormValue("work_group"), User: v.user}
	var rep reply
	var ok bool
	if view.Surveys, view.Next, rep, ok = h.surveysOf(r, v, view.Status, view.Group, r.FormValue("cursor")); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if rep, ok := h.get(r, v, "/v1/work-groups?limit=200", &view.WorkGroups); !ok {
		h.refused(w, r, v, rep)
		return
	}
	h.render(w, r, v, http.StatusOK, "surveys", "Surveys", view, "")
}

// manageSurveyPage serves GET /surveys/{id}/manage: the page that runs a survey,
// for the secretariat and for the chairs of its work group (the API decides).
func (h *Handler) manageSurveyPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.managePage(w, r, v, "")
}
