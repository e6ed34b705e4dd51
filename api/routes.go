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
	v1.GET("/users/:id/mail-preferences", s.getMailPreferences)
	v1.PUT("/users/:id/mail-preferences", s.setMailPreferences)

	v1.GET("/surveys", s.listSurveys)
	v1.POST("/surveys", s.createSurvey, authors)
	v1.POST("/surveys/import", s.importSurvey, secretariatOnly)
	v1.GET("/surveys/:id", s.getSurvey)
	v1.PUT("/surveys/:id", s.replaceSurvey, s.runs)
	v1.PATCH("/surveys/:id", s.updateSurvey, s.runs)
	v1.DELETE("/surveys/:id", s.deleteSurvey, s.runs)
	v1.POST("/surveys/:id/open", s.transition(survey.StatusOpen), s.runs)
	v1.POST("/surveys/:id/close", s.transition(survey.StatusClosed), s.runs)
	v1.POST("/surveys/:id/publish", s.transition(survey.StatusPublished), s.runs)
	v1.POST("/surveys/:id/clone", s.cloneSurvey, s.runs)
	v1.GET("/surveys/:id/export", s.exportSurvey)

	v1.GET("/surveys/:id/progress", s.surveyProgress, s.runs)
	v1.POST("/surveys/:id/reminders", s.remindNow, s.runs)
	v1.GET("/surveys/:id/responses", s.listResponses)
	v1.GET("/surveys/:id/responses/:member", s.getResponse)
	v1.PATCH("/surveys/:id/responses/:member", s.saveResponse)
	v1.POST("/surveys/:id/responses/:member/submit", s.submitResponse)
	v1.POST("/surveys/:id/responses/:member/withdraw", s.withdrawResponse)
	v1.GET("/surveys/:id/responses/:member/history", s.responseHistory)
	v1.GET("/surveys/:id/extensions", s.listExtensions, s.runs)
	v1.PUT("/surveys/:id/extensions/:member", s.extendDeadline, s.runs)
	v1.POST("/surveys/:id/imports", s.importResponses, secretariatOnly)
	v1.GET("/surveys/:id/results", s.surveyResults, revalidated)
	v1.GET("/surveys/:id/results/export", s.exportResults, revalidated)
	v1.GET("/surveys/:id/results/charts/:question", s.resultsChart, revalidated)
	v1.GET("/surveys/:id/answers/export", s.exportResponses)
	v1.GET("/surveys/:id/results/peer-groups", s.resultsPeerGroups, revalidated)

	v1.GET("/work-groups", s.listWorkGroups)
	v1.POST("/work-groups", s.createWorkGroup, secretariatOnly)
	v1.GET("/work-groups/:key", s.getWorkGroup)
	v1.PATCH("/work-groups/:key", s.updateWorkGroup, secretariatOnly)
	v1.GET("/work-groups/:key/people", s.listPeople)
	v1.PUT("/work-groups/:key/people/:user", s.addPerson, secretariatOnly)
	v1.DELETE("/work-groups/:key/people/:user", s.removePerson, secretariatOnly)

	v1.GET("/series", s.listSeries)
	v1.POST("/series", s.createSeries, secretariatOnly)
	v1.GET("/series/:key", s.getSeries)
	v1.POST("/series/:key/editions", s.createEdition, secretariatOnly)
	v1.GET("/series/:key/trends", s.seriesTrends, revalidated)
	v1.GET("/series/:key/trends/chart", s.trendChart, revalidated)
	v1.GET("/series/:key/export", s.exportSeries)

	v1.GET("/jobs", s.listJobs, secretariatOnly)
	v1.GET("/outbox", s.listOutbox, secretariatOnly)
	v1.GET("/webhooks", s.listWebhooks, secretariatOnly)
	v1.POST("/webhooks", s.createWebhook, secretariatOnly)
	v1.GET("/webhooks/:id", s.getWebhook, secretariatOnly)
	v1.PATCH("/webhooks/:id", s.updateWebhook, secretariatOnly)
	v1.DELETE("/webhooks/:id", s.deleteWebhook, secretariatOnly)
	v1.GET("/webhooks/:id/deliveries", s.listDeliveries, secretariatOnly)
	v1.POST("/webhooks/:id/deliveries/:delivery/resend", s.resendDelivery, secretariatOnly)

	v1.GET("/audit", s.listAudit)
}

