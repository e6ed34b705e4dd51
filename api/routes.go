package api

import (
	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// routes registers every route of the API, in the order of openapi.yaml.
func (s *Server) routes(e *echo.Echo) {
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.yaml", s.openapiSpec)
	e.GET("/docs", s.docsPage)
	e.GET("/docs/redoc.standalone.js", s.docsScript)

	// Every /v1 route needs a token (see authenticate); the routes above are public.
	e.Use(s.authenticate)
	v1 := e.Group("/v1")
	v1.GET("/me", s.me)

	v1.GET("/members", s.listMembers)
	v1.POST("/members", s.createMember, secretariatOnly)
	v1.GET("/members/:code", s.getMember)
	v1.PATCH("/members/:code", s.updateMember, secretariatOnly)

	v1.GET("/peer-groups", s.listPeerGroups)
	v1.POST("/peer-groups", s.createPeerGroup, secretariatOnly)
	v1.GET("/peer-groups/:key", s.getPeerGroup)
	v1.PUT("/peer-groups/:key", s.replacePeerGroup, secretariatOnly)
	v1.DELETE("/peer-groups/:key", s.deletePeerGroup, secretariatOnly)

	v1.GET("/users", s.listUsers)
	v1.POST("/users", s.createUser, secretariatOnly)
	v1.GET("/users/:id", s.getUser)
	v1.PATCH("/users/:id", s.updateUser, secretariatOnly)
	v1.GET("/users/:id/tokens", s.listTokens)
	v1.POST("/users/:id/tokens", s.createToken)
	v1.GET("/tokens/:id", s.getToken)
	v1.DELETE("/tokens/:id", s.revokeToken)

	v1.GET("/surveys", s.listSurveys)
	v1.POST("/surveys", s.createSurvey, secretariatOnly)
	v1.GET("/surveys/:id", s.getSurvey)
	v1.PUT("/surveys/:id", s.replaceSurvey, secretariatOnly)
	v1.PATCH("/surveys/:id", s.updateSurvey, secretariatOnly)
	v1.DELETE("/surveys/:id", s.deleteSurvey, secretariatOnly)
	v1.POST("/surveys/:id/open", s.transition(survey.StatusOpen), secretariatOnly)
	v1.POST("/surveys/:id/close", s.transition(survey.StatusClosed), secretariatOnly)
	v1.POST("/surveys/:id/publish", s.transition(survey.StatusPublished), secretariatOnly)
	v1.POST("/surveys/:id/clone", s.cloneSurvey, secretariatOnly)

	v1.GET("/surveys/:id/progress", s.surveyProgress, secretariatOnly)
	v1.GET("/surveys/:id/responses", s.listResponses)
	v1.GET("/surveys/:id/responses/:member", s.getResponse)
	v1.PATCH("/surveys/:id/responses/:member", s.saveResponse)
	v1.POST("/surveys/:id/responses/:member/submit", s.submitResponse)
	v1.POST("/surveys/:id/responses/:member/withdraw", s.withdrawResponse)
	v1.GET("/surveys/:id/responses/:member/history", s.responseHistory)
	v1.GET("/surveys/:id/extensions", s.listExtensions, secretariatOnly)
	v1.PUT("/surveys/:id/extensions/:member", s.extendDeadline, secretariatOnly)
	v1.POST("/surveys/:id/imports", s.importResponses, secretariatOnly)
	v1.GET("/surveys/:id/results", s.surveyResults)
	v1.GET("/surveys/:id/results/peer-groups", s.resultsPeerGroups)

	v1.GET("/series", s.listSeries)
	v1.POST("/series", s.createSeries, secretariatOnly)
	v1.GET("/series/:key", s.getSeries)
	v1.POST("/series/:key/editions", s.createEdition, secretariatOnly)
	v1.GET("/series/:key/trends", s.seriesTrends)
}
