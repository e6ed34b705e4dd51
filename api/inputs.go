package api

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// routeInputs is what one route reads besides its path: its query parameters and
// whether it takes a body. The table of them is inputs, in routes.go.
type routeInputs struct {
	query []string
	body  bool
}

// checkInputs refuses, with a 400 naming it, what a route would otherwise ignore:
// a query parameter it does not read, one given twice or empty, and a body sent
// to a route that takes none (a submit with answers would save nothing and say
// 200). routes are the server's routes: a request that matches none passes on,
// to its 404 or 405.
func checkInputs(routes []*echo.Route, table map[string]routeInputs) echo.MiddlewareFunc {
	known := map[string]bool{}
	for _, r := range routes {
		known[r.Method+" "+r.Path] = true
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			route := c.Request().Method + " " + c.Path()
			if !known[route] {
				return next(c)
			}
			in := table[route]
			query, err := parseQuery(c.Request().URL.RawQuery)
			if err != nil {
				return err
			}
			for _, name := range slices.Sorted(maps.Keys(query)) {
				values := query[name]
				switch {
				case !slices.Contains(in.query, name):
					return queryError(name, unknownParam(in.query))
				case len(values) > 1:
					return queryError(name, fmt.Sprintf("is given %d times; give it once", len(values)))
				case values[0] == "":
					return queryError(name, "is empty; give it a value or leave it out")
				}
			}
			if !in.body && hasBody(c) {
				return &survey.Error{Code: survey.Malformed, Message: specRoute(route) + " takes no request body",
					Fields: []survey.FieldError{{Field: "body", Reason: "must be empty: this route reads nothing from it"}}}
			}
			return next(c)
		}
	}
}

func unknownParam(allowed []string) string {
	if len(allowed) == 0 {
		return "is not a parameter of this route, which takes none"
	}
	return "is not a parameter of this route, which takes " + strings.Join(allowed, ", ")
}

// hasBody reports whether the request carries at least one byte of body; a
// chunked body of no bytes is no body.
func hasBody(c echo.Context) bool {
	r := c.Request()
	if r.Body == nil || r.ContentLength == 0 {
		return false
	}
	var one [1]byte
	n, _ := io.ReadFull(r.Body, one[:])
	return n > 0
}

// specRoute writes an Echo route the way openapi.yaml does: /v1/surveys/{id}.
func specRoute(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
