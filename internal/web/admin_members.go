package web

import (
	"net/http"
	"net/url"
	"strings"
)

type memberDoc struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Country    string `json:"country"`
	Membership string `json:"membership"`
	Active     bool   `json:"active"`
}

type membersView struct {
	Members listOf[memberDoc]
	Form    form
	Message string
}

// membersPage serves GET /admin/members: every member, and the form that adds one.
func (h *Handler) membersPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showMembers(w, r, v, http.StatusOK, form{})
}

func (h *Handler) showMembers(w http.ResponseWriter, r *http.Request, v *visit, status int, f form) {
	if h.notSecretariat(w, r, v) {
		return
	}
	view := membersView{Form: f, Message: doneMessage(r)}
	if rep, ok := h.get(r, v, "/v1/members?limit=200", &view.Members); !ok {
		h.refused(w, r, v, rep)
		return
	}
	h.render(w, r, v, status, "members", "Members", view, "")
}

// memberBody is the member of a form as the API takes it. The country is sent
// in capitals, as ISO 3166 writes it, whatever the person typed.
func memberBody(r *http.Request) map[string]any {
	return map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")),
		"country":    strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))),
		"membership": r.PostFormValue("membership")}
}

// createMemberPost serves POST /admin/members.
func (h *Handler) createMemberPost(w http.ResponseWriter, r *http.Request, v *visit) {
	body := memberBody(r)
	body["code"] = strings.TrimSpace(r.PostFormValue("code"))
	body["active"] = r.PostFormValue("active") == "true"
	rep := h.sendJSON(r, v, http.MethodPost, "/v1/members", body)
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showMembers(w, r, v, status, f) }) {
		return
	}
	seeOther(w, r, "/admin/members", "member.created")
}

type memberView struct {
	Member memberDoc
	Form   form
}

// memberPage serves GET /admin/members/{code}: the form that changes a member,
// and the button that suspends or reactivates it.
func (h *Handler) memberPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showMember(w, r, v, http.StatusOK, form{})
}

func (h *Handler) showMember(w http.ResponseWriter, r *http.Request, v *visit, status int, f form) {
	if h.notSecretariat(w, r, v) {
		return
	}
	view := memberView{Form: f}
	if rep, ok := h.get(r, v, "/v1/members/"+url.PathEscape(r.PathValue("code")), &view.Member); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if f.Values != nil {
		view.Member.Membership = f.Value("membership")
	}
	h.render(w, r, v, status, "member", "Member "+view.Member.Code, view, "")
}

// memberPost serves POST /admin/members/{code}: PATCH its name, country and
// membership.
func (h *Handler) memberPost(w http.ResponseWriter, r *http.Request, v *visit) {
	rep := h.sendJSON(r, v, http.MethodPatch, "/v1/members/"+url.PathEscape(r.PathValue("code")), memberBody(r))
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showMember(w, r, v, status, f) }) {
		return
	}
	seeOther(w, r, "/admin/members", "member.updated")
}

// memberActivePost serves POST /admin/members/{code}/active (active=true|false):
// a suspended member stays in the records but is in no new audience.
func (h *Handler) memberActivePost(w http.ResponseWriter, r *http.Request, v *visit) {
	active := r.PostFormValue("active") == "true"
	rep := h.sendJSON(r, v, http.MethodPatch, "/v1/members/"+url.PathEscape(r.PathValue("code")), map[string]any{"active": active})
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	seeOther(w, r, "/admin/members", map[bool]string{true: "member.reactivated", false: "member.suspended"}[active])
}
