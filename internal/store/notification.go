package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// JobNotify is the kind of the job that tells people and systems of one
// notification: it queues its mails, webhook deliveries and reminders.
const JobNotify = "event"

// JobReminder is the kind of a reminder job (see ScheduleReminders).
const JobReminder = "reminder"

type notificationRow struct {
	ID         string `gorm:"primaryKey"`
	Type       string
	At         time.Time
	SurveyID   string
	MemberCode string
	Body       string
}

func (notificationRow) TableName() string { return "notifications" }

// notifyPayload is the payload of a JobNotify job.
type notifyPayload struct {
	Notification string `json:"notification"`
}

// emit records the notification and the job that tells of it, inside the
// transaction of the change it is about: both exist if and only if the change
// does. A notification without a type is nothing to tell.
func (s *Store) emit(tx *gorm.DB, n survey.Notification) error {
	if n.Type == "" {
		return nil
	}
	n.ID, n.At = s.newID("msg"), s.Now()
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	row := notificationRow{ID: n.ID, Type: string(n.Type), At: n.At, SurveyID: n.Survey.ID, MemberCode: n.Member, Body: string(body)}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	payload, err := json.Marshal(notifyPayload{Notification: n.ID})
	if err != nil {
		return err
	}
	return s.enqueue(tx, survey.Job{Kind: JobNotify, Key: "event:" + n.ID, Subject: n.Survey.ID, Payload: payload})
}

// lifecycleNotification is what a survey's move to its status tells; none for a
// status nobody is told about.
func lifecycleNotification(sv survey.Survey, by string) survey.Notification {
	n := survey.Notification{By: by, Survey: sv.Notified()}
	switch {
	case sv.Status == survey.StatusOpen && sv.Period != "":
		n.Type = survey.NotifySeriesPeriodOpened
	case sv.Status == survey.StatusOpen:
		n.Type = survey.NotifySurveyOpened
	case sv.Status == survey.StatusClosed:
		n.Type = survey.NotifySurveyClosed
	case sv.Status == survey.StatusPublished && sv.Period != "":
		n.Type = survey.NotifySeriesPeriodPublished
	case sv.Status == survey.StatusPublished:
		n.Type = survey.NotifySurveyPublished
	}
	return n
}

// deadlineNotification tells that an open survey's deadline moved, so that its
// reminders move with it; nothing otherwise.
func deadlineNotification(before, after survey.Survey) survey.Notification {
	same := (before.Deadline == nil) == (after.Deadline == nil) && (before.Deadline == nil || before.Deadline.Equal(*after.Deadline))
	if after.Status != survey.StatusOpen || same {
		return survey.Notification{}
	}
	return survey.Notification{Type: survey.NotifyDeadlineMoved, Survey: after.Notified()}
}

// responseNotification is what a change of a response's status tells.
func responseNotification(t survey.NotificationType, sv survey.Survey, row responseRow) survey.Notification {
	return survey.Notification{Type: t, By: row.UpdatedBy, Survey: sv.Notified(), Member: row.MemberCode,
		Response: &survey.NotifiedResponse{Status: survey.ResponseStatus(row.Status), Version: row.Version, SubmittedAt: row.SubmittedAt}}
}

// Notification returns one notification.
func (s *Store) Notification(ctx context.Context, id string) (survey.Notification, error) {
	var row notificationRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if isNotFound(err) {
		return survey.Notification{}, survey.Errorf(survey.NotFound, "no notification has the id %q", id)
	}
	if err != nil {
		return survey.Notification{}, wrap(err, "read notification")
	}
	var n survey.Notification
	if err := json.Unmarshal([]byte(row.Body), &n); err != nil {
		return survey.Notification{}, fmt.Errorf("read notification %s: %w", id, err)
	}
	return n, nil
}

