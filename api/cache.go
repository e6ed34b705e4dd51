package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// compress gzips responses for clients that accept it, and says Vary:
// Accept-Encoding on every response so that caches keep the two apart. Bodies
// under a kilobyte are sent as they are: compressing them gains nothing. The
// fastest level: on JSON it saves nearly as much as the default, at a fraction
// of the processor time that, under load, every other request waits for.
func compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Level: gzip.BestSpeed})
}

// privateCacheControl lets the caller's browser keep a read, and no shared
// cache: the body is for this caller only. no-cache makes the browser ask again
// each time, with If-None-Match, so a new answer or a publication shows at once
// and costs a 304 when nothing changed (decision 0014).
const privateCacheControl = "private, no-cache"

// revalidated serves a read whose body depends only on what the caller may see
// (results, trends) with an ETag that is a hash of that body: it changes exactly
// when the caller's view changes. A request whose If-None-Match names it gets a
// 304 without a body. The tag is weak (W/"…") because the same body is sent
// gzipped to some clients and not to others.
func revalidated(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		orig := res.Writer
		buf := &bufferedWriter{header: orig.Header()}
		res.Writer = buf
		err := next(c)
		res.Writer = orig
		if !res.Committed { // nothing written: the error handler writes the problem
			return err
		}
		if buf.status != http.StatusOK || err != nil {
			orig.WriteHeader(buf.status)
			_, werr := orig.Write(buf.body.Bytes())
			return werr
		}
		sum := sha256.Sum256(buf.body.Bytes())
		tag := `W/"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
		h := orig.Header()
		h.Set("ETag", tag)
		h.Set(echo.HeaderCacheControl, privateCacheControl)
		if matchesTag(c.Request().Header.Get("If-None-Match"), tag) {
			h.Del(echo.HeaderContentType)
			h.Del(echo.HeaderContentLength)
			res.Status, res.Size = http.StatusNotModified, 0
			orig.WriteHeader(http.StatusNotModified)
			return nil
		}
		orig.WriteHeader(http.StatusOK)
		_, werr := orig.Write(buf.body.Bytes())
		return werr
	}
}

// matchesTag reports whether an If-None-Match header names tag, compared
// weakly as RFC 9110 asks: W/"x" and "x" are the same.
func matchesTag(header, tag string) bool {
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// bufferedWriter holds a response until its ETag is known.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedWriter) Header() http.Header         { return w.header }
func (w *bufferedWriter) WriteHeader(status int)      { w.status = status }
func (w *bufferedWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

// fileTag is the ETag of a file that is streamed and so cannot be hashed
// (exports of raw responses and series statistics): a hash of what determines
// the file the caller gets, computed before a row is read. It takes the route
// and its query, the caller (user, role and member: callers may get different
// files) and the format, then parts, which name the data: the survey's status
// and last change, and a digest of its responses from one small query
// (store.ResponsesDigest). Weak, as revalidated's (decision 0014).
func fileTag(c echo.Context, format string, parts ...any) string {
	h := sha256.New()
	me := caller(c)
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s", c.Request().URL.Path, c.Request().URL.RawQuery, me.ID, me.Role, me.Member, format)
	for _, p := range parts {
		fmt.Fprintf(h, "\x00%v", p)
	}
	return `W/"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// notModified sends tag and Cache-Control: private, no-cache, and answers a
// request whose If-None-Match names tag with a 304 without a body; it reports
// whether it did, so that the caller streams nothing.
func notModified(c echo.Context, tag string) (bool, error) {
	h := c.Response().Header()
	h.Set("ETag", tag)
	h.Set(echo.HeaderCacheControl, privateCacheControl)
	if !matchesTag(c.Request().Header.Get("If-None-Match"), tag) {
		return false, nil
	}
	return true, c.NoContent(http.StatusNotModified)
}
