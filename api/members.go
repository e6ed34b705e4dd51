package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// memberResponse is a member on the wire. The directory is public within the
// council, so every caller sees the same fields.
type memberResponse struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Country    string    `json:"country"`
	Membership string    `json:"membership"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toMemberResponse(m survey.Member) memberResponse {
	return memberResponse{Code: m.Code, Name: m.Name, Country: m.Country, Membership: string(m.Membership),
		Active: m.Active, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

type createMemberRequest struct {
	Code       string `json:"code" validate:"required,member_code"`
	Name       string `json:"name" validate:"required,max=200"`
	Country    string `json:"country" validate:"required,iso3166_1_alpha2|eq=EU"`
	Membership string `json:"membership" validate:"required,oneof=full associate observer"`
	Active     *bool  `json:"active"`
}

type updateMemberRequest struct {
	Name       *string `json:"name" validate:"omitempty,min=1,max=200"`
	Country    *string `json:"country" validate:"omitempty,iso3166_1_alpha2|eq=EU"`
	Membership *string `json:"membership" validate:"omitempty,oneof=full associate observer"`
	Active     *bool   `json:"active"`
}

// listMembers serves GET /v1/members.
func (s *Server) listMembers(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	members, next, err := s.store.Members(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(members, next, toMemberResponse))
}

// createMember serves POST /v1/members.
func (s *Server) createMember(c echo.Context) error {
	var req createMemberRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	m := survey.Member{Code: req.Code, Name: req.Name, Country: req.Country,
		Membership: survey.Membership(req.Membership), Active: req.Active == nil || *req.Active}
	m, err := s.store.CreateMember(c.Request().Context(), m)
	if err != nil {
		return err
	}
	return created(c, "/v1/members/"+url.PathEscape(m.Code), toMemberResponse(m))
}

// getMember serves GET /v1/members/{code}.
func (s *Server) getMember(c echo.Context) error {
	m, err := s.store.Member(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberResponse(m))
}

// updateMember serves PATCH /v1/members/{code}.
func (s *Server) updateMember(c echo.Context) error {
	var req updateMemberRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	u := survey.MemberUpdate{Name: req.Name, Country: req.Country, Active: req.Active}
	if req.Membership != nil {
		ms := survey.Membership(*req.Membership)
		u.Membership = &ms
	}
	m, err := s.store.UpdateMember(c.Request().Context(), c.Param("code"), u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberResponse(m))
}
