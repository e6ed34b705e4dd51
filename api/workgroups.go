package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

type workGroupResponse struct {
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Chairs      []string  `json:"chairs"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toWorkGroupResponse(g survey.WorkGroup) workGroupResponse {
	chairs := g.Chairs
	if chairs == nil {
		chairs = []string{}
	}
	return workGroupResponse{Key: g.Key, Name: g.Name, Description: g.Description, Chairs: chairs,
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

type createWorkGroupRequest struct {
	Key         string   `json:"key" validate:"required,max=64,key"`
	Name        string   `json:"name" validate:"required,max=200"`
	Description string   `json:"description" validate:"max=2000"`
	Chairs      []string `json:"chairs" validate:"max=50"`
}

type updateWorkGroupRequest struct {
	Name        *string   `json:"name" validate:"omitempty,min=1,max=200"`
	Description *string   `json:"description" validate:"omitempty,max=2000"`
	Chairs      *[]string `json:"chairs" validate:"omitempty,max=50"`
}

// listWorkGroups serves GET /v1/work-groups: every user reads the directory.
func (s *Server) listWorkGroups(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	groups, next, err := s.store.WorkGroups(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(groups, next, toWorkGroupResponse))
}

// createWorkGroup serves POST /v1/work-groups.
func (s *Server) createWorkGroup(c echo.Context) error {
	var req createWorkGroupRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	g, err := s.store.CreateWorkGroup(c.Request().Context(), survey.WorkGroup{Key: req.Key, Name: req.Name,
		Description: req.Description, Chairs: req.Chairs})
	if err != nil {
		return err
	}
	return created(c, "/v1/work-groups/"+url.PathEscape(g.Key), toWorkGroupResponse(g))
}

// getWorkGroup serves GET /v1/work-groups/{key}.
func (s *Server) getWorkGroup(c echo.Context) error {
	g, err := s.store.WorkGroup(c.Request().Context(), c.Param("key"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWorkGroupResponse(g))
}

// updateWorkGroup serves PATCH /v1/work-groups/{key}.
func (s *Server) updateWorkGroup(c echo.Context) error {
	var req updateWorkGroupRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	g, err := s.store.UpdateWorkGroup(c.Request().Context(), c.Param("key"),
		survey.WorkGroupUpdate{Name: req.Name, Description: req.Description, Chairs: req.Chairs})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWorkGroupResponse(g))
}

// listPeople serves GET /v1/work-groups/{key}/people. The secretariat and the
// group's chairs see all of them; any other member's user sees its own member's
// people only, as with users (decision 0004).
func (s *Server) listPeople(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := store.PeopleFilter{}
	if me := caller(c); !me.IsSecretariat() && !me.Chairs(c.Param("key")) {
		f.Member = me.Member
	}
	people, next, err := s.store.People(c.Request().Context(), c.Param("key"), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(people, next, toUserResponse))
}

// addPerson serves PUT /v1/work-groups/{key}/people/{user}.
func (s *Server) addPerson(c echo.Context) error {
	u, err := s.store.AddPerson(c.Request().Context(), c.Param("key"), c.Param("user"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserResponse(u))
}

// removePerson serves DELETE /v1/work-groups/{key}/people/{user}.
func (s *Server) removePerson(c echo.Context) error {
	if err := s.store.RemovePerson(c.Request().Context(), c.Param("key"), c.Param("user")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
