// Package mail writes the platform's mails from their templates (plain text and
// HTML, embedded) and sends them through an SMTP server with go-mail. It knows
// nothing of the database: a job hands it a survey.Mail, it returns a Message or
// an error that says whether trying again could help.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

// Message is one mail, written and ready to send.
type Message struct {
	ID      string // the Message-ID, without angle brackets; the same for every try
	Kind    survey.MailKind
	To      string
	Subject string
	Text    string
	HTML    string
}

// Templates are the mails' texts, parsed once.
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// Names are the templates a Mail may name.
func Names() []string {
	return []string{"invitation", "reminder", "receipt_submitted", "receipt_withdrawn", "results",
		"period_opened", "period_closing", "notice", "signin"}
}

// ParseTemplates reads the embedded templates.
func ParseTemplates() (*Templates, error) {
	funcs := map[string]any{"date": formatDate}
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, name := range Names() {
		tt, err := texttemplate.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/"+name+".txt.tmpl")
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
		ht, err := htmltemplate.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html.tmpl", "templates/"+name+".html.tmpl")
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
		t.text[name], t.html[name] = tt, ht
	}
	return t, nil
}

// formatDate writes a deadline as people read it, in UTC, the platform's time.
func formatDate(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("Monday 2 January 2006, 15:04 UTC")
	case *time.Time:
		if v != nil {
			return v.UTC().Format("Monday 2 January 2006, 15:04 UTC")
		}
	}
	return "(no deadline)"
}

// view is what a template sees: the mail's data and who it is for.
type view struct {
	survey.MailData
	Name     string
	Subject  string
	Optional bool
}

// Write fills the mail's templates. id becomes its Message-ID.
func (t *Templates) Write(id string, m survey.Mail) (Message, error) {
	tt, ok := t.text[m.Template]
	if !ok {
		return Message{}, fmt.Errorf("no mail template is called %q", m.Template)
	}
	name := m.Name
	if name == "" {
		name = m.To
	}
	v := view{MailData: m.Data, Name: name, Optional: m.Kind.Optional()}
	var subject, text, html bytes.Buffer
	if err := tt.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Message{}, fmt.Errorf("mail %s: subject: %w", m.Template, err)
	}
	v.Subject = strings.Join(strings.Fields(subject.String()), " ")
	if err := tt.ExecuteTemplate(&text, "text", v); err != nil {
		return Message{}, fmt.Errorf("mail %s: text: %w", m.Template, err)
	}
	if err := t.html[m.Template].ExecuteTemplate(&html, "layout", v); err != nil {
		return Message{}, fmt.Errorf("mail %s: html: %w", m.Template, err)
	}
	return Message{ID: id, Kind: m.Kind, To: m.To, Subject: v.Subject,
		Text: strings.TrimSpace(text.String()) + "\n", HTML: html.String()}, nil
}
