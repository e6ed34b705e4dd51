package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// mailPreferences is which kinds of mail a user gets, on the wire: in a response
// every kind, in a request the kinds to change.
type mailPreferences struct {
	Invitation *bool `json:"invitation,omitempty"`
	Reminder   *bool `json:"reminder,omitempty"`
	Receipt    *bool `json:"receipt,omitempty"`
	Results    *bool `json:"results,omitempty"`
	Statistics *bool `json:"statistics,omitempty"`
	Notice     *bool `json:"notice,omitempty"`
}

func (m mailPreferences) fields() map[survey.MailKind]*bool {
	return map[survey.MailKind]*bool{survey.MailInvitation: m.Invitation, survey.MailReminder: m.Reminder,
		survey.MailReceipt: m.Receipt, survey.MailResults: m.Results, survey.MailStatistics: m.Statistics, survey.MailNotice: m.Notice}
}

func (m mailPreferences) toDomain() survey.MailPreferences {
	out := survey.MailPreferences{}
	for k, v := range m.fields() {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func toMailPreferences(p survey.MailPreferences) mailPreferences {
	on := func(k survey.MailKind) *bool { v := p.Wants(k); return &v }
	return mailPreferences{Invitation: on(survey.MailInvitation), Reminder: on(survey.MailReminder), Receipt: on(survey.MailReceipt),
		Results: on(survey.MailResults), Statistics: on(survey.MailStatistics), Notice: on(survey.MailNotice)}
}

// mailUser returns the user whose mail preferences the caller asks for, if it may.
func (s *Server) mailUser(c echo.Context) (survey.User, error) {
	u, err := s.visibleUser(c, c.Param("id"))
	if err != nil {
		return survey.User{}, err
	}
	if !caller(c).CanSetMailOf(u) {
		return survey.User{}, survey.Errorf(survey.Forbidden, "only the user and the secretariat may see and change which mails a user gets")
	}
	return u, nil
}

// getMailPreferences serves GET /v1/users/{id}/mail-preferences.
func (s *Server) getMailPreferences(c echo.Context) error {
	u, err := s.mailUser(c)
	if err != nil {
		return err
	}
	p, err := s.store.MailPreferences(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMailPreferences(p))
}

// setMailPreferences serves PUT /v1/users/{id}/mail-preferences: the kinds named
// change, the others keep their setting.
func (s *Server) setMailPreferences(c echo.Context) error {
	u, err := s.mailUser(c)
	if err != nil {
		return err
	}
	var req mailPreferences
	if err := bind(c, &req); err != nil {
		return err
	}
	p, err := s.store.SetMailPreferences(c.Request().Context(), u.ID, req.toDomain())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMailPreferences(p))
}

type outboxMailResponse struct {
	ID        string    `json:"id"`
	MessageID string    `json:"message_id"`
	Kind      string    `json:"kind"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	CreatedAt time.Time `json:"created_at"`
}

func toOutboxMailResponse(m store.OutboxMail) outboxMailResponse {
	return outboxMailResponse{ID: m.ID, MessageID: m.MessageID, Kind: string(m.Kind), To: m.To, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, CreatedAt: m.CreatedAt}
}

// listOutbox serves GET /v1/outbox: the mails kept instead of sent, newest first,
// when no SMTP server is configured.
func (s *Server) listOutbox(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	mails, next, err := s.store.Outbox(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(mails, next, toOutboxMailResponse))
}
