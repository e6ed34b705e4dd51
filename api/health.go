package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type healthResponse struct {
	Status   string `json:"status"`
	Database string `json:"database,omitempty"`
}

// healthz serves GET /healthz: the process is up. It touches nothing else, so a
// slow database does not get the process restarted.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, healthResponse{Status: "ok"})
}

// readyz serves GET /readyz: the process can serve, its database answers.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "error", err)
		return &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: "the database does not answer"}
	}
	return c.JSON(http.StatusOK, healthResponse{Status: "ready", Database: s.store.Dialect()})
}