// Recipients returns, by member, the people who are told of the survey (only
// member's when it is not ""): for a survey of a work group, the member's
// active people in the group; for any other survey, or a member with nobody in
// the group, the member's active users with the respondent role. Members with
// nobody to tell are left out, and it reads the users once, however many
// members the audience has: told per member, a publication to 100,000 members
// outlasted its job's minute.
func (s *Store) Recipients(ctx context.Context, sv survey.Survey, member string) (map[string][]survey.User, error) {
	db := s.db.WithContext(ctx)
	q := db.Where("member_code <> '' AND active = ?", true).Order("member_code, id")
	if member != "" {
		q = q.Where("member_code = ?", member)
	}
	var rows []userRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, "read recipients")
	}
	inGroup := map[string]bool{}
	if sv.WorkGroup != "" {
		var ids []string
		if err := db.Model(&workGroupPersonRow{}).Where("group_key = ?", sv.WorkGroup).Pluck("user_id", &ids).Error; err != nil {
			return nil, wrap(err, "read recipients")
		}
		for _, id := range ids {
			inGroup[id] = true
		}
	}
	grouped, respondents := map[string][]survey.User{}, map[string][]survey.User{}
	for _, r := range rows {
		switch u := userFromRow(r); {
		case inGroup[u.ID]:
			grouped[u.Member] = append(grouped[u.Member], u)
		case u.Role == survey.RoleRespondent:
			respondents[u.Member] = append(respondents[u.Member], u)
		}
	}
	for m, people := range respondents {
		if _, ok := grouped[m]; !ok {
			grouped[m] = people
		}
	}
	return grouped, nil
}

// Secretariat returns the active users of the secretariat, who get its notices.
func (s *Store) Secretariat(ctx context.Context) ([]survey.User, error) {
	var rows []userRow
	err := s.db.WithContext(ctx).Where("role = ? AND active = ?", survey.RoleSecretariat, true).Order("id").Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "read the secretariat")
	}
	out := make([]survey.User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, nil
}

type mailPreferenceRow struct {
	UserID  string `gorm:"primaryKey"`
	Kind    string `gorm:"primaryKey"`
	Enabled bool
}

func (mailPreferenceRow) TableName() string { return "mail_preferences" }

// MailPreferences returns which kinds of mail the user gets.
func (s *Store) MailPreferences(ctx context.Context, userID string) (survey.MailPreferences, error) {
	var rows []mailPreferenceRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Find(&rows).Error; err != nil {
		return nil, wrap(err, "read mail preferences")
	}
	out := survey.MailPreferences{}
	for _, r := range rows {
		out[survey.MailKind(r.Kind)] = r.Enabled
	}
	return out, nil
}

// SetMailPreferences records the kinds of mail named in p for the user; kinds not
// named keep their setting.
func (s *Store) SetMailPreferences(ctx context.Context, userID string, p survey.MailPreferences) (survey.MailPreferences, error) {
	if err := survey.CheckMailPreferences(p); err != nil {
		return nil, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&userRow{}).Where("id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return survey.Errorf(survey.NotFound, "no user has the id %q", userID)
		}
		for k, on := range p {
			row := mailPreferenceRow{UserID: userID, Kind: string(k), Enabled: on}
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "set mail preferences")
	}
	return s.MailPreferences(ctx, userID)
}

// reminderPayload is the payload of a JobReminder job: remind the members whose
// deadline is Deadline, Before it.
type reminderPayload struct {
	Survey   string    `json:"survey"`
	Deadline time.Time `json:"deadline"`
	Before   string    `json:"before,omitempty"` // a Go duration
	// Members, when set, are the members to remind now (RemindNow), whatever
	// their deadline; Deadline and Before are then unset.
	Members []string `json:"members,omitempty"`
}

// Reminder is a reminder job's work, read from its payload.
type Reminder struct {
	Survey   string
	Deadline time.Time
	Before   time.Duration
	Members  []string // set for a reminder sent on request: these members, now
}

