package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// problem is an RFC 9457 problem document, with the field errors of the request
// and two stable names for programs: code, the kind of problem (one per status),
// and reason, its specific cause (decision 0013).
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Code      string         `json:"code"`
	Reason    string         `json:"reason"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []problemField `json:"errors,omitempty"`
}

type problemField struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// statusOf is the one map from domain error codes to HTTP statuses.
var statusOf = map[survey.Code]int{
	survey.Malformed:          http.StatusBadRequest,
	survey.Invalid:            http.StatusUnprocessableEntity,
	survey.Unauthorized:       http.StatusUnauthorized,
	survey.Forbidden:          http.StatusForbidden,
	survey.NotFound:           http.StatusNotFound,
	survey.Conflict:           http.StatusConflict,
	survey.PreconditionFailed: http.StatusPreconditionFailed,
	survey.Internal:           http.StatusInternalServerError,
}

// handleError is Echo's error handler: every error of every route becomes a
// problem+json response here and nowhere else.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.problemOf(err, c)
	switch p.Status {
	case http.StatusUnauthorized:
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="surveyd"`)
	case http.StatusServiceUnavailable:
		c.Response().Header().Set(echo.HeaderRetryAfter, "5")
	}
	body, _ := jsonMarshal(p)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(body)
	}
}

func (s *Server) problemOf(err error, c echo.Context) problem {
	p := problem{Type: "about:blank", RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	var se *survey.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &se) && se.Code != survey.Internal:
		p.Status = statusOf[se.Code]
		p.Code, p.Reason = string(se.Code), string(se.Reason)
		p.Detail = se.Message
		for _, f := range se.Fields {
			p.Errors = append(p.Errors, problemField{Field: f.Field, Reason: f.Reason})
		}
	case errors.As(err, &he) && he.Code != http.StatusInternalServerError:
		// Echo's own refusals (unknown route, wrong method, body over the limit) and 503.
		p.Status = he.Code
		p.Code = codeOfStatus(he.Code)
		p.Detail = echoDetail(he)
	case errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil:
		// The client went away before the answer: nothing failed on our side,
		// and nobody reads what is written. 499 is how proxies record it.
		s.log.Info("client closed the request", "method", c.Request().Method,
			"uri", c.Request().RequestURI, "request_id", p.RequestID)
		p.Status = statusClientClosedRequest
		p.Code = "client_closed_request"
		p.Detail = "the client closed the request before the answer"
	case store.IsUnavailable(err):
		// The database is down or restarting; the pool reconnects once it is back.
		s.log.Warn("database unavailable", "error", err, "method", c.Request().Method,
			"uri", c.Request().RequestURI, "request_id", p.RequestID)
		p.Status = http.StatusServiceUnavailable
		p.Code = codeOfStatus(p.Status)
		p.Detail = "the database does not answer; try again shortly"
	case store.IsStorageFault(err):
		s.log.Error("database cannot write: its disk is full or failing", "error", err, "method", c.Request().Method,
			"uri", c.Request().RequestURI, "request_id", p.RequestID)
		p.Status = http.StatusInsufficientStorage
		p.Code = codeOfStatus(p.Status)
		p.Detail = "the server cannot store data now; nothing was saved; try again later"
	default:
		s.log.Error("internal error", "error", err, "method", c.Request().Method,
			"uri", c.Request().RequestURI, "request_id", p.RequestID)
		p.Status = http.StatusInternalServerError
		p.Code = string(survey.Internal)
		p.Detail = "something went wrong on our side; the request ID helps us find it"
	}
	if p.Reason == "" {
		p.Reason = p.Code // a problem with no finer cause than its kind
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == statusClientClosedRequest {
		p.Title = "Client Closed Request"
	}
	return p
}

// statusClientClosedRequest is not in RFC 9110: it is nginx's, recorded when
// the client closed the connection before the answer, as our logs and
// metrics record it too.
const statusClientClosedRequest = 499

// codeOfStatus names a status that has no domain code, in the style of the others.
func codeOfStatus(status int) string {
	for code, st := range statusOf {
		if st == status {
			return string(code)
		}
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}

func echoDetail(he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return "there is no such route"
	case http.StatusMethodNotAllowed:
		return "the route does not take this method"
	case http.StatusRequestEntityTooLarge:
		return "the request body is larger than the limit of 1 MiB"
	case http.StatusServiceUnavailable:
		return "the service cannot serve now; try again shortly"
	}
	if msg, ok := he.Message.(string); ok {
		return msg
	}
	return http.StatusText(he.Code)
}
