package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// toldDoc is one mail queued to one of a member's people about the survey, as
// GET /v1/surveys/{id}/progress lists it under the member's "told".
type toldDoc struct {
	User     string    `json:"user"`
	Email    string    `json:"email"`
	Kind     string    `json:"kind"`
	Template string    `json:"template"`
	State    string    `json:"state"`
	At       time.Time `json:"at"`
}

// toldMails name the mails of the survey platform in the words of the page.
var toldMails = map[string]string{
	"invitation":        "Invitation",
	"reminder":          "Reminder",
	"period_opened":     "Period opened",
	"period_closing":    "Reminder before the period closes",
	"receipt_submitted": "Receipt of the submission",
	"receipt_withdrawn": "Receipt of the withdrawal",
	"results":           "Results published",
}

// toldStates say what became of a mail, from the state of its job.
var toldStates = map[string]string{
	"pending":   "queued",
	"running":   "being sent",
	"done":      "sent",
	"failed":    "could not be sent",
	"cancelled": "cancelled",
}

// What is the mail, in words.
func (t toldDoc) What() string {
	if w, ok := toldMails[t.Template]; ok {
		return w
	}
	return strings.ReplaceAll(t.Template, "_", " ")
}

// Outcome is what became of the mail, in words.
func (t toldDoc) Outcome() string {
	if w, ok := toldStates[t.State]; ok {
		return w
	}
	return t.State
}

// reminderPost serves POST /surveys/{id}/reminders: a reminder now to the
// members named (member, repeated), or to every member that has not submitted.
// The API decides who may, and whom; the mails appear under "told" once the
// reminder job has queued them.
func (h *Handler) reminderPost(w http.ResponseWriter, r *http.Request, v *visit) {
	body := map[string]any{}
	if members := nonEmpty(r.PostForm["member"]); len(members) > 0 {
		body["members"] = members
	}
	rep := h.sendJSON(r, v, http.MethodPost, "/v1/surveys/"+url.PathEscape(r.PathValue("id"))+"/reminders", body)
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	var queued struct {
		Members []string `json:"members"`
	}
	if err := rep.decode(&queued); err != nil {
		h.internal(w, r, v, err)
		return
	}
	if len(queued.Members) == 0 {
		h.managePage(w, r, v, "Nobody to remind: every member has submitted, or its deadline has passed.")
		return
	}
	h.managePage(w, r, v, "A reminder is on its way to the people of "+strings.Join(queued.Members, ", ")+
		". It shows under “Who was told” once it is queued, in a moment; reload the page to see it.")
}
