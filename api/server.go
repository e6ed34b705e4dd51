// Package api is the HTTP layer of the platform: the Echo server that serves the
// routes of openapi.yaml, its conventions (problem+json errors, strict JSON, body
// limit, request IDs, logs), authentication, and thin handlers over the store.
package api

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/tldcouncil/surveyd/internal/metrics"
	"github.com/tldcouncil/surveyd/internal/store"
)

// Config is what the server needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	Now    func() time.Time // nil for time.Now

	// CORSOrigins are the origins of browser front ends allowed to call the API
	// ("https://dash.example.org", or "*"); none by default.
	CORSOrigins []string
	// Metrics records requests and results served; nil for none. The API does
	// not serve them: they are served on their own address (see cmd/surveyd).
	Metrics *metrics.Metrics

	// Self lists the addresses ("host:port") at which this server is reached, so
	// that no webhook is pointed at it; see survey.CheckWebhookURL.
	Self []string
}

// Server holds the dependencies of the handlers.
type Server struct {
	store    *store.Store
	log      *slog.Logger
	now      func() time.Time
	throttle *authThrottle
	// metrics may be nil; its methods then do nothing.
	metrics *metrics.Metrics
	self    []string
}

// New returns the HTTP handler of the API with every route and middleware.
func New(cfg Config) *echo.Echo {
	s := &Server{store: cfg.Store, log: cfg.Logger, now: cfg.Now, metrics: cfg.Metrics, self: cfg.Self}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.throttle = newAuthThrottle(s.now)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Binder = jsonBinder{}
	e.Validator = newValidator()
	// The client's address is the connection's: X-Forwarded-For is anyone's to write.
	e.IPExtractor = echo.ExtractIPDirect()
	// Before routing, so that even a refused URL gets the headers.
	e.Pre(securityHeaders(), noStore)
	e.Pre(middleware.RemoveTrailingSlash(), rejectBadURLs)
	e.Use(
		middleware.RequestID(),
		carryRequestID,
		s.countRequests,
		s.logRequests(),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: s.logPanic}),
		middleware.BodyLimit(strconv.Itoa(MaxBodyBytes)),
	)
	if mw := cors(cfg.CORSOrigins); mw != nil {
		e.Use(mw) // before authenticate, which routes adds: pre-flights carry no token
	}
	e.Use(compress())
	s.routes(e)
	e.Use(checkInputs(e.Routes(), inputs())) // after authenticate: a stranger gets 401 first
	return e
}
