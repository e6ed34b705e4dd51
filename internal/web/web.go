// Package web is the web app that people use in a browser: sign-in by a one-time
// link sent by mail, a session cookie, and the pages of members and of the
// secretariat, rendered by html/template from embedded files.
//
// The pages are a client of the API: every read and write goes through the API's
// own handlers, in process, as the signed-in user (survey.WithCaller), so the
// same rules of access, the same validation and the same refusals apply by the
// same code. Only the sign-in and the session are the web app's own (decision
// 0023). It imports neither Echo nor the api package: it is handed the API as an
// http.Handler.
package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// CSP is the Content-Security-Policy of every page: scripts, styles and images
// from this server only, no inline script, no framing, forms posted here only.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Config is what the web app needs.
type Config struct {
	Store  *store.Store
	API    http.Handler // the API's handler: the pages' reads and writes, and every /v1 path
	Logger *slog.Logger
	Now    func() time.Time // nil for time.Now
	// BaseURL is where people reach the server, for the links in mail
	// ("https://surveys.example.org"). A https URL also makes the cookies Secure.
	BaseURL string

	LinkTTL         time.Duration // how long a sign-in link works; 15 minutes when 0
	IdleTimeout     time.Duration // a session unused this long ends; 2 hours when 0
	AbsoluteTimeout time.Duration // a session ends this long after sign-in; 12 hours when 0
}

// Handler serves the pages, and passes the API's paths to the API.
type Handler struct {
	cfg      Config
	mux      *http.ServeMux
	pages    map[string]*template.Template
	assets   http.Handler
	throttle *throttle
}

// New returns the web app's handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LinkTTL == 0 {
		cfg.LinkTTL = 15 * time.Minute
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 2 * time.Hour
	}
	if cfg.AbsoluteTimeout == 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), pages: pages, throttle: newThrottle(cfg.Now),
		assets: http.StripPrefix("/assets/", http.FileServerFS(sub))}
	h.routes()
	return h, nil
}

// routes registers every page.
func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /assets/", h.serveAsset)
	m.HandleFunc("GET /{$}", h.home)
	m.HandleFunc("POST /signin", h.requestLink)
	m.HandleFunc("GET /signin/{secret}", h.confirmLink)
	m.HandleFunc("POST /signin/{secret}", h.useLink)
	m.HandleFunc("POST /signout", h.signedIn(h.signOut))
	m.HandleFunc("GET /tokens", h.signedIn(h.tokens))
	m.HandleFunc("POST /tokens", h.signedIn(h.createToken))
	m.HandleFunc("POST /tokens/{id}/revoke", h.signedIn(h.revokeToken))

	m.HandleFunc("GET /surveys/{id}", h.signedIn(h.surveyPage))
	m.HandleFunc("GET /surveys/{id}/responses/{member}", h.signedIn(h.answerPage))
	m.HandleFunc("POST /surveys/{id}/responses/{member}", h.signedIn(h.answerPost))
	m.HandleFunc("GET /surveys/{id}/responses/{member}/history", h.signedIn(h.historyPage))
	m.HandleFunc("GET /surveys/{id}/results", h.signedIn(h.resultsPage))
	m.HandleFunc("GET /surveys/{id}/results/charts/{question}", h.signedIn(h.resultsChart))
	m.HandleFunc("GET /surveys/{id}/results/export", h.signedIn(h.resultsExport))
	m.HandleFunc("GET /series/{key}", h.signedIn(h.seriesPage))
	m.HandleFunc("GET /series/{key}/charts/{question}", h.signedIn(h.trendChart))
	m.HandleFunc("GET /series/{key}/template.csv", h.signedIn(h.seriesTemplate))
	m.HandleFunc("POST /series/{key}/upload", h.signedIn(h.uploadPost))

	// The secretariat's pages; the API refuses everyone else, by its own rule.
	m.HandleFunc("GET /surveys/new", h.signedIn(h.newSurveyPage))
	m.HandleFunc("POST /surveys/new", h.signedIn(h.newSurveyPost))
	m.HandleFunc("POST /surveys/{id}/lifecycle", h.signedIn(h.lifecyclePost))
	m.HandleFunc("POST /surveys/{id}/extensions", h.signedIn(h.extensionPost))
	m.HandleFunc("POST /surveys/{id}/reminders", h.signedIn(h.reminderPost))
	m.HandleFunc("GET /admin", h.signedIn(h.adminPage))
	m.HandleFunc("POST /admin/users", h.signedIn(h.createUserPost))
	m.HandleFunc("POST /admin/users/{id}/active", h.signedIn(h.userActivePost))
	m.HandleFunc("GET /admin/users/{id}", h.signedIn(h.userPage))
	m.HandleFunc("POST /admin/users/{id}", h.signedIn(h.userPost))
	m.HandleFunc("GET /admin/members", h.signedIn(h.membersPage))
	m.HandleFunc("POST /admin/members", h.signedIn(h.createMemberPost))
	m.HandleFunc("GET /admin/members/{code}", h.signedIn(h.memberPage))
	m.HandleFunc("POST /admin/members/{code}", h.signedIn(h.memberPost))
	m.HandleFunc("POST /admin/members/{code}/active", h.signedIn(h.memberActivePost))
	m.HandleFunc("GET /admin/peer-groups", h.signedIn(h.peerGroupsPage))
	m.HandleFunc("POST /admin/peer-groups", h.signedIn(h.createPeerGroupPost))
	m.HandleFunc("GET /admin/peer-groups/{key}", h.signedIn(h.peerGroupPage))
	m.HandleFunc("POST /admin/peer-groups/{key}", h.signedIn(h.peerGroupPost))
	m.HandleFunc("POST /admin/peer-groups/{key}/delete", h.signedIn(h.peerGroupDeletePost))
	m.HandleFunc("GET /admin/webhooks", h.signedIn(h.webhooksPage))
	m.HandleFunc("POST /admin/webhooks", h.signedIn(h.createWebhookPost))
	m.HandleFunc("GET /admin/webhooks/{id}", h.signedIn(h.webhookPage))
	m.HandleFunc("POST /admin/webhooks/{id}/active", h.signedIn(h.webhookActivePost))
	m.HandleFunc("POST /admin/webhooks/{id}/delete", h.signedIn(h.webhookDeletePost))
	m.HandleFunc("POST /admin/webhooks/{id}/deliveries/{delivery}/resend", h.signedIn(h.resendPost))
	// Work groups, the surveys list and the audit trail are read by everyone,
	// as the API scopes them: chairs run their groups' surveys from here.
	m.HandleFunc("GET /work-groups", h.signedIn(h.workGroupsPage))
	m.HandleFunc("POST /work-groups", h.signedIn(h.createWorkGroupPost))
	m.HandleFunc("GET /work-groups/{key}", h.signedIn(h.workGroupPage))
	m.HandleFunc("POST /work-groups/{key}", h.signedIn(h.workGroupPost))
	m.HandleFunc("POST /work-groups/{key}/people", h.signedIn(h.addPersonPost))
	m.HandleFunc("POST /work-groups/{key}/people/{user}/remove", h.signedIn(h.removePersonPost))
	m.HandleFunc("POST /work-groups/{key}/chairs/{user}", h.signedIn(h.chairPost))
	m.HandleFunc("GET /surveys", h.signedIn(h.surveysPage))
	m.HandleFunc("GET /surveys/{id}/manage", h.signedIn(h.manageSurveyPage))
	m.HandleFunc("GET /audit", h.signedIn(h.auditPage))
	m.HandleFunc("/", h.notFound)
}

