package web

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tldcouncil/surveyd/internal/jobs"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// The cookies: the session's secret, and the anonymous double-submit token of
// the sign-in forms (before there is a session to hold a token).
const (
	sessionCookie = "surveyd_session"
	preCookie     = "surveyd_csrf"
)

// visit is a signed-in request: who, and the session's CSRF token for forms.
type visit struct {
	user    survey.User
	session store.Session
}

// signedIn admits requests with a live session cookie, and checks the CSRF token
// of every POST; anyone else gets the sign-in page (GET) or a 403 (POST).
func (h *Handler) signedIn(fn func(http.ResponseWriter, *http.Request, *visit)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h.session(r)
		if err != nil {
			h.clearCookie(w, r, sessionCookie)
			if r.Method != http.MethodGet {
				h.fail(w, r, nil, http.StatusForbidden, "You are not signed in", "Your session ended. Sign in again; nothing was changed.")
				return
			}
			h.signInPage(w, r, http.StatusUnauthorized, "")
			return
		}
		if r.Method == http.MethodPost && !sameToken(formToken(r), v.session.CSRF) {
			h.fail(w, r, v, http.StatusForbidden, "This form has expired", "The form did not carry this session's security token, so nothing was changed. Go back, reload the page and try again.")
			return
		}
		fn(w, r, v)
	}
}

// session returns the visit of the request's session cookie.
func (h *Handler) session(r *http.Request) (*visit, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, err
	}
	s, u, err := h.cfg.Store.Session(r.Context(), c.Value, h.cfg.IdleTimeout)
	if err != nil {
		return nil, err
	}
	return &visit{user: u, session: s}, nil
}

// formToken is the CSRF token a POST carries: the form field, or the header that
// htmx sends.
func formToken(r *http.Request) string {
	if t := r.Header.Get("X-CSRF-Token"); t != "" {
		return t
	}
	return r.PostFormValue("csrf")
}

func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: h.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: h.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// preToken returns the anonymous form token of the browser, setting a new one
// when it has none.
func (h *Handler) preToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t, err := store.NewSecret()
	if err != nil {
		return ""
	}
	h.setCookie(w, r, preCookie, t, 24*time.Hour)
	return t
}

// checkPreToken is the double-submit check of the sign-in forms.
func checkPreToken(r *http.Request) bool {
	c, err := r.Cookie(preCookie)
	return err == nil && sameToken(r.PostFormValue("csrf"), c.Value)
}

type signInView struct {
	Message string
	Sent    string
}

// signInPage shows the form that asks for an address.
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request, status int, sent string) {
	h.render(w, r, nil, status, "signin", "Sign in", signInView{Sent: sent}, h.preToken(w, r))
}

// requestLink serves POST /signin: it mails a sign-in link to the address if an
// active user has it, and says the same thing either way.
func (h *Handler) requestLink(w http.ResponseWriter, r *http.Request) {
	if !checkPreToken(r) {
		h.fail(w, r, nil, http.StatusForbidden, "This form has expired", "The form did not carry its security token, so nothing was sent. Reload the page and try again.")
		return
	}
	email := survey.NormalizeEmail(r.PostFormValue("email"))
	if !survey.ValidEmail(email) {
		h.render(w, r, nil, http.StatusUnprocessableEntity, "signin", "Sign in",
			signInView{Message: "Enter a plain e-mail address, such as name@example.org."}, h.preToken(w, r))
		return
	}
	if wait := h.throttle.take("client:"+clientIP(r), 10, 15*time.Minute); wait > 0 {
		h.tooMany(w, r, wait)
		return
	}
	since := h.cfg.Now().Add(-15 * time.Minute)
	n, err := h.cfg.Store.SignInLinksSince(r.Context(), email, since)
	if err != nil {
		h.internal(w, r, nil, err)
		return
	}
	// Per address, 3 links in 15 minutes; an unknown address makes no link, so the
	// in-process count stands in for it, and the answer is the same.
	if wait := h.throttle.take("email:"+email, 3, 15*time.Minute); n >= 3 || wait > 0 {
		h.tooMany(w, r, max(wait, time.Minute))
		return
	}
	secret, u, found, err := h.cfg.Store.CreateSignInLink(r.Context(), email, h.cfg.LinkTTL)
	if err != nil {
		h.internal(w, r, nil, err)
		return
	}
	if found {
		if err := h.mailLink(r, u, secret); err != nil {
			h.internal(w, r, nil, err)
			return
		}
	}
	h.signInPage(w, r, http.StatusOK, email)
}

