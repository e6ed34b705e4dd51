package store

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type workGroupRow struct {
	Key         string `gorm:"primaryKey"`
	Name        string
	Description string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (workGroupRow) TableName() string { return "work_groups" }

type workGroupChairRow struct {
	GroupKey string `gorm:"primaryKey"`
	UserID   string `gorm:"primaryKey"`
}

func (workGroupChairRow) TableName() string { return "work_group_chairs" }

type workGroupPersonRow struct {
	GroupKey string `gorm:"primaryKey"`
	UserID   string `gorm:"primaryKey"`
}

func (workGroupPersonRow) TableName() string { return "work_group_people" }

func noSuchWorkGroup(key string) error {
	return survey.Refusef(survey.NotFound, survey.NoSuchWorkGroup, "no work group has the key %q", key)
}

// CreateWorkGroup stores a new work group; its chairs must be active users of
// member registries.
func (s *Store) CreateWorkGroup(ctx context.Context, g survey.WorkGroup) (survey.WorkGroup, error) {
	now := s.Now()
	g.CreatedAt, g.UpdatedAt = now, now
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&workGroupRow{}).Where("key = ?", g.Key).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &survey.Error{Code: survey.Conflict, Reason: survey.Taken, Message: "a work group with this key exists already",
				Fields: []survey.FieldError{{Field: "key", Reason: "work group " + g.Key + " exists already"}}}
		}
		row := workGroupRow{Key: g.Key, Name: g.Name, Description: g.Description, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := s.saveChairs(tx, g.Key, g.Chairs); err != nil {
			return err
		}
		return s.audit(tx, "work_group.created", "work_group", g.Key, "", nil, g)
	})
	if isDuplicate(err) {
		return survey.WorkGroup{}, survey.Refusef(survey.Conflict, survey.Taken, "a work group with the key %q exists already", g.Key)
	}
	if err != nil {
		return survey.WorkGroup{}, wrap(err, "create work group")
	}
	g.Chairs = sortedCopy(g.Chairs)
	return g, nil
}

// UpdateWorkGroup applies up to the work group with the key.
func (s *Store) UpdateWorkGroup(ctx context.Context, key string, up survey.WorkGroupUpdate) (survey.WorkGroup, error) {
	var out survey.WorkGroup
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.workGroup(tx, key)
		if err != nil {
			return err
		}
		out = up.Apply(cur)
		out.UpdatedAt = s.Now()
		err = tx.Model(&workGroupRow{}).Where("key = ?", key).
			Updates(map[string]any{"name": out.Name, "description": out.Description, "updated_at": out.UpdatedAt}).Error
		if err != nil {
			return err
		}
		if up.Chairs != nil {
			if err := s.saveChairs(tx, key, out.Chairs); err != nil {
				return err
			}
		}
		out.Chairs = sortedCopy(out.Chairs)
		return s.audit(tx, "work_group.updated", "work_group", key, "", cur, out)
	})
	if err != nil {
		return survey.WorkGroup{}, wrap(err, "update work group")
	}
	return out, nil
}

// saveChairs replaces the chairs of the group after checking each.
func (s *Store) saveChairs(tx *gorm.DB, key string, chairs []string) error {
	users := map[string]survey.User{}
	if len(chairs) > 0 {
		var rows []userRow
		if err := tx.Where("id IN ?", chairs).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			users[r.ID] = userFromRow(r)
		}
	}
	if err := survey.CheckChairs(chairs, users); err != nil {
		return err
	}
	if err := tx.Where("group_key = ?", key).Delete(&workGroupChairRow{}).Error; err != nil {
		return err
	}
	if len(chairs) == 0 {
		return nil
	}
	rows := make([]workGroupChairRow, len(chairs))
	for i, id := range chairs {
		rows[i] = workGroupChairRow{GroupKey: key, UserID: id}
	}
	return tx.Create(&rows).Error
}

// WorkGroup returns the work group with the key, with its chairs.
func (s *Store) WorkGroup(ctx context.Context, key string) (survey.WorkGroup, error) {
	g, err := s.workGroup(s.db.WithContext(ctx), key)
	return g, wrap(err, "read work group")
}

func (s *Store) workGroup(tx *gorm.DB, key string) (survey.WorkGroup, error) {
	var row workGroupRow
	err := tx.Where("key = ?", key).Take(&row).Error
	if isNotFound(err) {
		return survey.WorkGroup{}, noSuchWorkGroup(key)
	}
	if err != nil {
		return survey.WorkGroup{}, err
	}
	groups, err := s.withChairs(tx, []workGroupRow{row})
	if err != nil {
		return survey.WorkGroup{}, err
	}
	return groups[0], nil
}

// WorkGroups returns a page of work groups ordered by key.
func (s *Store) WorkGroups(ctx context.Context, p Page) ([]survey.WorkGroup, string, error) {
	db := s.db.WithContext(ctx)
	var rows []workGroupRow
	q := db.Order("key").Limit(p.limit())
	if p.After != "" {
		q = q.Where("key > ?", p.After)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list work groups")
	}
	rows, next := cut(rows, p, func(r workGroupRow) string { return r.Key })
	groups, err := s.withChairs(db, rows)
	return groups, next, wrap(err, "read work group chairs")
}

