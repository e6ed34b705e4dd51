package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type peerGroupResponse struct {
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Members     []string  `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toPeerGroupResponse(g survey.PeerGroup) peerGroupResponse {
	members := g.Members
	if members == nil {
		members = []string{} // an empty group has members [], not null
	}
	return peerGroupResponse{Key: g.Key, Name: g.Name, Description: g.Description, Members: members,
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// createPeerGroupRequest is a new peer group; its fields are listed rather than
// embedded so that validation errors name them as the client wrote them.
type createPeerGroupRequest struct {
	Key         string   `json:"key" validate:"required,max=64,key"`
	Name        string   `json:"name" validate:"required,max=200"`
	Description string   `json:"description" validate:"max=2000"`
	Members     []string `json:"members" validate:"required,max=1000"`
}

// peerGroupBody replaces a peer group whose key is in the path.
type peerGroupBody struct {
	Name        string   `json:"name" validate:"required,max=200"`
	Description string   `json:"description" validate:"max=2000"`
	Members     []string `json:"members" validate:"required,max=1000"`
}

// listPeerGroups serves GET /v1/peer-groups.
func (s *Server) listPeerGroups(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	groups, next, err := s.store.PeerGroups(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(groups, next, toPeerGroupResponse))
}

// createPeerGroup serves POST /v1/peer-groups.
func (s *Server) createPeerGroup(c echo.Context) error {
	var req createPeerGroupRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	g, err := s.store.CreatePeerGroup(c.Request().Context(), survey.PeerGroup{Key: req.Key, Name: req.Name,
		Description: req.Description, Members: req.Members})
	if err != nil {
		return err
	}
	saved, err := s.withWarnings(c.Request().Context(), toPeerGroupResponse(g))
	if err != nil {
		return err
	}
	return created(c, "/v1/peer-groups/"+url.PathEscape(g.Key), saved)
}

// getPeerGroup serves GET /v1/peer-groups/{key}.
func (s *Server) getPeerGroup(c echo.Context) error {
	g, err := s.store.PeerGroup(c.Request().Context(), c.Param("key"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPeerGroupResponse(g))
}

// replacePeerGroup serves PUT /v1/peer-groups/{key}.
func (s *Server) replacePeerGroup(c echo.Context) error {
	var req peerGroupBody
	if err := bind(c, &req); err != nil {
		return err
	}
	g, err := s.store.ReplacePeerGroup(c.Request().Context(), survey.PeerGroup{Key: c.Param("key"), Name: req.Name,
		Description: req.Description, Members: req.Members})
	if err != nil {
		return err
	}
	saved, err := s.withWarnings(c.Request().Context(), toPeerGroupResponse(g))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, saved)
}

// deletePeerGroup serves DELETE /v1/peer-groups/{key}.
func (s *Server) deletePeerGroup(c echo.Context) error {
	if err := s.store.DeletePeerGroup(c.Request().Context(), c.Param("key")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
