package api

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

const callerKey = "caller"

// callerInfo is who is calling, as established by authenticate.
type callerInfo struct {
	user  survey.User
	token survey.Token
}

// authenticate admits a request to /v1 with a valid bearer token and remembers its
// user; anything else is a 401, or a 429 once the client's address has failed too
// often (see authThrottle). It runs after routing for every request, rather
// than on the /v1 group, so that a wrong method on a /v1 route is still a 405.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Request().URL.Path; p != "/v1" && !strings.HasPrefix(p, "/v1/") {
			return next(c)
		}
		if u, ok := survey.CallerFrom(c.Request().Context()); ok {
			c.Set(callerKey, callerInfo{user: u}) // the web app's signed-in user, in process
			c.SetRequest(c.Request().WithContext(store.WithActor(c.Request().Context(), u)))
			return next(c)
		}
		scheme, secret, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
			return survey.Errorf(survey.Unauthorized, "send an API token as \"Authorization: Bearer <token>\"")
		}
		u, t, err := s.store.Authenticate(c.Request().Context(), strings.TrimSpace(secret))
		if survey.ErrorCode(err) == survey.Unauthorized {
			if wait := s.throttle.failed(c.RealIP()); wait > 0 {
				return tooManyFailures(c, wait)
			}
		}
		if err != nil {
			return err
		}
		c.Set(callerKey, callerInfo{user: u, token: t})
		c.SetRequest(c.Request().WithContext(store.WithActor(c.Request().Context(), u)))
		return next(c)
	}
}

// secretariatOnly refuses, with a 403, every caller who is not of the secretariat.
func secretariatOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := caller(c).RequireSecretariat(); err != nil {
			return err
		}
		return next(c)
	}
}

// authors admits the secretariat and the chairs of work groups, who author
// surveys in their groups (the handler checks which group); anybody else gets
// the 403 of secretariatOnly before the body is read.
func authors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !caller(c).MayAuthor() {
			return caller(c).RequireSecretariat()
		}
		return next(c)
	}
}

// runs admits to a route of the survey {id} those who run it (survey.User.CanRun):
// the secretariat, and the chairs of its work group. Anybody else who is no
// chair gets the 403 of secretariatOnly at once; a chair gets a 404 for a survey
// it may not read and a 403 for one it reads but does not run.
func (s *Server) runs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		me := caller(c)
		if me.IsSecretariat() {
			return next(c)
		}
		if !me.MayAuthor() {
			return me.RequireSecretariat()
		}
		sv, err := s.readableSurvey(c, c.Param("id"))
		if err != nil {
			return err
		}
		if err := me.CheckRun(sv); err != nil {
			return err
		}
		return next(c)
	}
}

// caller returns the authenticated user of the request.
func caller(c echo.Context) survey.User {
	return c.Get(callerKey).(callerInfo).user
}
