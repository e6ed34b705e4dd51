package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

type peerGroupDoc struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Members     []string `json:"members"`
	Warnings    []string `json:"warnings"`
}

type peerGroupsView struct {
	Groups  listOf[peerGroupDoc]
	Members listOf[memberDoc]
	Form    form
	Message string
}

// peerGroupsPage serves GET /admin/peer-groups: the peer groups, and the form
// that makes one.
func (h *Handler) peerGroupsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showPeerGroups(w, r, v, http.StatusOK, form{})
}

func (h *Handler) showPeerGroups(w http.ResponseWriter, r *http.Request, v *visit, status int, f form) {
	if h.notSecretariat(w, r, v) {
		return
	}
	view := peerGroupsView{Form: f, Message: doneMessage(r)}
	for path, out := range map[string]any{"/v1/peer-groups?limit=200": &view.Groups, "/v1/members?limit=200": &view.Members} {
		if rep, ok := h.get(r, v, path, out); !ok {
			h.refused(w, r, v, rep)
			return
		}
	}
	h.render(w, r, v, status, "peergroups", "Peer groups", view, "")
}

// groupMembers is the members a form chose: the ticked boxes and the codes
// typed (separated by spaces, commas or lines), each once, in order.
func groupMembers(r *http.Request) []string {
	out := []string{}
	codes := strings.FieldsFunc(r.PostFormValue("codes"), func(c rune) bool { return c == ',' || c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
	for _, code := range append(r.PostForm["member"], codes...) {
		if code = strings.ToLower(strings.TrimSpace(code)); code != "" && !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out
}

// createPeerGroupPost serves POST /admin/peer-groups. When the API warns that
// the groups would leave small pieces of members, the group's page is shown at
// once with the warning (it is in this answer only); else the browser goes to it.
func (h *Handler) createPeerGroupPost(w http.ResponseWriter, r *http.Request, v *visit) {
	key := strings.TrimSpace(r.PostFormValue("key"))
	rep := h.sendJSON(r, v, http.MethodPost, "/v1/peer-groups", map[string]any{"key": key,
		"name": strings.TrimSpace(r.PostFormValue("name")), "description": r.PostFormValue("description"), "members": groupMembers(r)})
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showPeerGroups(w, r, v, status, f) }) {
		return
	}
	h.savedPeerGroup(w, r, v, rep, key, "peer_group.created")
}

// savedPeerGroup follows a peer group's creation or change.
func (h *Handler) savedPeerGroup(w http.ResponseWriter, r *http.Request, v *visit, rep reply, key, done string) {
	var saved peerGroupDoc
	if err := rep.decode(&saved); err != nil {
		h.internal(w, r, v, err)
		return
	}
	if len(saved.Warnings) == 0 {
		seeOther(w, r, "/admin/peer-groups/"+url.PathEscape(key), done)
		return
	}
	h.showPeerGroup(w, r, v, http.StatusOK, key, form{}, doneMessages[done], saved.Warnings)
}

type peerGroupView struct {
	Group    peerGroupDoc
	Members  listOf[memberDoc]
	Form     form
	Message  string
	Warnings []string
}

// peerGroupPage serves GET /admin/peer-groups/{key}: the form that changes the
// group's name and members, and the button that deletes it.
func (h *Handler) peerGroupPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showPeerGroup(w, r, v, http.StatusOK, r.PathValue("key"), form{}, doneMessage(r), nil)
}

// showPeerGroup shows the group with the key: the path's, or the one just made.
func (h *Handler) showPeerGroup(w http.ResponseWriter, r *http.Request, v *visit, status int, key string, f form, message string, warnings []string) {
	if h.notSecretariat(w, r, v) {
		return
	}
	view := peerGroupView{Form: f, Message: message, Warnings: warnings}
	for path, out := range map[string]any{"/v1/peer-groups/" + url.PathEscape(key): &view.Group, "/v1/members?limit=200": &view.Members} {
		if rep, ok := h.get(r, v, path, out); !ok {
			h.refused(w, r, v, rep)
			return
		}
	}
	h.render(w, r, v, status, "peergroup", "Peer group "+view.Group.Key, view, "")
}

// peerGroupPost serves POST /admin/peer-groups/{key}: PUT its name, description
// and members.
func (h *Handler) peerGroupPost(w http.ResponseWriter, r *http.Request, v *visit) {
	key := r.PathValue("key")
	rep := h.sendJSON(r, v, http.MethodPut, "/v1/peer-groups/"+url.PathEscape(key), map[string]any{
		"name": strings.TrimSpace(r.PostFormValue("name")), "description": r.PostFormValue("description"), "members": groupMembers(r)})
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showPeerGroup(w, r, v, status, key, f, "", nil) }) {
		return
	}
	h.savedPeerGroup(w, r, v, rep, key, "peer_group.updated")
}

// peerGroupDeletePost serves POST /admin/peer-groups/{key}/delete.
func (h *Handler) peerGroupDeletePost(w http.ResponseWriter, r *http.Request, v *visit) {
	rep := h.call(r.Context(), r, v.user, http.MethodDelete, "/v1/peer-groups/"+url.PathEscape(r.PathValue("key")), nil, "")
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	seeOther(w, r, "/admin/peer-groups", "peer_group.deleted")
}

// pickerView is the members of a peer group's form: a box for each member of
// the directory, and the codes typed that are not in it (to show them again).
type pickerView struct {
	Boxes []struct {
		memberDoc
		In bool
	}
	Codes, Err string
}

// groupPicker shows the members of the directory, ticked when in (or when the
// refused form ticked them).
func groupPicker(members []memberDoc, f form, in []string) pickerView {
	pv := pickerView{Err: f.Err("members"), Codes: f.Value("codes")}
	for _, m := range members {
		ticked := slices.Contains(in, m.Code)
		if f.Values != nil {
			ticked = f.Checked("member", m.Code)
		}
		pv.Boxes = append(pv.Boxes, struct {
			memberDoc
			In bool
		}{m, ticked})
	}
	if f.Values == nil {
		// Codes of the group that the directory's first page lacks stay in the group.
		var rest []string
		for _, code := range in {
			if !slices.ContainsFunc(members, func(m memberDoc) bool { return m.Code == code }) {
				rest = append(rest, code)
			}
		}
		pv.Codes = strings.Join(rest, " ")
	}
	return pv
}
