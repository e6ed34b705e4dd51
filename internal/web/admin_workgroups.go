package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type workGroupDoc struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Chairs      []string `json:"chairs"`
}

type workGroupsView struct {
	Groups  listOf[workGroupDoc]
	Form    form
	Message string
}

// workGroupsPage serves GET /work-groups: the directory, which every user
// reads, and for the secretariat the form that makes a group.
func (h *Handler) workGroupsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showWorkGroups(w, r, v, http.StatusOK, form{})
}

func (h *Handler) showWorkGroups(w http.ResponseWriter, r *http.Request, v *visit, status int, f form) {
	view := workGroupsView{Form: f, Message: doneMessage(r)}
	if rep, ok := h.get(r, v, "/v1/work-groups?limit=200", &view.Groups); !ok {
		h.refused(w, r, v, rep)
		return
	}
	h.render(w, r, v, status, "workgroups", "Work groups", view, "")
}

// createWorkGroupPost serves POST /work-groups.
func (h *Handler) createWorkGroupPost(w http.ResponseWriter, r *http.Request, v *visit) {
	key := strings.TrimSpace(r.PostFormValue("key"))
	rep := h.sendJSON(r, v, http.MethodPost, "/v1/work-groups", map[string]any{"key": key,
		"name": strings.TrimSpace(r.PostFormValue("name")), "description": r.PostFormValue("description")})
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showWorkGroups(w, r, v, status, f) }) {
		return
	}
	seeOther(w, r, "/work-groups/"+url.PathEscape(key), "work_group.created")
}

// personRow is one of a group's people, or a chair who is not one of them.
type personRow struct {
	User  userDoc
	Chair bool
}

type workGroupView struct {
	Group   workGroupDoc
	People  []personRow
	Others  []string // chairs the user cannot see: other members' users
	More    bool     // the group has more people than are shown
	Users   []userDoc
	Surveys []surveyRow
	Runs    bool // the user runs the group's surveys: the secretariat or a chair
	Form    form
	Message string
}

// workGroupPage serves GET /work-groups/{key}: the group, its chairs and people
// (as many as the API shows the user), and its surveys, each with the way to
// the page that runs it for those who run it.
func (h *Handler) workGroupPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showWorkGroup(w, r, v, http.StatusOK, form{})
}

func (h *Handler) showWorkGroup(w http.ResponseWriter, r *http.Request, v *visit, status int, f form) {
	key := r.PathValue("key")
	base := "/v1/work-groups/" + url.PathEscape(key)
	view := workGroupView{Form: f, Message: doneMessage(r), Runs: v.user.CanRun(survey.Survey{WorkGroup: key})}
	var people listOf[userDoc]
	for path, out := range map[string]any{base: &view.Group, base + "/people?limit=200": &people} {
		if rep, ok := h.get(r, v, path, out); !ok {
			h.refused(w, r, v, rep)
			return
		}
	}
	view.More = people.NextCursor != ""
	for _, u := range people.Items {
		view.People = append(view.People, personRow{User: u, Chair: slices.Contains(view.Group.Chairs, u.ID)})
	}
	for _, id := range view.Group.Chairs {
		if slices.ContainsFunc(people.Items, func(u userDoc) bool { return u.ID == id }) {
			continue
		}
		var u userDoc
		if _, ok := h.get(r, v, "/v1/users/"+url.PathEscape(id), &u); ok {
			view.People = append(view.People, personRow{User: u, Chair: true})
		} else {
			view.Others = append(view.Others, id)
		}
	}
	if v.user.IsSecretariat() {
		var users listOf[userDoc]
		if rep, ok := h.get(r, v, "/v1/users?limit=200", &users); !ok {
			h.refused(w, r, v, rep)
			return
		}
		for _, u := range users.Items {
			if u.Member != nil && u.Active && !slices.ContainsFunc(people.Items, func(p userDoc) bool { return p.ID == u.ID }) {
				view.Users = append(view.Users, u)
			}
		}
	}
	var rep reply
	var ok bool
	if view.Surveys, _, rep, ok = h.surveysOf(r, v, "", key, ""); !ok {
		h.refused(w, r, v, rep)
		return
	}
	h.render(w, r, v, status, "workgroup", view.Group.Name, view, "")
}

