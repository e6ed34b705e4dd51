// Package api is the HTTP layer of the platform: the Echo server that serves the
// routes of openapi.yaml, its conventions (problem+json errors, strict JSON, body
// limit, request IDs, logs), authentication, and thin handlers over the store.
package api

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/tldcouncil/surveyd/internal/metrics"
	"github.com/tldcouncil/surveyd/internal/store"
)

// maxBodyBytes caps every request body: the largest real one, a full response of
// a long questionnaire, is far below it.
const maxBodyBytes = "1M"

// Config is what the server needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	Now    func() time.Time // nil for time.Now
	// Metrics records requests and results served; nil for none. The API does
	// not serve them: they are served on their own address (see cmd/surveyd).
	Metrics *metrics.Metrics
}

// Server holds the dependencies of the handlers.
type Server struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	// metrics may be nil; its methods then do nothing.
	metrics *metrics.Metrics
}

// New returns the HTTP handler of the API with every route and middleware.
func New(cfg Config) *echo.Echo {
	s := &Server{store: cfg.Store, log: cfg.Logger, now: cfg.Now, metrics: cfg.Metrics}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Binder = jsonBinder{}
	e.Validator = newValidator()
	e.Pre(middleware.RemoveTrailingSlash(), rejectBadURLs)
	e.Use(
		middleware.RequestID(),
		carryRequestID,
		s.countRequests,
		s.logRequests(),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: s.logPanic}),
		middleware.BodyLimit(maxBodyBytes),
	)
	s.routes(e)
	return e
}