func (s *Store) withChairs(db *gorm.DB, rows []workGroupRow) ([]survey.WorkGroup, error) {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	var links []workGroupChairRow
	if len(keys) > 0 {
		if err := db.Where("group_key IN ?", keys).Order("user_id").Find(&links).Error; err != nil {
			return nil, err
		}
	}
	chairs := map[string][]string{}
	for _, l := range links {
		chairs[l.GroupKey] = append(chairs[l.GroupKey], l.UserID)
	}
	out := make([]survey.WorkGroup, len(rows))
	for i, r := range rows {
		out[i] = survey.WorkGroup{Key: r.Key, Name: r.Name, Description: r.Description, Chairs: chairs[r.Key],
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		if out[i].Chairs == nil {
			out[i].Chairs = []string{}
		}
	}
	return out, nil
}

// Chaired returns the keys of the work groups the user chairs, sorted.
func (s *Store) Chaired(ctx context.Context, userID string) ([]string, error) {
	var keys []string
	err := s.db.WithContext(ctx).Model(&workGroupChairRow{}).Where("user_id = ?", userID).Order("group_key").Pluck("group_key", &keys).Error
	return keys, wrap(err, "read chaired work groups")
}

// AddPerson makes the user one of the group's people; adding twice is one.
func (s *Store) AddPerson(ctx context.Context, key, userID string) (survey.User, error) {
	var u survey.User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.workGroup(tx, key); err != nil {
			return err
		}
		var row userRow
		err := tx.Where("id = ?", userID).Take(&row).Error
		if isNotFound(err) {
			return survey.Refusef(survey.NotFound, survey.NoSuchUser, "no user has the id %q", userID)
		}
		if err != nil {
			return err
		}
		u = userFromRow(row)
		if err := survey.CheckPerson(u); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&workGroupPersonRow{}).Where("group_key = ? AND user_id = ?", key, userID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := tx.Create(&workGroupPersonRow{GroupKey: key, UserID: userID}).Error; err != nil {
			return err
		}
		return s.audit(tx, "work_group.person_added", "work_group", key, u.Member, nil, map[string]string{"user": userID})
	})
	return u, wrap(err, "add a work group's person")
}

// RemovePerson takes the user out of the group's people.
func (s *Store) RemovePerson(ctx context.Context, key, userID string) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.workGroup(tx, key); err != nil {
			return err
		}
		var row userRow
		if err := tx.Where("id = ?", userID).Take(&row).Error; err != nil && !isNotFound(err) {
			return err
		}
		res := tx.Where("group_key = ? AND user_id = ?", key, userID).Delete(&workGroupPersonRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return survey.Refusef(survey.NotFound, survey.NoSuchUser, "user %q is not one of work group %s's people", userID, key)
		}
		return s.audit(tx, "work_group.person_removed", "work_group", key, row.MemberCode.String, map[string]string{"user": userID}, nil)
	})
	return wrap(err, "remove a work group's person")
}

// PeopleFilter narrows a work group's people; empty fields do not filter.
type PeopleFilter struct {
	Member string
}

// People returns a page of the group's people, ordered by user id.
func (s *Store) People(ctx context.Context, key string, f PeopleFilter, p Page) ([]survey.User, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.workGroup(db, key); err != nil {
		return nil, "", wrap(err, "read work group")
	}
	q := db.Where("id IN (?)", db.Model(&workGroupPersonRow{}).Select("user_id").Where("group_key = ?", key)).
		Order("id").Limit(p.limit())
	if f.Member != "" {
		q = q.Where("member_code = ?", f.Member)
	}
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []userRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list a work group's people")
	}
	rows, next := cut(rows, p, func(r userRow) string { return r.ID })
	out := make([]survey.User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, next, nil
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// Told returns, by member, the mails queued to the people of the survey's
// audience (invitations, reminders, receipts, results), oldest first, from the
// mail jobs (internal/jobs's kind "mail", whose subject is the survey).
func (s *Store) Told(ctx context.Context, surveyID string) (map[string][]survey.Told, error) {
	var rows []jobRow
	err := s.db.WithContext(ctx).Where("kind = ? AND subject = ?", "mail", surveyID).Order("id").Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "read the mails of a survey")
	}
	out := map[string][]survey.Told{}
	for _, r := range rows {
		var m survey.Mail
		if err := json.Unmarshal([]byte(r.Payload), &m); err != nil || m.Data.Member == "" {
			continue // not a mail to a member's person
		}
		out[m.Data.Member] = append(out[m.Data.Member], survey.Told{UserID: m.UserID, Email: m.To, Kind: m.Kind,
			Template: m.Template, State: survey.JobState(r.State), At: r.CreatedAt})
	}
	return out, nil
}
