package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/export"
)

type progressDoc struct {
	Totals struct {
		Audience   int `json:"audience"`
		NotStarted int `json:"not_started"`
		Draft      int `json:"draft"`
		Submitted  int `json:"submitted"`
	} `json:"totals"`
	Members []struct {
		Member           string     `json:"member"`
		Name             string     `json:"name"`
		Status           string     `json:"status"`
		RequiredAnswered int        `json:"required_answered"`
		RequiredTotal    int        `json:"required_total"`
		LastActivity     *time.Time `json:"last_activity"`
		Deadline         *time.Time `json:"deadline"`
		Told             []toldDoc  `json:"told"` // shown by progress.go's words
	} `json:"members"`
}

type manageView struct {
	Survey   surveyDoc
	Progress *progressDoc
	Message  string
}

// managePage is the secretariat's page of one survey: its state, the actions
// its status allows, and the progress of its audience.
func (h *Handler) managePage(w http.ResponseWriter, r *http.Request, v *visit, message string) {
	base := "/v1/surveys/" + url.PathEscape(r.PathValue("id"))
	view := manageView{Message: message}
	if rep, ok := h.get(r, v, base, &view.Survey); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if view.Survey.Status != "draft" {
		var p progressDoc
		if rep, ok := h.get(r, v, base+"/progress", &p); !ok {
			h.refused(w, r, v, rep)
			return
		}
		view.Progress = &p
	}
	h.render(w, r, v, http.StatusOK, "manage", view.Survey.Title, view, "")
}

// lifecyclePost serves POST /surveys/{id}/lifecycle: to=open|close|publish, or
// clone (with edition).
func (h *Handler) lifecyclePost(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	base := "/v1/surveys/" + url.PathEscape(id)
	to := r.PostFormValue("to")
	var rep reply
	switch to {
	case "open", "close", "publish":
		rep = h.call(r.Context(), r, v.user, http.MethodPost, base+"/"+to, nil, "")
	case "clone":
		rep = h.sendJSON(r, v, http.MethodPost, base+"/clone", map[string]any{"edition": r.PostFormValue("edition")})
		if rep.ok() {
			var made surveyDoc
			if err := rep.decode(&made); err == nil {
				http.Redirect(w, r, "/surveys/"+url.PathEscape(made.ID), http.StatusSeeOther)
				return
			}
		}
	default:
		h.fail(w, r, v, http.StatusBadRequest, "Unknown action", "Choose open, close, publish or clone.")
		return
	}
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	h.managePage(w, r, v, "Done: the survey is now "+map[string]string{"open": "open", "close": "closed", "publish": "published"}[to]+".")
}

// extensionPost serves POST /surveys/{id}/extensions: a member's later deadline
// (member, deadline as a date and time in UTC).
func (h *Handler) extensionPost(w http.ResponseWriter, r *http.Request, v *visit) {
	member := r.PostFormValue("member")
	at, err := time.Parse("2006-01-02T15:04", r.PostFormValue("deadline"))
	if err != nil {
		h.fail(w, r, v, http.StatusUnprocessableEntity, "The new deadline is not a date and time", "Enter it as a date and a time, in UTC.")
		return
	}
	rep := h.sendJSON(r, v, http.MethodPut, "/v1/surveys/"+url.PathEscape(r.PathValue("id"))+"/extensions/"+url.PathEscape(member),
		map[string]any{"deadline": at.UTC()})
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	h.managePage(w, r, v, "The deadline of "+member+" is now "+at.UTC().Format("2 Jan 2006, 15:04 UTC")+".")
}

type newSurveyView struct {
	JSON    string
	Problem *problem
}

// newSurveyPage serves GET /surveys/new: upload a questionnaire or write its JSON.
func (h *Handler) newSurveyPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if h.notSecretariat(w, r, v) {
		return
	}
	h.render(w, r, v, http.StatusOK, "newsurvey", "New survey", newSurveyView{}, "")
}

// newSurveyPost serves POST /surveys/new: an XLSForm or SurveyJS upload, or the
// survey's JSON; every problem the API finds is shown by its path.
func (h *Handler) newSurveyPost(w http.ResponseWriter, r *http.Request, v *visit) {
	var rep reply
	text := r.PostFormValue("json")
	if data, name, err := readAll(r, "file"); err == nil && len(data) > 0 {
		format, ct := "surveyjs", "application/json"
		if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
			format, ct = "xlsform", export.XLSXMediaType
		}
		rep = h.call(r.Context(), r, v.user, http.MethodPost, "/v1/surveys/import?format="+format, bytes.NewReader(data), ct)
	} else {
		rep = h.call(r.Context(), r, v.user, http.MethodPost, "/v1/surveys", strings.NewReader(text), "application/json")
	}
	if !rep.ok() {
		p := rep.problem()
		h.render(w, r, v, rep.Status, "newsurvey", "New survey", newSurveyView{JSON: text, Problem: &p}, "")
		return
	}
	var made surveyDoc
	if err := rep.decode(&made); err != nil {
		h.internal(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/surveys/"+url.PathEscape(made.ID), http.StatusSeeOther)
}
