package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

type auditResponse struct {
	ID         string          `json:"id"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	RequestID  *string         `json:"request_id"`
	Kind       string          `json:"kind"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Member     *string         `json:"member"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
}

func toAuditResponse(e survey.AuditEntry) auditResponse {
	return auditResponse{ID: e.ID, At: e.At, Actor: e.Actor, RequestID: optional(e.RequestID), Kind: e.Kind,
		ObjectType: e.ObjectType, ObjectID: e.ObjectID, Member: optional(e.Member), Before: e.Before, After: e.After}
}

// listAudit serves GET /v1/audit: the secretariat reads the whole trail, a
// member's user only the entries that concern its own member.
func (s *Server) listAudit(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.AuditFilter{Actor: c.QueryParam("actor"), ObjectType: c.QueryParam("object_type"),
		ObjectID: c.QueryParam("object_id"), Kind: c.QueryParam("kind"), Member: c.QueryParam("member")}
	// The types of object the audit trail names, as openapi.yaml lists them.
	auditObjectTypes := []string{"survey", "series", "member", "user", "token", "peer_group", "work_group", "webhook", "extension", "import"}
	if f.ObjectType != "" && !slices.Contains(auditObjectTypes, f.ObjectType) {
		return queryError("object_type", "must be one of "+strings.Join(auditObjectTypes, ", "))
	}
	if f.Member != "" && !survey.ValidMemberCode(f.Member) {
		return queryError("member", "must be a member's code, a top-level domain label without the dot, in lowercase")
	}
	if scope := caller(c).AuditScope(); scope != "" {
		if f.Member != "" && f.Member != scope {
			return survey.Refusef(survey.Forbidden, survey.NotOwnMember, "you read the audit trail of member %s only", scope)
		}
		f.Member = scope
	}
	for _, t := range []struct {
		param string
		into  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := c.QueryParam(t.param); v != "" {
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return queryError(t.param, "must be a time such as 2026-11-02T09:00:00Z")
			}
			*t.into = &at
		}
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return queryError("to", "must be later than from")
	}
	entries, next, err := s.store.Audit(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(entries, next, toAuditResponse))
}
