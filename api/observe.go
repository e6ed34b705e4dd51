package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/requestid"
)

// carryRequestID puts the request's id into its context, so that every log line
// written with that context, by the store or by work the request starts, names
// the request. It runs after the RequestID middleware.
func carryRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		c.SetRequest(c.Request().WithContext(requestid.With(c.Request().Context(), id)))
		return next(c)
	}
}

// countRequests records every request in the metrics by its route pattern and
// final status. It runs outside the request log, which has the error handler
// set the status before it returns.
func (s *Server) countRequests(next echo.HandlerFunc) echo.HandlerFunc {
	if s.metrics == nil {
		return next
	}
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if !c.Response().Committed && err != nil {
			status = http.StatusInternalServerError
			var he *echo.HTTPError
			if errors.As(err, &he) {
				status = he.Code
			}
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = "unmatched" // no route: counting raw paths would let callers make series
		}
		s.metrics.Request(c.Request().Method, route, status, time.Since(start))
		return err
	}
}
