package web

import (
	"net/http"
	"net/url"
	"strings"
)

type userDoc struct {
	ID     string  `json:"id"`
	Email  string  `json:"email"`
	Name   string  `json:"name"`
	Role   string  `json:"role"`
	Member *string `json:"member"`
	Active bool    `json:"active"`
}

// label is how a page names the user: name and address.
func (u userDoc) Label() string {
	if u.Name == "" {
		return u.Email
	}
	return u.Name + " (" + u.Email + ")"
}

type adminView struct {
	Users   listOf[userDoc]
	Form    form
	Message string
}

// adminPage serves GET /admin: the secretariat's hub, with the users (the first
// 200) and the way to the other subjects' pages.
func (h *Handler) adminPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showAdmin(w, r, v, http.StatusOK, form{}, doneMessage(r))
}

func (h *Handler) showAdmin(w http.ResponseWriter, r *http.Request, v *visit, status int, f form, message string) {
	if h.notSecretariat(w, r, v) {
		return
	}
	view := adminView{Form: f, Message: message}
	if rep, ok := h.get(r, v, "/v1/users?limit=200", &view.Users); !ok {
		h.refused(w, r, v, rep)
		return
	}
	h.render(w, r, v, status, "administration", "Administration", view, "")
}

// createUserPost serves POST /admin/users: a person who may then sign in.
func (h *Handler) createUserPost(w http.ResponseWriter, r *http.Request, v *visit) {
	body := map[string]any{"email": r.PostFormValue("email"), "name": r.PostFormValue("name"), "role": r.PostFormValue("role")}
	if m := strings.TrimSpace(r.PostFormValue("member")); m != "" {
		body["member"] = m
	}
	rep := h.sendJSON(r, v, http.MethodPost, "/v1/users", body)
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showAdmin(w, r, v, status, f, "") }) {
		return
	}
	seeOther(w, r, "/admin", "user.created")
}

// userActivePost serves POST /admin/users/{id}/active (active=true|false): a
// deactivated user's sessions and tokens stop working at once.
func (h *Handler) userActivePost(w http.ResponseWriter, r *http.Request, v *visit) {
	active := r.PostFormValue("active") == "true"
	rep := h.sendJSON(r, v, http.MethodPatch, "/v1/users/"+url.PathEscape(r.PathValue("id")), map[string]any{"active": active})
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	seeOther(w, r, "/admin", map[bool]string{true: "user.activated", false: "user.deactivated"}[active])
}

type userView struct {
	User    userDoc
	Member  string
	Form    form
	Members listOf[memberDoc]
}

// userPage serves GET /admin/users/{id}: the form that changes a user's name,
// role and member.
func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showUser(w, r, v, http.StatusOK, form{})
}

func (h *Handler) showUser(w http.ResponseWriter, r *http.Request, v *visit, status int, f form) {
	if h.notSecretariat(w, r, v) {
		return
	}
	view := userView{Form: f}
	if rep, ok := h.get(r, v, "/v1/users/"+url.PathEscape(r.PathValue("id")), &view.User); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if rep, ok := h.get(r, v, "/v1/members?limit=200", &view.Members); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if view.User.Member != nil {
		view.Member = *view.User.Member
	}
	if f.Values != nil {
		view.User.Name, view.User.Role, view.Member = f.Value("name"), f.Value("role"), f.Value("member")
	}
	h.render(w, r, v, status, "user", "User "+view.User.Email, view, "")
}

// userPost serves POST /admin/users/{id}: PATCH the user's name, role and
// member. A user made secretariat leaves its member (the API does that).
func (h *Handler) userPost(w http.ResponseWriter, r *http.Request, v *visit) {
	body := map[string]any{"name": r.PostFormValue("name"), "role": r.PostFormValue("role")}
	if r.PostFormValue("role") != "secretariat" {
		body["member"] = strings.TrimSpace(r.PostFormValue("member"))
	}
	rep := h.sendJSON(r, v, http.MethodPatch, "/v1/users/"+url.PathEscape(r.PathValue("id")), body)
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showUser(w, r, v, status, f) }) {
		return
	}
	seeOther(w, r, "/admin", "user.updated")
}