// mailLink queues the mail with the link, as a durable job of the mail worker.
func (h *Handler) mailLink(r *http.Request, u survey.User, secret string) error {
	m := survey.Mail{Kind: survey.MailSignIn, Template: "signin", UserID: u.ID, To: u.Email, Name: u.Name,
		Data: survey.MailData{Link: h.baseURL(r) + "/signin/" + secret,
			Text: fmt.Sprintf("%d minutes", int(h.cfg.LinkTTL.Minutes()))}}
	payload, err := json.Marshal(m)
	if err != nil {
		return err
	}
	// The key is unique to this link (a prefix of its hash), so no two links share a job.
	return h.cfg.Store.Enqueue(r.Context(), survey.Job{Kind: jobs.KindMail, Key: "mail:signin:" + survey.HashToken(secret)[:32],
		Subject: u.ID, Payload: payload})
}

type confirmView struct{ Secret string }

// confirmLink serves GET /signin/{secret}: a page with one button. Opening the
// link spends nothing, so that a mail scanner that fetches links does not use it
// up; the button's POST does.
func (h *Handler) confirmLink(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, nil, http.StatusOK, "confirm", "Sign in", confirmView{Secret: r.PathValue("secret")}, h.preToken(w, r))
}

// useLink serves POST /signin/{secret}: it spends the link and starts a session.
func (h *Handler) useLink(w http.ResponseWriter, r *http.Request) {
	if !checkPreToken(r) {
		h.fail(w, r, nil, http.StatusForbidden, "This form has expired", "The form did not carry its security token. Open the link from your mail again.")
		return
	}
	if wait := h.throttle.take("use:"+clientIP(r), 20, 15*time.Minute); wait > 0 {
		h.tooMany(w, r, wait)
		return
	}
	s, cookie, err := h.cfg.Store.UseSignInLink(r.Context(), r.PathValue("secret"), h.cfg.AbsoluteTimeout)
	if survey.ErrorCode(err) == survey.Unauthorized {
		h.clearCookie(w, r, sessionCookie)
		h.fail(w, r, nil, http.StatusUnauthorized, "This sign-in link cannot be used",
			"A sign-in link works once, for a few minutes. It was used already, it expired, or it was never made. Ask for a new one below.")
		return
	}
	if err != nil {
		h.internal(w, r, nil, err)
		return
	}
	h.setCookie(w, r, sessionCookie, cookie, s.ExpiresAt.Sub(h.cfg.Now()))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signOut serves POST /signout: the session ends in the database, so a copy of
// the cookie is worth nothing.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := h.cfg.Store.RevokeSession(r.Context(), v.session.ID); err != nil {
		h.internal(w, r, v, err)
		return
	}
	h.clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
	h.fail(w, r, nil, http.StatusTooManyRequests, "Too many sign-in requests",
		fmt.Sprintf("Wait %d minutes before asking again. A link already sent still works.", int(wait.Minutes())+1))
}

// clientIP is the connection's address: X-Forwarded-For is anyone's to write.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

// throttle counts events per key in a fixed window, in this process: a second
// process halves nothing an attacker gains, and the per-address limit is also
// counted in the database (SignInLinksSince).
type throttle struct {
	mu   sync.Mutex
	now  func() time.Time
	hits map[string][]time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, hits: map[string][]time.Time{}}
}

// take records an event for key and returns how long to wait when more than
// limit happened within window (the event is then not counted).
func (t *throttle) take(key string, limit int, window time.Duration) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	kept := t.hits[key][:0]
	for _, at := range t.hits[key] {
		if now.Sub(at) < window {
			kept = append(kept, at)
		}
	}
	if len(kept) >= limit {
		t.hits[key] = kept
		return window - now.Sub(kept[0])
	}
	t.hits[key] = append(kept, now)
	if len(t.hits) > 100_000 { // a flood of keys: forget them rather than grow without end
		clear(t.hits)
	}
	return 0
}
