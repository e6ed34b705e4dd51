package api

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// logRequests writes one structured line per request, at warn level for 5xx.
func (s *Server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURI: true, LogStatus: true, LogLatency: true, LogRequestID: true, LogError: true,
		HandleError: true, // let the error handler set the status before the line is written
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("uri", v.URI), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID),
			}
			if u, ok := c.Get(callerKey).(callerInfo); ok {
				attrs = append(attrs, slog.String("user", u.user.ID))
			}
			s.log.LogAttrs(context.Background(), level, "request", attrs...)
			return nil
		},
	})
}

// logPanic records a recovered panic; the client gets a bland 500.
func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	s.log.Error("panic", "error", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "stack", string(stack))
	return err
}