// isAPIPath reports whether a path is the API's rather than a page.
func isAPIPath(p string) bool {
	for _, prefix := range []string{"/v1", "/docs"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return p == "/healthz" || p == "/readyz" || p == "/openapi.yaml"
}

// ServeHTTP serves a page, or passes an API path to the API untouched (its own
// headers and policies apply there). Every page gets the web app's header
// policy: CSP, no sniffing, no framing, the referrer only to this origin (so
// that forms carry their Origin), and no-store: pages hold answers and results.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isAPIPath(r.URL.Path) {
		h.cfg.API.ServeHTTP(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	if h.secure(r) {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := sameOrigin(r); err != nil {
			h.fail(w, r, nil, http.StatusForbidden, "This form came from another site", err.Error())
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// maxFormBytes bounds a form, an upload of a questionnaire included.
const maxFormBytes = 4 << 20

// serveAsset serves the embedded stylesheet and scripts; they change only with
// the binary, so browsers may keep them an hour.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	h.assets.ServeHTTP(w, r)
}

// secure reports whether the browser reached us over TLS: directly, or (by the
// configured base URL) behind a proxy that terminates it.
func (h *Handler) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(h.cfg.BaseURL, "https://")
}

// baseURL is the origin for links in mail: the configured one, else the
// request's own.
func (h *Handler) baseURL(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return h.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sameOrigin refuses a POST that the browser says came from another site, by
// Sec-Fetch-Site or by Origin. A request with neither (an old browser, curl)
// is left to the CSRF token, which it must carry anyway.
func sameOrigin(r *http.Request) error {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return fmt.Errorf("the browser says this request came from a %s page; forms are accepted from this site only", site)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if origin != "http://"+r.Host && origin != "https://"+r.Host {
		return fmt.Errorf("the request came from %s; forms are accepted from this site only", origin)
	}
	return nil
}

// notFound is the page of a path that is no page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, nil, http.StatusNotFound, "Page not found", "There is no page at this address.")
}
