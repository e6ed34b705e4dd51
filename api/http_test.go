package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// doWith sends one request with extra headers, as do does, and checks the
// response against openapi.yaml; a gzip body is checked as the client reads it.
func (h *harness) doWith(as, method, path string, body string, header http.Header) response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(h.expand(body))
	}
	req := httptest.NewRequest(method, h.expand(path), rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		secret, ok := h.tokens[as]
		if !ok {
			secret = as
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	checked := res
	if res.header.Get("Content-Encoding") == "gzip" {
		checked.body = gunzip(h.t, res.body)
	}
	h.checkAgainstSpec(req, checked)
	return res
}

// expectProblem fails unless r is a problem of the status, code and reason.
func expectProblem(t *testing.T, r response, status int, code, reason string) {
	t.Helper()
	var p struct{ Code, Reason string }
	if err := json.Unmarshal(r.body, &p); err != nil || r.status != status || p.Code != code || p.Reason != reason {
		t.Fatalf("got %d %s/%s, want %d %s/%s\n%s", r.status, p.Code, p.Reason, status, code, reason, r.body)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}
