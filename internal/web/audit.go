package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

type auditDoc struct {
	ID         string          `json:"id"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	Kind       string          `json:"kind"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Member     *string         `json:"member"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
}

// auditChange is one field of an entry's object, before and after.
type auditChange struct{ Field, Before, After string }

// auditRow is an entry as the page shows it.
type auditRow struct {
	auditDoc
	Who     string
	Object  string // the object's name where the page knows it, else its id
	Changes []auditChange
	Made    bool // nothing before: the changes are the new object's fields
	Gone    bool // nothing after: the changes are the old object's fields
}

type auditView struct {
	Rows    []auditRow
	Next    string
	Filter  url.Values
	Form    form
	Actors  []userDoc
	Types   []string
	Scoped  string // the member a member's user reads the trail of
	Problem *problem
}

// NextPage is the address of the next page, with the filters.
func (av auditView) NextPage() template.URL {
	q := url.Values{}
	for k, vs := range av.Filter {
		q[k] = vs
	}
	q.Set("cursor", av.Next)
	return template.URL("/audit?" + q.Encode())
}

// auditFilters are the query parameters of GET /v1/audit that the page passes
// on as they are; the dates are turned into times.
var auditFilters = []string{"actor", "object_type", "object_id", "kind", "member"}

// auditPage serves GET /audit: the audit trail as the API shows it to the user
// (all of it to the secretariat, its own member's entries to a member's user),
// with the API's filters, newest first, a page at a time by the API's cursor.
// Dates (from, to) are days in UTC; to includes its day.
func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, v *visit) {
	view := auditView{Filter: url.Values{}, Types: []string{"survey", "series", "member", "user", "token", "peer_group", "work_group", "webhook", "extension", "import"}}
	if !v.user.IsSecretariat() {
		view.Scoped = v.user.Member
	}
	q := url.Values{"limit": {"50"}}
	for _, name := range append(auditFilters, "from", "to") {
		if val := strings.TrimSpace(r.FormValue(name)); val != "" {
			view.Filter.Set(name, val)
		}
	}
	for _, name := range auditFilters {
		if val := view.Filter.Get(name); val != "" {
			q.Set(name, val)
		}
	}
	// A day that does not parse is sent as typed, for the API to refuse in its words.
	for name, plus := range map[string]int{"from": 0, "to": 1} {
		if val := view.Filter.Get(name); val != "" {
			if day, err := time.Parse("2006-01-02", val); err == nil {
				val = day.AddDate(0, 0, plus).Format(time.RFC3339)
			}
			q.Set(name, val)
		}
	}
	if c := r.FormValue("cursor"); c != "" {
		q.Set("cursor", c)
	}
	view.Form = form{Values: view.Filter}
	var users listOf[userDoc]
	if _, ok := h.get(r, v, "/v1/users?limit=200", &users); ok {
		view.Actors = users.Items
	}
	if a := view.Filter.Get("actor"); a != "" && a != "system" && !slices.ContainsFunc(view.Actors, func(u userDoc) bool { return u.ID == a }) {
		view.Actors = append(view.Actors, userDoc{ID: a, Email: a}) // beyond the first 200, or no one's: kept as asked
	}
	var page listOf[auditDoc]
	rep, ok := h.get(r, v, "/v1/audit?"+q.Encode(), &page)
	switch {
	case !ok && formRefusal(rep):
		p := rep.problem()
		view.Form.Problem = &p
		h.render(w, r, v, rep.Status, "audit", "Audit trail", view, "")
		return
	case !ok:
		h.refused(w, r, v, rep)
		return
	}
	view.Next = page.NextCursor
	names := map[string]string{"system": "the system (the demo, the command line or a job)"}
	for _, u := range users.Items {
		names[u.ID] = u.Label()
	}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		var u userDoc
		if _, ok := h.get(r, v, "/v1/users/"+url.PathEscape(id), &u); ok {
			names[id] = u.Label()
		} else {
			names[id] = "someone outside your member (" + id + ")"
		}
		return names[id]
	}
	for _, e := range page.Items {
		row := auditRow{auditDoc: e, Who: name(e.Actor), Object: e.ObjectID, Changes: changes(e.Before, e.After),
			Made: isNull(e.Before), Gone: isNull(e.After)}
		if e.ObjectType == "user" {
			row.Object = name(e.ObjectID)
		} else if title := snapshotTitle(e.After, e.Before); title != "" && title != e.ObjectID {
			row.Object = title + " (" + e.ObjectID + ")"
		}
		view.Rows = append(view.Rows, row)
	}
	h.render(w, r, v, http.StatusOK, "audit", "Audit trail", view, "")
}

// changes lists the fields of an object that differ before and after, each
// value as a short text. Snapshots are JSON objects; anything else is shown
// whole.
func changes(before, after json.RawMessage) []auditChange {
	var b, a map[string]json.RawMessage
	bOK := json.Unmarshal(before, &b) == nil
	aOK := json.Unmarshal(after, &a) == nil
	if !bOK || !aOK {
		if bytes.Equal(before, after) {
			return nil
		}
		return []auditChange{{Field: "object", Before: shortValue(before), After: shortValue(after)}}
	}
	var keys []string
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []auditChange
	for _, k := range keys {
		if k == "UpdatedAt" || k == "CreatedAt" || k == "ID" {
			continue // every change moves the times, and the entry names the object
		}
		bv, av := shortValue(b[k]), shortValue(a[k])
		if bv == av {
			continue
		}
		out = append(out, auditChange{Field: fieldName(k), Before: bv, After: av})
	}
	return out
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// snapshotTitle is the title or name in the first snapshot that has one, to
// name the object by.
func snapshotTitle(snapshots ...json.RawMessage) string {
	for _, raw := range snapshots {
		var named struct{ Title, Name string }
		if json.Unmarshal(raw, &named) == nil {
			if named.Title != "" {
				return named.Title
			}
			if named.Name != "" {
				return named.Name
			}
		}
	}
	return ""
}

// shortValue is a JSON value as a person reads it: text as it is, a list of
// texts joined, true and false as yes and no, nothing as "—"; anything larger
// as its JSON, cut at 200 characters.
func shortValue(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "—"
	}
	var x any
	if json.Unmarshal(raw, &x) != nil {
		return string(raw)
	}
	switch t := x.(type) {
	case nil:
		return "—"
	case string:
		if t == "" {
			return "—"
		}
		return t
	case bool:
		return map[bool]string{true: "yes", false: "no"}[t]
	case float64:
		return fmt.Sprint(t)
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return cut(string(raw))
			}
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			return "—"
		}
		return strings.Join(parts, ", ")
	}
	return cut(string(raw))
}

func cut(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

// fieldName turns a snapshot's field ("WorkGroup", "member") into words
// ("work group", "member").
func fieldName(k string) string {
	var b strings.Builder
	prev := ' '
	for _, c := range k {
		if unicode.IsUpper(c) && unicode.IsLower(prev) {
			b.WriteByte(' ')
		}
		prev = c
		if c == '_' {
			c = ' '
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// auditWhat says an entry's kind in words: "member.updated" is "member updated".
func auditWhat(kind string) string {
	return strings.NewReplacer(".", " ", "_", " ").Replace(kind)
}
