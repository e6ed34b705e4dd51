package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

type userResponse struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Member    *string   `json:"member"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toUserResponse(u survey.User) userResponse {
	out := userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Active: u.Active,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.Member != "" {
		out.Member = &u.Member
	}
	return out
}

type createUserRequest struct {
	Email  string `json:"email" validate:"required"`
	Name   string `json:"name" validate:"max=200"`
	Role   string `json:"role" validate:"required,oneof=secretariat respondent viewer"`
	Member string `json:"member" validate:"omitempty,member_code"`
}

type updateUserRequest struct {
	Name   *string `json:"name" validate:"omitempty,max=200"`
	Role   *string `json:"role" validate:"omitempty,oneof=secretariat respondent viewer"`
	Member *string `json:"member" validate:"omitempty,member_code"`
	Active *bool   `json:"active"`
}

// listUsers serves GET /v1/users. The secretariat sees everyone and may filter by
// member; a member's user sees the users of its own member only.
func (s *Server) listUsers(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.UserFilter{Member: c.QueryParam("member")}
	if f.Member != "" && !survey.ValidMemberCode(f.Member) {
		return queryError("member", "must be a member's code, a top-level domain label without the dot, in lowercase")
	}
	if me := caller(c); !me.IsSecretariat() {
		f.Member = me.Member
	}
	users, next, err := s.store.Users(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(users, next, toUserResponse))
}

// createUser serves POST /v1/users.
func (s *Server) createUser(c echo.Context) error {
	var req createUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	u, err := s.store.CreateUser(c.Request().Context(), survey.User{Email: req.Email, Name: req.Name,
		Role: survey.Role(req.Role), Member: req.Member})
	if err != nil {
		return err
	}
	return created(c, "/v1/users/"+url.PathEscape(u.ID), toUserResponse(u))
}

// getUser serves GET /v1/users/{id}.
func (s *Server) getUser(c echo.Context) error {
	u, err := s.visibleUser(c, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserResponse(u))
}

// visibleUser returns the user with the id if the caller may see it; to anybody
// else the user does not exist, so that ids of other members' users leak nothing.
func (s *Server) visibleUser(c echo.Context, id string) (survey.User, error) {
	u, err := s.store.User(c.Request().Context(), id)
	if err != nil {
		return survey.User{}, err
	}
	if !caller(c).CanSeeUser(u) {
		return survey.User{}, survey.Refusef(survey.NotFound, survey.NoSuchUser, "no user has the id %q", id)
	}
	return u, nil
}

// updateUser serves PATCH /v1/users/{id}.
func (s *Server) updateUser(c echo.Context) error {
	var req updateUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	up := survey.UserUpdate{Name: req.Name, Member: req.Member, Active: req.Active}
	if req.Role != nil {
		r := survey.Role(*req.Role)
		up.Role = &r
		if r == survey.RoleSecretariat && req.Member == nil {
			none := ""
			up.Member = &none // a user promoted to the secretariat leaves its member
		}
	}
	u, err := s.store.UpdateUser(c.Request().Context(), c.Param("id"), up)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserResponse(u))
}