// inputs is, for each route that reads more than its path and headers, the query
// parameters it reads and whether it takes a body, in the order of routes;
// checkInputs refuses anything else, and a route not listed takes neither.
// TestInputsMatchSpec holds this table to openapi.yaml.
func inputs() map[string]routeInputs {
	page := []string{"limit", "cursor"}
	body := routeInputs{body: true}
	return map[string]routeInputs{
		"GET /v1/members":         {query: page},
		"POST /v1/members":        body,
		"PATCH /v1/members/:code": body,

		"GET /v1/peer-groups":      {query: page},
		"POST /v1/peer-groups":     body,
		"PUT /v1/peer-groups/:key": body,

		"GET /v1/users":             {query: append([]string{"member"}, page...)},
		"POST /v1/users":            body,
		"PATCH /v1/users/:id":       body,
		"GET /v1/users/:id/tokens":  {query: page},
		"POST /v1/users/:id/tokens": body,

		"GET /v1/surveys":            {query: append([]string{"status", "topic", "series", "work_group"}, page...)},
		"POST /v1/surveys":           body,
		"POST /v1/surveys/import":    {query: []string{"format"}, body: true},
		"GET /v1/surveys/:id":        {query: []string{"lang"}},
		"GET /v1/surveys/:id/export": {query: []string{"format"}},
		"PUT /v1/surveys/:id":        body,
		"PATCH /v1/surveys/:id":      body,
		"POST /v1/surveys/:id/clone": body,

		"POST /v1/surveys/:id/reminders":                  body,
		"GET /v1/surveys/:id/responses":                   {query: page},
		"PATCH /v1/surveys/:id/responses/:member":         body,
		"GET /v1/surveys/:id/responses/:member/history":   {query: page},
		"POST /v1/surveys/:id/responses/:member/submit":   {query: []string{"dry_run"}},
		"POST /v1/surveys/:id/responses/:member/withdraw": {query: []string{"dry_run"}},
		"PUT /v1/surveys/:id/extensions/:member":          body,
		"POST /v1/surveys/:id/imports":                    {query: []string{"dry_run", "submit"}, body: true},
		"GET /v1/surveys/:id/results":                     {query: []string{"peer_group", "question", "compare"}},
		"GET /v1/surveys/:id/results/export":              {query: []string{"format", "peer_group", "question", "compare"}},
		"GET /v1/surveys/:id/results/charts/:question":    {query: []string{"format", "peer_group"}},
		"GET /v1/surveys/:id/answers/export":              {query: []string{"format"}},

		"GET /v1/work-groups":             {query: page},
		"POST /v1/work-groups":            body,
		"PATCH /v1/work-groups/:key":      body,
		"GET /v1/work-groups/:key/people": {query: page},

		"GET /v1/series":                   {query: page},
		"POST /v1/series":                  body,
		"POST /v1/series/:key/editions":    body,
		"GET /v1/series/:key/trends":       {query: []string{"question", "member", "from", "to", "peer_group"}},
		"GET /v1/series/:key/trends/chart": {query: []string{"format", "question", "member", "from", "to", "peer_group"}},
		"GET /v1/series/:key/export":       {query: []string{"format", "view", "from", "to", "member", "peer_group"}},

		"PUT /v1/users/:id/mail-preferences": body,
		"GET /v1/jobs":                       {query: append([]string{"state", "kind", "subject"}, page...)},
		"GET /v1/outbox":                     {query: page},
		"GET /v1/webhooks":                   {query: page},
		"POST /v1/webhooks":                  body,
		"PATCH /v1/webhooks/:id":             body,
		"GET /v1/webhooks/:id/deliveries":    {query: page},

		"GET /v1/audit": {query: append([]string{"actor", "object_type", "object_id", "kind", "member", "from", "to"}, page...)},
	}
}
