package survey

import (
	"time"
)

// NotificationType names something that happened which people (by mail) and
// systems (by webhook) are told about.
type NotificationType string

// The types of notification. The public ones are the events of webhooks; the
// others only move work of the server's own, such as reminders.
const (
	NotifySurveyOpened          NotificationType = "survey.opened"
	NotifySurveyClosed          NotificationType = "survey.closed"
	NotifySurveyPublished       NotificationType = "survey.published"
	NotifyResponseSubmitted     NotificationType = "response.submitted"
	NotifyResponseWithdrawn     NotificationType = "response.withdrawn"
	NotifySeriesPeriodOpened    NotificationType = "series.period_opened"
	NotifySeriesPeriodPublished NotificationType = "series.period_published"
	NotifyDeadlineMoved         NotificationType = "survey.deadline_moved" // not public: reschedules reminders
)

// EventTypes are the public notification types, those a webhook may subscribe to.
func EventTypes() []NotificationType {
	return []NotificationType{NotifySurveyOpened, NotifySurveyClosed, NotifySurveyPublished, NotifyResponseSubmitted,
		NotifyResponseWithdrawn, NotifySeriesPeriodOpened, NotifySeriesPeriodPublished}
}

// Public reports whether t is an event that webhooks may subscribe to.
func (t NotificationType) Public() bool {
	for _, e := range EventTypes() {
		if t == e {
			return true
		}
	}
	return false
}

// Notification is one thing that happened, recorded in the transaction of the
// change itself, with what those told about it need to know as it was then.
// It never carries answers.
type Notification struct {
	ID       string
	Type     NotificationType
	At       time.Time
	By       string // the user who made the change; "" for the scheduler
	Survey   NotifiedSurvey
	Member   string            // the member whose response it is, for response events
	Response *NotifiedResponse // for response events
}

// NotifiedSurvey is what a notification says of its survey.
type NotifiedSurvey struct {
	ID       string
	Title    string
	Edition  string
	Series   string
	Period   string
	Status   Status
	Deadline *time.Time
	Audience string // the peer group; "" for all active members
}

// NotifiedResponse is what a notification says of a response: its state, never
// its answers.
type NotifiedResponse struct {
	Status      ResponseStatus
	Version     int
	SubmittedAt *time.Time
}

// Notified returns what a notification says of s.
func (s Survey) Notified() NotifiedSurvey {
	return NotifiedSurvey{ID: s.ID, Title: s.Title, Edition: s.Edition, Series: s.Series, Period: s.Period,
		Status: s.Status, Deadline: s.Deadline, Audience: s.Audience}
}

// MailKind is a kind of mail that a user may switch off (except receipts).
type MailKind string

// The kinds of mail.
const (
	MailInvitation MailKind = "invitation" // a survey opened
	MailReminder   MailKind = "reminder"   // a survey's deadline is near and the member has not submitted
	MailReceipt    MailKind = "receipt"    // the member's response was submitted or withdrawn
	MailResults    MailKind = "results"    // results were published
	MailStatistics MailKind = "statistics" // a monthly period opened, or is about to close
	MailNotice     MailKind = "notice"     // a notice to the secretariat, such as a disabled webhook
	MailSignIn     MailKind = "signin"     // a one-time sign-in link to the web app; never switched off, not a preference
)

// MailKinds are the kinds of mail, in the order they are shown.
func MailKinds() []MailKind {
	return []MailKind{MailInvitation, MailReminder, MailReceipt, MailResults, MailStatistics, MailNotice}
}

// Optional reports whether a user may switch mails of kind k off. Receipts may not
// be: they are the member's record of what it sent.
func (k MailKind) Optional() bool { return k != MailReceipt && k != MailSignIn }

// Valid reports whether k is one of the kinds.
func (k MailKind) Valid() bool {
	for _, m := range MailKinds() {
		if k == m {
			return true
		}
	}
	return false
}

// MailPreferences says which kinds of mail a user gets; a kind not named is on.
type MailPreferences map[MailKind]bool

// Wants reports whether the user gets mails of kind k.
func (p MailPreferences) Wants(k MailKind) bool {
	on, set := p[k]
	return !k.Optional() || !set || on
}

// CheckMailPreferences returns an Invalid error naming each kind that does not
// exist or may not be switched off.
func CheckMailPreferences(p MailPreferences) error {
	var probs Problems
	for k, on := range p {
		switch {
		case !k.Valid():
			probs.Add(string(k), "is not a kind of mail")
		case !k.Optional() && !on:
			probs.Add(string(k), "receipts cannot be switched off")
		}
	}
	return probs.Err("the mail preferences are not valid")
}

// Mail is one mail to one person, as a job carries it: the template to fill and
// what to fill it with, taken when the mail was queued.
type Mail struct {
	Kind     MailKind
	Template string // the name of the mail's template
	UserID   string
	To       string
	Name     string
	Data     MailData
}

// MailData is what a mail's template may use.
type MailData struct {
	Survey     NotifiedSurvey
	Member     string
	MemberName string
	Deadline   *time.Time // the member's own deadline, with any extension
	Link       string     // where to act: the survey's response or results in the API
	// Of the member's response, for receipts and reminders.
	Status           ResponseStatus
	RequiredAnswered int
	RequiredTotal    int
	// For notices: what it is about, and what to say.
	Heading string
	Text    string
}

// CanSetMailOf reports whether u may read and change which mails other gets:
// the user itself and the secretariat.
func (u User) CanSetMailOf(other User) bool { return u.IsSecretariat() || u.ID == other.ID }
