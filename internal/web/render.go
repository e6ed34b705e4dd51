package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// page is what every template sees.
type page struct {
	Title string
	User  *survey.User
	CSRF  string
	Data  any
}

// pageNames are the templates under templates/, each rendered inside layout.html.
func pageNames() []string {
	return []string{"signin", "confirm", "message", "home", "admin", "answer", "conflict", "history", "results",
		"tokens", "manage", "newsurvey", "series", "administration",
		"user", "members", "member", "peergroups", "peergroup", "workgroups", "workgroup", "surveys", "webhooks", "webhook", "audit"}
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"date": func(t *time.Time) string {
			if t == nil {
				return "no deadline"
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"when": func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
		"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"num": func(f float64) string {
			return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
		},
		"path":        url.PathEscape,
		"groupPicker": groupPicker,
		"auditWhat":   auditWhat,
		"list":        func(s ...string) []string { return s },
		"roleLabel": func(role string) string {
			return map[string]string{"respondent": "respondent (answers for a member)",
				"viewer": "viewer (reads a member's answers and results)", "secretariat": "secretariat"}[role]
		},
		// rank is a percentile rank, a share from 0 to 1, as an ordinal: "25th".
		"rank": func(f float64) string {
			n := int(f*100 + 0.5)
			suffix := "th"
			if n%100 < 11 || n%100 > 13 {
				suffix = map[int]string{1: "st", 2: "nd", 3: "rd"}[n%10]
				if suffix == "" {
					suffix = "th"
				}
			}
			return strconv.Itoa(n) + suffix
		},
		"has": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames() {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/fields.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("page template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// render writes a page with the status. csrf is the token its forms carry: the
// session's, or for the sign-in forms the anonymous one.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any, csrf string) {
	p := page{Title: title, CSRF: csrf, Data: data}
	if v != nil {
		p.User, p.CSRF = &v.user, v.session.CSRF
	}
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, p); err != nil {
		h.cfg.Logger.Error("render page", "page", name, "error", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type messageView struct {
	Heading string
	Text    string
	Fields  []problemField
	SignIn  bool
}

// fail shows a page that says what went wrong, with the status.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *visit, status int, heading, text string) {
	var token string
	if v == nil {
		token = h.preToken(w, r)
	}
	h.render(w, r, v, status, "message", heading, messageView{Heading: heading, Text: text, SignIn: v == nil}, token)
}

// notSecretariat shows the forbidden page to anyone but the secretariat, and
// reports whether it did: for the secretariat's pages that the API's reads
// would not refuse, since they read nothing or what members may read too (the
// members, and a member's own users).
func (h *Handler) notSecretariat(w http.ResponseWriter, r *http.Request, v *visit) bool {
	err := v.user.RequireSecretariat()
	if err != nil {
		h.fail(w, r, v, http.StatusForbidden, "Forbidden", err.Error())
	}
	return err != nil
}

// internal logs an unexpected error and shows a bland page.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	h.cfg.Logger.Error("web page failed", "path", r.URL.Path, "error", err)
	h.fail(w, r, v, http.StatusInternalServerError, "Something went wrong", "The server could not do this. Try again later.")
}

// refused shows the API's refusal as a page, with the API's status and words.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, v *visit, rep reply) {
	p := rep.problem()
	text := p.Detail
	if text == "" {
		text = p.Title
	}
	h.render(w, r, v, rep.Status, "message", p.Title, messageView{Heading: p.Title, Text: text, Fields: p.Errors}, "")
}

// reply is what the API answered an in-process request.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (rep reply) ok() bool { return rep.Status >= 200 && rep.Status < 300 }

func (rep reply) decode(v any) error { return json.Unmarshal(rep.Body, v) }

// problem is the API's problem+json.
type problem struct {
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Code   string         `json:"code"`
	Reason string         `json:"reason"`
	Errors []problemField `json:"errors"`
}

type problemField struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (rep reply) problem() problem {
	var p problem
	if json.Unmarshal(rep.Body, &p) != nil || p.Title == "" {
		p.Title = http.StatusText(rep.Status)
	}
	return p
}

// recorder is the http.ResponseWriter of an in-process API request.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }
func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.body.Write(b)
}
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}

// call makes a request of the API as the signed-in user, in process: the API's
// own handlers decide, by their rules, what the user may read and write.
// headers are pairs of name and value.
func (h *Handler) call(ctx context.Context, r *http.Request, u survey.User, method, path string, body io.Reader, contentType string, headers ...string) reply {
	req, err := http.NewRequestWithContext(survey.WithCaller(ctx, u), method, path, body)
	if err != nil {
		return reply{Status: http.StatusInternalServerError, Body: []byte(`{"title":"the request could not be made"}`)}
	}
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := &recorder{header: http.Header{}}
	h.cfg.API.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return reply{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}
}

// get reads JSON from the API into out; a refusal is returned as the reply.
func (h *Handler) get(r *http.Request, v *visit, path string, out any) (reply, bool) {
	rep := h.call(r.Context(), r, v.user, http.MethodGet, path, nil, "")
	if !rep.ok() {
		return rep, false
	}
	if err := rep.decode(out); err != nil {
		return reply{Status: http.StatusInternalServerError, Body: []byte(`{"title":"the API's answer could not be read"}`)}, false
	}
	return rep, true
}

// sendJSON writes to the API with a JSON body.
func (h *Handler) sendJSON(r *http.Request, v *visit, method, path string, body any, headers ...string) reply {
	b, err := json.Marshal(body)
	if err != nil {
		return reply{Status: http.StatusInternalServerError, Body: []byte(`{"title":"the request could not be written"}`)}
	}
	return h.call(r.Context(), r, v.user, method, path, bytes.NewReader(b), "application/json", headers...)
}
