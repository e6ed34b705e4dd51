package mail

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig says how to reach the SMTP server.
type SMTPConfig struct {
	Host     string
	Port     int    // 0 for the default of TLS: 25 (none), 587 (starttls), 465 (tls)
	Username string // empty for no authentication
	Password string
	TLS      string // "none", "starttls" (the default) or "tls"
	From     string // the sender's address
	Timeout  time.Duration
}

// Check returns an error naming what is wrong with the configuration.
func (c SMTPConfig) Check() error {
	switch {
	case c.Host == "":
		return errors.New("SURVEY_SMTP_HOST is empty")
	case c.From == "":
		return errors.New("SURVEY_MAIL_FROM is needed with SURVEY_SMTP_HOST")
	case c.TLS != "" && c.TLS != "none" && c.TLS != "starttls" && c.TLS != "tls":
		return fmt.Errorf("SURVEY_SMTP_TLS=%q: want none, starttls or tls", c.TLS)
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("SURVEY_SMTP_PORT=%d: not a port", c.Port)
	}
	return nil
}

// SMTP sends mails through an SMTP server, one connection per mail.
type SMTP struct {
	cfg  SMTPConfig
	opts []gomail.Option
}

// NewSMTP returns a sender for the configuration.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout)}
	port := cfg.Port
	switch cfg.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		port = cmpOr(port, 25)
	case "tls":
		opts = append(opts, gomail.WithSSL())
		port = cmpOr(port, 465)
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		port = cmpOr(port, 587)
	}
	opts = append(opts, gomail.WithPort(port))
	cfg.Port = port
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	return &SMTP{cfg: cfg, opts: opts}, nil
}

func cmpOr(v, fallback int) int {
	if v == 0 {
		return fallback
	}
	return v
}

// Addr is the server's host and port, for the log.
func (s *SMTP) Addr() string { return s.cfg.Host + ":" + strconv.Itoa(s.cfg.Port) }

// RefusedError is an SMTP server's permanent refusal of a mail, such as an
// address it does not know: trying again will not help.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return "the mail server refused the mail: " + e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// Send sends one message. A permanent refusal by the server is a *RefusedError;
// any other error may pass if tried again.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.To == "" {
		return &RefusedError{Err: errors.New("the recipient has no e-mail address")}
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("sender %q: %w", s.cfg.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return &RefusedError{Err: fmt.Errorf("recipient %q: %w", m.To, err)}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	client, err := gomail.NewClient(s.cfg.Host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return &RefusedError{Err: err}
	}
	return err
}