// ReadReminder reads the work of a reminder job.
func ReadReminder(j survey.Job) (Reminder, error) {
	var p reminderPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return Reminder{}, err
	}
	if len(p.Members) > 0 {
		return Reminder{Survey: p.Survey, Members: p.Members}, nil
	}
	d, err := time.ParseDuration(p.Before)
	return Reminder{Survey: p.Survey, Deadline: p.Deadline, Before: d}, err
}

// ScheduleReminders makes the survey's pending reminders what its deadlines now
// call for: for every deadline a member has (the survey's, or an extension) and
// every lead time in before, one reminder at deadline−lead, if that is still to
// come. Reminders no longer called for (a deadline moved, the survey closed) are
// cancelled; those already sent stay sent. It is safe to repeat.
func (s *Store) ScheduleReminders(ctx context.Context, surveyID string, before []time.Duration) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sv, err := s.loadSurvey(tx, surveyID, noLock)
		if err != nil {
			return err
		}
		now := s.Now()
		var want []survey.Job
		if sv.Status == survey.StatusOpen && sv.Deadline != nil {
			deadlines := []time.Time{*sv.Deadline}
			var exts []extensionRow
			if err := tx.Where("survey_id = ?", surveyID).Find(&exts).Error; err != nil {
				return err
			}
			for _, e := range exts {
				if e.Deadline.After(*sv.Deadline) && !slices.ContainsFunc(deadlines, e.Deadline.Equal) {
					deadlines = append(deadlines, e.Deadline)
				}
			}
			for _, d := range deadlines {
				for _, lead := range before {
					at := d.Add(-lead)
					if !at.After(now) {
						continue
					}
					payload, err := json.Marshal(reminderPayload{Survey: surveyID, Deadline: d.UTC(), Before: lead.String()})
					if err != nil {
						return err
					}
					want = append(want, survey.Job{Kind: JobReminder, Subject: surveyID, RunAt: at, Payload: payload,
						Key: "reminder:" + surveyID + ":" + strconv.FormatInt(d.Unix(), 10) + ":" + lead.String()})
				}
			}
		}
		keys := make([]string, len(want))
		for i, j := range want {
			keys[i] = j.Key
		}
		q := tx.Model(&jobRow{}).Where("subject = ? AND kind = ? AND state = ? AND key LIKE ?", surveyID, JobReminder, survey.JobPending, "reminder:%")
		if len(keys) > 0 {
			q = q.Where("key NOT IN ?", keys)
		}
		if err := q.Updates(map[string]any{"state": string(survey.JobCancelled), "updated_at": now}).Error; err != nil {
			return err
		}
		return s.enqueue(tx, want...)
	})
	return wrap(err, "schedule reminders")
}

type outboxRow struct {
	ID        string `gorm:"primaryKey"`
	MessageID string
	Kind      string
	Recipient string
	Subject   string
	TextBody  string
	HTMLBody  string    `gorm:"column:html_body"`
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (outboxRow) TableName() string { return "outbox" }

// OutboxMail is a mail kept in the outbox, where mails go when no SMTP server is
// configured.
type OutboxMail struct {
	ID        string
	MessageID string
	Kind      survey.MailKind
	To        string
	Subject   string
	Text      string
	HTML      string
	CreatedAt time.Time
}

// AddToOutbox keeps a mail in the outbox, once per message id.
func (s *Store) AddToOutbox(ctx context.Context, m OutboxMail) error {
	row := outboxRow{ID: s.newID("mail"), MessageID: m.MessageID, Kind: string(m.Kind), Recipient: m.To,
		Subject: m.Subject, TextBody: m.Text, HTMLBody: m.HTML, CreatedAt: s.Now()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	return wrap(err, "add to outbox")
}

// Outbox returns a page of the outbox, newest first.
func (s *Store) Outbox(ctx context.Context, p Page) ([]OutboxMail, string, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(p.limit())
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	var rows []outboxRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "read outbox")
	}
	rows, next := cut(rows, p, func(r outboxRow) string { return r.ID })
	out := make([]OutboxMail, len(rows))
	for i, r := range rows {
		out[i] = OutboxMail{ID: r.ID, MessageID: r.MessageID, Kind: survey.MailKind(r.Kind), To: r.Recipient,
			Subject: r.Subject, Text: r.TextBody, HTML: r.HTMLBody, CreatedAt: r.CreatedAt}
	}
	return out, next, nil
}

