package api

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// corsMaxAge is how long, in seconds, a browser may keep a pre-flight answer.
const corsMaxAge = 3600

// cors lets browser front ends on the origins the operator names call the API
// (decision 0014). Pre-flight requests are answered here, before authentication;
// a request from any other origin gets no CORS headers and is served as usual.
// Credentials are never allowed: the API takes bearer tokens, which a front end
// sends in the Authorization header, not cookies, so nothing needs them, and
// "*" stays safe. It returns nil when no origin is configured.
func cors(origins []string) echo.MiddlewareFunc {
	if len(origins) == 0 {
		return nil // Echo's middleware would allow every origin
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: origins,
		// AllowMethods left empty: a pre-flight is answered with the methods the
		// route really takes.
		AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-Match", "If-None-Match",
			"Accept-Language"},
		ExposeHeaders: []string{"ETag", echo.HeaderLocation, echo.HeaderXRequestID, echo.HeaderRetryAfter,
			echo.HeaderContentDisposition, echo.HeaderWWWAuthenticate, echo.HeaderAllow},
		AllowCredentials: false,
		MaxAge:           corsMaxAge,
	})
}
