package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type tokenResponse struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func toTokenResponse(t survey.Token) tokenResponse {
	return tokenResponse{ID: t.ID, UserID: t.UserID, Name: t.Name, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt}
}

// createdTokenResponse is a new token with its secret, shown this once.
type createdTokenResponse struct {
	tokenResponse
	Secret string `json:"secret"`
}

type createTokenRequest struct {
	Name      string     `json:"name" validate:"required,max=200"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// tokenOwner returns the user with the id if the caller may manage its tokens.
func (s *Server) tokenOwner(c echo.Context, id string) (survey.User, error) {
	u, err := s.visibleUser(c, id)
	if err != nil {
		return survey.User{}, err
	}
	if !caller(c).CanManageTokensOf(u) {
		return survey.User{}, survey.Refusef(survey.Forbidden, survey.NotOwnUser, "only the secretariat and the user itself may manage a user's tokens")
	}
	return u, nil
}

// listTokens serves GET /v1/users/{id}/tokens.
func (s *Server) listTokens(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	u, err := s.tokenOwner(c, c.Param("id"))
	if err != nil {
		return err
	}
	tokens, next, err := s.store.Tokens(c.Request().Context(), u.ID, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(tokens, next, toTokenResponse))
}

// createToken serves POST /v1/users/{id}/tokens.
func (s *Server) createToken(c echo.Context) error {
	u, err := s.tokenOwner(c, c.Param("id"))
	if err != nil {
		return err
	}
	var req createTokenRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	t, secret, err := s.store.CreateToken(c.Request().Context(), u.ID, req.Name, req.ExpiresAt)
	if err != nil {
		return err
	}
	return created(c, "/v1/tokens/"+url.PathEscape(t.ID), createdTokenResponse{tokenResponse: toTokenResponse(t), Secret: secret})
}

// visibleToken returns the token with the id if the caller may manage it.
func (s *Server) visibleToken(c echo.Context, id string) (survey.Token, error) {
	t, err := s.store.Token(c.Request().Context(), id)
	if err != nil {
		return survey.Token{}, err
	}
	if !caller(c).CanManageToken(t) {
		return survey.Token{}, survey.Refusef(survey.NotFound, survey.NoSuchToken, "no token has the id %q", id)
	}
	return t, nil
}

// getToken serves GET /v1/tokens/{id}.
func (s *Server) getToken(c echo.Context) error {
	t, err := s.visibleToken(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTokenResponse(t))
}

// revokeToken serves DELETE /v1/tokens/{id}: the token stops working at once.
func (s *Server) revokeToken(c echo.Context) error {
	t, err := s.visibleToken(c, c.Param("id"))
	if err != nil {
		return err
	}
	if _, err := s.store.RevokeToken(c.Request().Context(), t.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
