package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/mail"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestEveryTemplate writes every mail: each has a subject, both parts, the link,
// and nothing the template asked for and did not get.
func TestEveryTemplate(t *testing.T) {
	tpl, err := mail.ParseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	data := survey.MailData{Survey: survey.NotifiedSurvey{ID: "srv_1", Title: "Monthly <statistics>", Period: "2026-11", Edition: "2026-11"},
		Member: "dk", MemberName: "Punktum dk", Deadline: &deadline, Link: "https://surveys.example.org/v1/surveys/srv_1/responses/dk",
		RequiredAnswered: 2, RequiredTotal: 5, Heading: "webhook disabled", Text: "The webhook failed."}
	for _, name := range mail.Names() {
		m, err := tpl.Write("job_1@surveyd", survey.Mail{Kind: survey.MailReminder, Template: name, To: "anna@punktum.dk", Name: "Anna", Data: data})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Subject == "" || strings.Contains(m.Subject, "\n") || !strings.Contains(m.Text, "Dear Anna") || !strings.Contains(m.HTML, "Dear Anna") {
			t.Fatalf("%s: subject %q\n%s\n%s", name, m.Subject, m.Text, m.HTML)
		}
		if !strings.Contains(m.Text, data.Link) || !strings.Contains(m.HTML, `href="`+data.Link+`"`) {
			t.Fatalf("%s: no link\n%s\n%s", name, m.Text, m.HTML)
		}
		for _, part := range []string{m.Subject, m.Text, m.HTML} {
			if strings.Contains(part, "<no value>") || strings.Contains(part, "%!") {
				t.Fatalf("%s: a missing value in\n%s", name, part)
			}
		}
		if strings.Contains(m.HTML, "<statistics>") {
			t.Fatalf("%s: the HTML part does not escape the title", name)
		}
	}
	if _, err := tpl.Write("x", survey.Mail{Template: "nonsense"}); err == nil {
		t.Fatal("an unknown template wrote a mail")
	}
}
