package api

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// apiCSP is the Content-Security-Policy of every response but the /docs page:
// JSON, YAML and problems are data, never a document a browser should run or frame.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// docsCSP is the policy of the /docs page: Redoc's script from this server, the
// inline styles it injects, its search worker from a blob, the spec fetched from here.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// securityHeaders sets, on every response, what tells a browser to take it as
// sent: no content sniffing, no framing, no referrer, and apiCSP. A handler may
// set a CSP of its own (the /docs page does).
func securityHeaders() echo.MiddlewareFunc {
	return middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: apiCSP,
		ReferrerPolicy:        "no-referrer",
	})
}

// noStore marks every response under /v1 "Cache-Control: no-store": they are
// confidential (answers, results, members' identities) or secret (a new token),
// and no cache on the way may keep them. It is only the default: a handler or
// middleware that runs after it may set a more specific Cache-Control (such as
// "private" with an ETag for results), which replaces it.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Request().URL.Path; p == "/v1" || strings.HasPrefix(p, "/v1/") {
			c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		}
		return next(c)
	}
}
