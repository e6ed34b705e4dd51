package store

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/tldcouncil/surveyd/internal/survey"
)

type peerGroupRow struct {
	Key         string `gorm:"primaryKey"`
	Name        string
	Description string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (peerGroupRow) TableName() string { return "peer_groups" }

type peerGroupMemberRow struct {
	GroupKey   string `gorm:"primaryKey"`
	MemberCode string `gorm:"primaryKey"`
}

func (peerGroupMemberRow) TableName() string { return "peer_group_members" }

// CreatePeerGroup stores a new peer group. Every member must exist.
func (s *Store) CreatePeerGroup(ctx context.Context, g survey.PeerGroup) (survey.PeerGroup, error) {
	return s.savePeerGroup(ctx, g, true)
}

// ReplacePeerGroup replaces the name, description and members of an existing
// peer group. Every member must exist.
func (s *Store) ReplacePeerGroup(ctx context.Context, g survey.PeerGroup) (survey.PeerGroup, error) {
	return s.savePeerGroup(ctx, g, false)
}

func (s *Store) savePeerGroup(ctx context.Context, g survey.PeerGroup, create bool) (survey.PeerGroup, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.checkMembersExist(tx, g.Members); err != nil {
			return err
		}
		now := s.Now()
		var existing peerGroupRow
		err := tx.Where("key = ?", g.Key).Take(&existing).Error
		switch {
		case isNotFound(err) && create:
			g.CreatedAt = now
		case isNotFound(err):
			return survey.Refusef(survey.NotFound, survey.NoSuchPeerGroup, "no peer group has the key %q", g.Key)
		case err != nil:
			return err
		case create:
			return &survey.Error{Code: survey.Conflict, Reason: survey.Taken, Message: "a peer group with this key exists already",
				Fields: []survey.FieldError{{Field: "key", Reason: "peer group " + g.Key + " exists already"}}}
		default:
			g.CreatedAt = existing.CreatedAt
		}
		var before any
		if !create {
			old := survey.PeerGroup{Key: existing.Key, Name: existing.Name, Description: existing.Description,
				CreatedAt: existing.CreatedAt, UpdatedAt: existing.UpdatedAt}
			if err := tx.Model(&peerGroupMemberRow{}).Where("group_key = ?", g.Key).Order("member_code").
				Pluck("member_code", &old.Members).Error; err != nil {
				return err
			}
			before = old
		}
		kind := "peer_group.replaced"
		if create {
			kind = "peer_group.created"
		}
		after := g
		after.Members = sortedCopy(g.Members)
		if err := s.audit(tx, kind, "peer_group", g.Key, "", before, after); err != nil {
			return err
		}
		g.UpdatedAt = now
		row := peerGroupRow{Key: g.Key, Name: g.Name, Description: g.Description, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
		write := tx.Save // Save would insert a missing row too: a create must insert, so that a racing create gets a duplicate key
		if create {
			write = tx.Create
		}
		if err := write(&row).Error; err != nil {
			return err
		}
		if err := tx.Where("group_key = ?", g.Key).Delete(&peerGroupMemberRow{}).Error; err != nil {
			return err
		}
		if len(g.Members) == 0 {
			return nil
		}
		links := make([]peerGroupMemberRow, len(g.Members))
		for i, code := range g.Members {
			links[i] = peerGroupMemberRow{GroupKey: g.Key, MemberCode: code}
		}
		return tx.Create(&links).Error
	})
	if isDuplicate(err) { // a concurrent create of the same key
		return survey.PeerGroup{}, survey.Refusef(survey.Conflict, survey.Taken, "a peer group with the key %q exists already", g.Key)
	}
	if err != nil {
		return survey.PeerGroup{}, wrap(err, "save peer group")
	}
	g.Members = append([]string(nil), g.Members...)
	sort.Strings(g.Members)
	return g, nil
}

// checkMembersExist returns an Invalid error naming every code that is repeated or
// names no member.
func (s *Store) checkMembersExist(tx *gorm.DB, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	var found []string
	if err := tx.Model(&memberRow{}).Where("code IN ?", codes).Pluck("code", &found).Error; err != nil {
		return err
	}
	known := make(map[string]bool, len(found))
	for _, c := range found {
		known[c] = true
	}
	return survey.CheckMembers(codes, known)
}

// PeerGroup returns the peer group with the given key.
func (s *Store) PeerGroup(ctx context.Context, key string) (survey.PeerGroup, error) {
	var row peerGroupRow
	err := s.db.WithContext(ctx).Where("key = ?", key).Take(&row).Error
	if isNotFound(err) {
		return survey.PeerGroup{}, survey.Refusef(survey.NotFound, survey.NoSuchPeerGroup, "no peer group has the key %q", key)
	}
	if err != nil {
		return survey.PeerGroup{}, wrap(err, "read peer group")
	}
	groups, err := s.withMembers(ctx, []peerGroupRow{row})
	if err != nil {
		return survey.PeerGroup{}, err
	}
	return groups[0], nil
}

// PeerGroups returns a page of peer groups ordered by key.
func (s *Store) PeerGroups(ctx context.Context, p Page) ([]survey.PeerGroup, string, error) {
	var rows []peerGroupRow
	q := s.db.WithContext(ctx).Order("key").Limit(p.limit())
	if p.After != "" {
		q = q.Where("key > ?", p.After)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", wrap(err, "list peer groups")
	}
	rows, next := cut(rows, p, func(r peerGroupRow) string { return r.Key })
	groups, err := s.withMembers(ctx, rows)
	return groups, next, err
}

// withMembers loads the members of all the groups in one query.
func (s *Store) withMembers(ctx context.Context, rows []peerGroupRow) ([]survey.PeerGroup, error) {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	var links []peerGroupMemberRow
	if len(keys) > 0 {
		err := s.db.WithContext(ctx).Where("group_key IN ?", keys).Order("member_code").Find(&links).Error
		if err != nil {
			return nil, wrap(err, "read peer group members")
		}
	}
	members := make(map[string][]string, len(rows))
	for _, l := range links {
		members[l.GroupKey] = append(members[l.GroupKey], l.MemberCode)
	}
	out := make([]survey.PeerGroup, len(rows))
	for i, r := range rows {
		out[i] = survey.PeerGroup{Key: r.Key, Name: r.Name, Description: r.Description,
			Members: members[r.Key], CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		if out[i].Members == nil {
			out[i].Members = []string{}
		}
	}
	return out, nil
}

// DeletePeerGroup removes the peer group with the given key.
func (s *Store) DeletePeerGroup(ctx context.Context, key string) error {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("key = ?", key).Delete(&peerGroupRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return survey.Refusef(survey.NotFound, survey.NoSuchPeerGroup, "no peer group has the key %q", key)
		}
		return s.audit(tx, "peer_group.deleted", "peer_group", key, "", map[string]string{"key": key}, nil)
	})
	if isForeignKey(err) {
		return survey.Refusef(survey.Conflict, survey.PeerGroupInUse, "peer group %q is the audience of a survey or series; it cannot be deleted", key)
	}
	return wrap(err, "delete peer group")
}

// PublishedPeerGroup returns the members the peer group had when the survey was
// published; false when it had none then, or did not exist.
func (s *Store) PublishedPeerGroup(ctx context.Context, surveyID, key string) ([]string, bool, error) {
	var members []string
	err := s.db.WithContext(ctx).Table("published_peer_groups").Where("survey_id = ? AND group_key = ?", surveyID, key).
		Order("member_code").Pluck("member_code", &members).Error
	if err != nil {
		return nil, false, wrap(err, "read published peer group")
	}
	return members, len(members) > 0, nil
}
