package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type webhookDoc struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Events         []string  `json:"events"`
	Active         bool      `json:"active"`
	DisabledReason *string   `json:"disabled_reason"`
	Secret         string    `json:"secret"`
	CreatedAt      time.Time `json:"created_at"`
}

type webhooksView struct {
	Hooks   listOf[webhookDoc]
	Events  []string
	Form    form
	Made    *webhookDoc // just made: its secret is shown this once
	Message string
}

// webhooksPage serves GET /admin/webhooks: the webhooks, and the form that
// registers one.
func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request, v *visit) {
	h.showWebhooks(w, r, v, http.StatusOK, form{}, nil)
}

func (h *Handler) showWebhooks(w http.ResponseWriter, r *http.Request, v *visit, status int, f form, made *webhookDoc) {
	view := webhooksView{Form: f, Made: made, Message: doneMessage(r)}
	for _, e := range survey.EventTypes() {
		view.Events = append(view.Events, string(e))
	}
	if rep, ok := h.get(r, v, "/v1/webhooks?limit=200", &view.Hooks); !ok {
		h.refused(w, r, v, rep)
		return
	}
	h.render(w, r, v, status, "webhooks", "Webhooks", view, "")
}

// createWebhookPost serves POST /admin/webhooks (url, event...). The secret
// that signs the deliveries is in the API's answer only, so the page is shown
// at once with it, rather than after a redirect, and is not kept by the browser.
func (h *Handler) createWebhookPost(w http.ResponseWriter, r *http.Request, v *visit) {
	events := r.PostForm["event"]
	if events == nil {
		events = []string{}
	}
	rep := h.sendJSON(r, v, http.MethodPost, "/v1/webhooks", map[string]any{"url": strings.TrimSpace(r.PostFormValue("url")), "events": events})
	if h.formRefused(w, r, v, rep, func(status int, f form) { h.showWebhooks(w, r, v, status, f, nil) }) {
		return
	}
	var made webhookDoc
	if err := rep.decode(&made); err != nil {
		h.internal(w, r, v, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.showWebhooks(w, r, v, http.StatusOK, form{}, &made)
}

type deliveryDoc struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Attempt   int       `json:"attempt"`
	Status    *int      `json:"status"`
	LatencyMS int64     `json:"latency_ms"`
	Error     *string   `json:"error"`
	At        time.Time `json:"at"`
}

// OK reports whether the receiver took the delivery (a 2xx answer).
func (d deliveryDoc) OK() bool { return d.Status != nil && *d.Status >= 200 && *d.Status < 300 }

type webhookView struct {
	Hook       webhookDoc
	Deliveries listOf[deliveryDoc]
	Message    string
}

// NextPage is the address of the next page of the deliveries.
func (wv webhookView) NextPage() template.URL {
	return template.URL("/admin/webhooks/" + url.PathEscape(wv.Hook.ID) + "?" + url.Values{"cursor": {wv.Deliveries.NextCursor}}.Encode())
}

// webhookPage serves GET /admin/webhooks/{id} (?cursor=): the webhook, its
// deliveries newest first with the receiver's answer, and its buttons.
func (h *Handler) webhookPage(w http.ResponseWriter, r *http.Request, v *visit) {
	base := "/v1/webhooks/" + url.PathEscape(r.PathValue("id"))
	view := webhookView{Message: doneMessage(r)}
	q := url.Values{"limit": {"50"}}
	if c := r.FormValue("cursor"); c != "" {
		q.Set("cursor", c)
	}
	for path, out := range map[string]any{base: &view.Hook, base + "/deliveries?" + q.Encode(): &view.Deliveries} {
		if rep, ok := h.get(r, v, path, out); !ok {
			h.refused(w, r, v, rep)
			return
		}
	}
	h.render(w, r, v, http.StatusOK, "webhook", "Webhook", view, "")
}

// webhookActivePost serves POST /admin/webhooks/{id}/active (active=true|false).
func (h *Handler) webhookActivePost(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	active := r.PostFormValue("active") == "true"
	rep := h.sendJSON(r, v, http.MethodPatch, "/v1/webhooks/"+url.PathEscape(id), map[string]any{"active": active})
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	seeOther(w, r, "/admin/webhooks/"+url.PathEscape(id), map[bool]string{true: "webhook.enabled", false: "webhook.disabled"}[active])
}

// webhookDeletePost serves POST /admin/webhooks/{id}/delete.
func (h *Handler) webhookDeletePost(w http.ResponseWriter, r *http.Request, v *visit) {
	rep := h.call(r.Context(), r, v.user, http.MethodDelete, "/v1/webhooks/"+url.PathEscape(r.PathValue("id")), nil, "")
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	seeOther(w, r, "/admin/webhooks", "webhook.deleted")
}

// resendPost serves POST /admin/webhooks/{id}/deliveries/{delivery}/resend: the
// delivery's event is queued to the webhook again.
func (h *Handler) resendPost(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	rep := h.call(r.Context(), r, v.user, http.MethodPost,
		"/v1/webhooks/"+url.PathEscape(id)+"/deliveries/"+url.PathEscape(r.PathValue("delivery"))+"/resend", nil, "")
	if !rep.ok() {
		h.refused(w, r, v, rep)
		return
	}
	seeOther(w, r, "/admin/webhooks/"+url.PathEscape(id), "webhook.resent")
}
