package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// form is what a page's form shows again after the API refused it: the values
// the person typed, and the API's problem, whose field errors are shown next to
// their fields.
type form struct {
	Values  url.Values
	Problem *problem
}

// refusedForm is the form of a POST that the API refused with rep.
func refusedForm(r *http.Request, rep reply) form {
	p := rep.problem()
	return form{Values: r.PostForm, Problem: &p}
}

// Value is what the person typed in the field name.
func (f form) Value(name string) string { return f.Values.Get(name) }

// Checked reports whether the person ticked value in the field name.
func (f form) Checked(name, value string) bool { return slices.Contains(f.Values[name], value) }

// Err is what the API said about the field, its elements ("members[2]") and
// sub-fields included; "" for nothing.
func (f form) Err(field string) string {
	if f.Problem == nil {
		return ""
	}
	var out []string
	for _, e := range f.Problem.Errors {
		if about(e.Field, field) {
			out = append(out, e.Reason)
		}
	}
	return strings.Join(out, "; ")
}

// Other lists the API's errors about no field of the form, to show above it.
func (f form) Other(fields ...string) []problemField {
	if f.Problem == nil {
		return nil
	}
	var out []problemField
	for _, e := range f.Problem.Errors {
		if !slices.ContainsFunc(fields, func(name string) bool { return about(e.Field, name) }) {
			out = append(out, e)
		}
	}
	return out
}

// about reports whether an error of the API's field is about the form's field.
func about(apiField, field string) bool {
	return apiField == field || strings.HasPrefix(apiField, field+"[") || strings.HasPrefix(apiField, field+".")
}

// inputView is one labelled text input, for the "input" template of fields.html.
type inputView struct {
	ID, Name, Label, Type, Value, Err string
	Required                          bool
}

// Input is the field name as a labelled input: typ is its type ("" for text),
// value what it shows unless this form was sent with the field.
func (f form) Input(id, name, label, typ, value string, required bool) inputView {
	if typed, ok := f.Values[name]; ok && len(typed) > 0 {
		value = typed[0]
	}
	return inputView{ID: id, Name: name, Label: label, Type: typ, Value: value, Err: f.Err(name), Required: required}
}

// doneMessages are the messages a page shows after a change succeeded and the
// browser was sent back to it (303, ?done=key): a fixed list, so that a link
// cannot make a page say anything else.
var doneMessages = map[string]string{
	"user.created":              "The user was made; they can sign in with their address.",
	"user.updated":              "The user was changed.",
	"user.activated":            "The user was activated; they can sign in again.",
	"user.deactivated":          "The user was deactivated: their sessions and tokens no longer work.",
	"member.created":            "The member was added.",
	"member.updated":            "The member was changed.",
	"member.suspended":          "The member was suspended: it stays in the records but is in no audience until it is reactivated.",
	"member.reactivated":        "The member was reactivated.",
	"peer_group.created":        "The peer group was made.",
	"peer_group.updated":        "The peer group was changed.",
	"peer_group.deleted":        "The peer group was deleted.",
	"work_group.created":        "The work group was made.",
	"work_group.updated":        "The work group was changed.",
	"work_group.person_added":   "The person was added to the work group.",
	"work_group.person_removed": "The person was taken out of the work group.",
	"work_group.chairs":         "The work group's chairs were changed.",
	"webhook.enabled":           "The webhook was enabled.",
	"webhook.disabled":          "The webhook was disabled: nothing is sent to it until it is enabled again.",
	"webhook.deleted":           "The webhook was deleted.",
	"webhook.resent":            "The delivery was queued to be sent again.",
}

// doneMessage is the message of the page's ?done= key, or "".
func doneMessage(r *http.Request) string { return doneMessages[r.URL.Query().Get("done")] }

// seeOther sends the browser, after a change, to the page at path with the
// message of done: a reload then reads the page again rather than repeating
// the change.
func seeOther(w http.ResponseWriter, r *http.Request, path, done string) {
	http.Redirect(w, r, path+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

// listOf is one page of a list of the API.
type listOf[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// formRefusal reports whether the API refused a form's values (shown again,
// with the reasons next to the fields) rather than the person (a page that
// says so).
func formRefusal(rep reply) bool {
	switch rep.Status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// formRefused answers a form's POST that the API refused, and reports
// whether it did: refused values show the form again, by again, with the
// API's reasons next to the fields; a refused person gets the page that says
// so. A reply the API accepted is left to the caller.
func (h *Handler) formRefused(w http.ResponseWriter, r *http.Request, v *visit, rep reply, again func(status int, f form)) bool {
	switch {
	case formRefusal(rep):
		again(rep.Status, refusedForm(r, rep))
	case !rep.ok():
		h.refused(w, r, v, rep)
	default:
		return false
	}
	return true
}