// workGroupPost serves POST /work-groups/{key}: PATCH its name and description.
func (h *Handler) workGroupPost(w http.ResponseWriter, r *http.Request, v *visit) {
	key := r.PathValue("key")
	rep := h.sendJSON(r, v, http.MethodPatch, "/v1/work-groups/"+url.PathEscape(key), map[string]any{
		"name": strings.TrimSpace(r.PostFormValue("name")), "description": r.PostFormValue("description")})
	h.afterWorkGroup(w, r, v, rep, key, "work_group.updated")
}

// afterWorkGroup follows a change of the group: back to its page with the
// message, the form again with the API's reasons, or the refusal.
func (h *Handler) afterWorkGroup(w http.ResponseWriter, r *http.Request, v *visit, rep reply, key, done string) {
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showWorkGroup(w, r, v, status, f) }) {
		return
	}
	seeOther(w, r, "/work-groups/"+url.PathEscape(key), done)
}

// setChair makes the user a chair of the group, or not: the API takes the
// whole list of chairs, so it is read, changed and written back.
func (h *Handler) setChair(r *http.Request, v *visit, key, user string, chair bool) reply {
	base := "/v1/work-groups/" + url.PathEscape(key)
	var g workGroupDoc
	if rep, ok := h.get(r, v, base, &g); !ok {
		return rep
	}
	chairs := slices.DeleteFunc(slices.Clone(g.Chairs), func(id string) bool { return id == user })
	if chair {
		chairs = append(chairs, user)
	}
	return h.sendJSON(r, v, http.MethodPatch, base, map[string]any{"chairs": chairs})
}

// addPersonPost serves POST /work-groups/{key}/people (user, role=member|chair):
// the user becomes one of the group's people, and a chair if so chosen.
func (h *Handler) addPersonPost(w http.ResponseWriter, r *http.Request, v *visit) {
	key, user := r.PathValue("key"), r.PostFormValue("user")
	if user == "" {
		user = "-" // no user has this id: the API says so, next to the field
	}
	rep := h.call(r.Context(), r, v.user, http.MethodPut, "/v1/work-groups/"+url.PathEscape(key)+"/people/"+url.PathEscape(user), nil, "")
	if rep.ok() && r.PostFormValue("role") == "chair" {
		rep = h.setChair(r, v, key, user, true)
	}
	switch p := rep.problem(); {
	case rep.ok():
		seeOther(w, r, "/work-groups/"+url.PathEscape(key), "work_group.person_added")
	case formRefusal(rep), p.Reason == string(survey.NoSuchUser):
		// The API's reason is about the chosen user (in the path, or as
		// chairs[i]): it is shown next to the field that chose it.
		reason := p.Detail
		for _, e := range p.Errors {
			reason = e.Reason
		}
		p.Errors = []problemField{{Field: "user", Reason: reason}}
		h.showWorkGroup(w, r, v, http.StatusUnprocessableEntity, form{Values: r.PostForm, Problem: &p})
	default:
		h.refused(w, r, v, rep)
	}
}

// chairPost serves POST /work-groups/{key}/chairs/{user} (chair=true|false).
func (h *Handler) chairPost(w http.ResponseWriter, r *http.Request, v *visit) {
	key := r.PathValue("key")
	rep := h.setChair(r, v, key, r.PathValue("user"), r.PostFormValue("chair") == "true")
	if formRefusal(rep) {
		h.refused(w, r, v, rep) // the API names the user it refuses as a chair
		return
	}
	h.afterWorkGroup(w, r, v, rep, key, "work_group.chairs")
}

// removePersonPost serves POST /work-groups/{key}/people/{user}/remove: the user
// leaves the group's people, and its chairs.
func (h *Handler) removePersonPost(w http.ResponseWriter, r *http.Request, v *visit) {
	key, user := r.PathValue("key"), r.PathValue("user")
	var g workGroupDoc
	if rep, ok := h.get(r, v, "/v1/work-groups/"+url.PathEscape(key), &g); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if slices.Contains(g.Chairs, user) {
		if rep := h.setChair(r, v, key, user, false); !rep.ok() {
			h.refused(w, r, v, rep)
			return
		}
	}
	rep := h.call(r.Context(), r, v.user, http.MethodDelete, "/v1/work-groups/"+url.PathEscape(key)+"/people/"+url.PathEscape(user), nil, "")
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	seeOther(w, r, "/work-groups/"+url.PathEscape(key), "work_group.person_removed")
}
