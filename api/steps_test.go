package api_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// step is one request of a scenario and what must come back.
type step struct {
	name   string
	as     string // token name; "" sends none
	method string
	path   string
	body   any
	status int
	want   map[string]any    // JSON path → expected value (compared as fmt %v)
	errors []string          // fields the problem's errors must name
	save   map[string]string // variable → JSON path of the value to keep
	check  func(t *testing.T, h *harness, r response)
}

// run sends the steps in order, stopping at the first that fails.
func (h *harness) run(steps []step) {
	h.t.Helper()
	for _, s := range steps {
		r := h.do(s.as, s.method, s.path, s.body)
		if r.status != s.status {
			h.t.Fatalf("%s: %s %s: status %d, want %d\n%s", s.name, s.method, s.path, r.status, s.status, r.body)
		}
		if strings.HasPrefix(r.header.Get("Content-Type"), "application/") && len(r.body) > 0 &&
			(len(s.want) > 0 || len(s.errors) > 0 || len(s.save) > 0) {
			doc := r.json(h.t)
			for path, want := range s.want {
				got, ok := lookup(doc, path)
				if s, isString := want.(string); isString {
					want = h.expand(s)
				}
				if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
					h.t.Fatalf("%s: %s = %v (present %v), want %v\n%s", s.name, path, got, ok, want, r.body)
				}
			}
			for _, field := range s.errors {
				if !problemNames(doc, field) {
					h.t.Fatalf("%s: the problem does not name the field %q\n%s", s.name, field, r.body)
				}
			}
			for name, path := range s.save {
				v, ok := lookup(doc, path)
				if !ok {
					h.t.Fatalf("%s: nothing at %s to save as %s\n%s", s.name, path, name, r.body)
				}
				h.vars[name] = fmt.Sprint(v)
			}
		}
		if s.check != nil {
			s.check(h.t, h, r)
		}
	}
}

// lookup follows a dotted path ("items.0.code") through decoded JSON.
func lookup(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func problemNames(doc map[string]any, field string) bool {
	errs, _ := doc["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["field"] == field {
			return true
		}
	}
	return false
}
