package api

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	surveyd "github.com/tldcouncil/surveyd"
)

// TestInputsMatchSpec fails when the table of inputs and openapi.yaml disagree
// on a route's query parameters or on whether it takes a body.
func TestInputsMatchSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(surveyd.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	table := inputs()
	inSpec := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			route := method + " " + echoRoute(path)
			inSpec[route] = true
			var query []string
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In == openapi3.ParameterInQuery {
					query = append(query, p.Value.Name)
				}
			}
			got := table[route]
			if !sameSet(got.query, query) {
				t.Errorf("%s: the table has the query parameters %v, openapi.yaml %v", route, got.query, query)
			}
			if body := op.RequestBody != nil; got.body != body {
				t.Errorf("%s: the table says body %v, openapi.yaml %v", route, got.body, body)
			}
		}
	}
	for route := range table {
		if !inSpec[route] {
			t.Errorf("the table has %s, openapi.yaml does not", route)
		}
	}
}

// echoRoute writes a path of openapi.yaml the way Echo does: /v1/surveys/:id.
func echoRoute(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			parts[i] = ":" + strings.Trim(p, "{}")
		}
	}
	return strings.Join(parts, "/")
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}
