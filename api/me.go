package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type meResponse struct {
	User   userResponse    `json:"user"`
	Member *memberResponse `json:"member"`
	Token  meToken         `json:"token"`
	Chairs []string        `json:"chairs"` // the work groups the caller chairs
}

// meToken is the token the request came with, without its owner repeated.
type meToken struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// me serves GET /v1/me: who the caller is, its member, and the token it used.
func (s *Server) me(c echo.Context) error {
	ci := c.Get(callerKey).(callerInfo)
	out := meResponse{User: toUserResponse(ci.user),
		Token: meToken{ID: ci.token.ID, Name: ci.token.Name, ExpiresAt: ci.token.ExpiresAt}, Chairs: []string{}}
	if ci.user.Member != "" {
		out.Chairs = append(out.Chairs, ci.user.Chaired...)
	}
	if ci.user.Member != "" {
		m, err := s.store.Member(c.Request().Context(), ci.user.Member)
		if err != nil {
			return err
		}
		mr := toMemberResponse(m)
		out.Member = &mr
	}
	return c.JSON(http.StatusOK, out)
}
