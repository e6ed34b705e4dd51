package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"

	surveyd "github.com/tldcouncil/surveyd"
)

// The API reference is Redoc's standalone bundle (MIT, from the npm package redoc
// 2.5.4), kept in the binary so that /docs works without a network.
//
//go:embed assets/redoc.standalone.js
var redocScript []byte

const docsHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Survey and benchmarking platform: API reference</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.yaml" hide-download-button="false"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
`

// openapiSpec serves GET /openapi.yaml: the contract, as embedded at build time.
func (s *Server) openapiSpec(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", surveyd.OpenAPI)
}

// docsPage serves GET /docs: the API reference page.
func (s *Server) docsPage(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentSecurityPolicy, docsCSP)
	return c.HTML(http.StatusOK, docsHTML)
}

// docsScript serves GET /docs/redoc.standalone.js, the page's renderer.
func (s *Server) docsScript(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", redocScript)
}
