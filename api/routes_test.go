package api_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/api"
)

// TestRoutesMatchSpec fails when the server and openapi.yaml disagree on the
// routes: every registered route must be an operation of the spec and back.
func TestRoutesMatchSpec(t *testing.T) {
	doc, err := spec()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	var inSpec []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inSpec = append(inSpec, method+" "+path)
		}
	}
	param := regexp.MustCompile(`:(\w+)`)
	var served []string
	for _, r := range api.New(api.Config{}).Routes() {
		if r.Method == echo.RouteNotFound {
			continue // Echo's own catch-all for unknown routes
		}
		served = append(served, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	slices.Sort(inSpec)
	slices.Sort(served)
	for _, r := range served {
		if _, found := slices.BinarySearch(inSpec, r); !found {
			t.Errorf("the server has %s, openapi.yaml does not", r)
		}
	}
	for _, r := range inSpec {
		if _, found := slices.BinarySearch(served, r); !found {
			t.Errorf("openapi.yaml has %s, the server does not", r)
		}
	}
}