// RemindNow queues a reminder, to be sent at once, to the people of the named
// members of the open survey, or when none are named of every member that has
// not submitted and whose deadline has not passed. It is the same reminder job
// as the scheduled ones (the worker turns it into one mail job per person, as
// it does theirs), carrying the members, and it is written to the audit trail.
// It returns the job (none when nobody is left to remind) and the members.
// A named member outside the audience, already submitted or past its deadline
// is refused, by its place in members.
func (s *Store) RemindNow(ctx context.Context, surveyID string, members []string) (survey.Job, []string, error) {
	notOpen := func(sv survey.Survey) error {
		return survey.Refusef(survey.Conflict, survey.NotOpen, "the survey is %s; reminders are sent only while it is open", sv.Status)
	}
	sv, err := s.Survey(ctx, surveyID)
	if err != nil {
		return survey.Job{}, nil, err
	}
	if sv.Status != survey.StatusOpen {
		return survey.Job{}, nil, notOpen(sv)
	}
	progress, err := s.progress(ctx, sv, nil)
	if err != nil {
		return survey.Job{}, nil, err
	}
	now := s.Now()
	byCode := map[string]survey.MemberProgress{}
	for _, p := range progress {
		byCode[p.Member] = p
	}
	due := func(p survey.MemberProgress) bool { return p.Deadline == nil || now.Before(*p.Deadline) }
	var chosen []string
	var bad []survey.FieldError
	for i, code := range members {
		field := "members[" + strconv.Itoa(i) + "]"
		p, ok := byCode[code]
		switch {
		case !ok:
			bad = append(bad, survey.FieldError{Field: field, Reason: fmt.Sprintf("%q is not a member of the survey's audience", code)})
		case p.Status == survey.ResponseSubmitted:
			bad = append(bad, survey.FieldError{Field: field, Reason: fmt.Sprintf("%s has already submitted", code)})
		case !due(p):
			bad = append(bad, survey.FieldError{Field: field, Reason: fmt.Sprintf("the deadline of %s has passed", code)})
		case !slices.Contains(chosen, code):
			chosen = append(chosen, code)
		}
	}
	if len(bad) > 0 {
		return survey.Job{}, nil, &survey.Error{Code: survey.Invalid, Message: "some members cannot be reminded: " + bad[0].Reason, Fields: bad}
	}
	if len(members) == 0 {
		for _, p := range progress {
			if p.Status != survey.ResponseSubmitted && due(p) {
				chosen = append(chosen, p.Member)
			}
		}
	}
	if len(chosen) == 0 {
		return survey.Job{}, []string{}, nil
	}
	payload, err := json.Marshal(reminderPayload{Survey: surveyID, Members: chosen})
	if err != nil {
		return survey.Job{}, nil, err
	}
	// Its own key, not "reminder:…": ScheduleReminders, which cancels the
	// scheduled reminders no longer called for, leaves this one alone.
	job := survey.Job{Kind: JobReminder, Key: "reminder-now:" + s.newID("rem"), Subject: surveyID, RunAt: now, Payload: payload}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		// Closed meanwhile: nobody is reminded of a survey that takes no answers.
		sv, err := s.loadSurvey(tx, surveyID, shareLock)
		if err != nil {
			return err
		}
		if sv.Status != survey.StatusOpen {
			return notOpen(sv)
		}
		if err := s.enqueue(tx, job); err != nil {
			return err
		}
		return s.audit(tx, "survey.reminded", "survey", surveyID, "", nil, map[string]any{"members": chosen})
	})
	if err != nil {
		return survey.Job{}, nil, wrap(err, "remind now")
	}
	return job, chosen, nil
}
