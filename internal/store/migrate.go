package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// migration is one step of the schema. Steps are applied in order, each once, and
// never edited after release: a change to the schema is a new step, so that every
// installation can be upgraded from any earlier version without losing data.
type migration struct {
	version    int
	name       string
	statements []string // SQL both databases accept
}

// migrations is the schema's history. Columns use types that PostgreSQL and SQLite
// read alike; times are stored in UTC (see docs/decisions/0001-migrations.md).
var migrations = []migration{
	{1, "identity", []string{
		`CREATE TABLE members (
			code TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			country TEXT NOT NULL,
			membership TEXT NOT NULL,
			active BOOLEAN NOT NULL,
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`CREATE TABLE peer_groups (
			key TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			description TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`CREATE TABLE peer_group_members (
			group_key TEXT NOT NULL REFERENCES peer_groups (key) ON DELETE CASCADE,
			member_code TEXT NOT NULL REFERENCES members (code),
			PRIMARY KEY (group_key, member_code)
		)`,
		`CREATE INDEX peer_group_members_member ON peer_group_members (member_code)`,
		`CREATE TABLE users (
			id TEXT PRIMARY KEY,
			email TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL,
			role TEXT NOT NULL,
			member_code TEXT REFERENCES members (code),
			active BOOLEAN NOT NULL,
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`CREATE INDEX users_member ON users (member_code)`,
		`CREATE TABLE api_tokens (
			id TEXT PRIMARY KEY,
			user_id TEXT NOT NULL REFERENCES users (id),
			name TEXT NOT NULL,
			hash TEXT NOT NULL UNIQUE,
			created_at TIMESTAMP NOT NULL,
			expires_at TIMESTAMP,
			revoked_at TIMESTAMP,
			last_used_at TIMESTAMP
		)`,
		`CREATE INDEX api_tokens_user ON api_tokens (user_id)`,
	}},
	{2, "surveys", []string{
		`CREATE TABLE surveys (
			id TEXT PRIMARY KEY,
			title TEXT NOT NULL,
			description TEXT NOT NULL,
			series_key TEXT,
			edition TEXT NOT NULL,
			audience_group TEXT REFERENCES peer_groups (key),
			deadline TIMESTAMP,
			visibility TEXT NOT NULL,
			min_respondents INTEGER NOT NULL,
			respondents_only BOOLEAN NOT NULL,
			status TEXT NOT NULL,
			sections TEXT NOT NULL,
			created_by TEXT NOT NULL REFERENCES users (id),
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`CREATE INDEX surveys_series ON surveys (series_key, id)`,
		`CREATE INDEX surveys_status ON surveys (status, id)`,
		`CREATE TABLE survey_topics (
			survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
			topic TEXT NOT NULL,
			PRIMARY KEY (survey_id, topic)
		)`,
		`CREATE INDEX survey_topics_topic ON survey_topics (topic, survey_id)`,
		`CREATE TABLE survey_transitions (
			id TEXT PRIMARY KEY,
			survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
			from_status TEXT NOT NULL,
			to_status TEXT NOT NULL,
			user_id TEXT NOT NULL REFERENCES users (id),
			at TIMESTAMP NOT NULL
		)`,
		`CREATE INDEX survey_transitions_survey ON survey_transitions (survey_id, id)`,
	}},
	{3, "responses", []string{
		`CREATE TABLE responses (
			id TEXT PRIMARY KEY,
			survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
			member_code TEXT NOT NULL REFERENCES members (code),
			status TEXT NOT NULL,
			version INTEGER NOT NULL,
			submitted_at TIMESTAMP,
			locked_at TIMESTAMP,
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL,
			updated_by TEXT NOT NULL REFERENCES users (id),
			UNIQUE (survey_id, member_code)
		)`,
		// One row per answered question, the value in the column of its type, so
		// that the database can count, sum and rank answers of one question.
		`CREATE TABLE answers (
			response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
			survey_id TEXT NOT NULL,
			question_key TEXT NOT NULL,
			num_value DOUBLE PRECISION,
			bool_value BOOLEAN,
			text_value TEXT,
			date_value TEXT,
			PRIMARY KEY (response_id, question_key)
		)`,
		`CREATE INDEX answers_question ON answers (survey_id, question_key)`,
		// One row per chosen option of a choice answer.
		`CREATE TABLE answer_options (
			response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
			survey_id TEXT NOT NULL,
			question_key TEXT NOT NULL,
			option_key TEXT NOT NULL,
			PRIMARY KEY (response_id, question_key, option_key)
		)`,
		`CREATE INDEX answer_options_question ON answer_options (survey_id, question_key, option_key)`,
		`CREATE TABLE response_events (
			id TEXT PRIMARY KEY,
			response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
			kind TEXT NOT NULL,
			question_key TEXT,
			old_value TEXT,
			new_value TEXT,
			user_id TEXT REFERENCES users (id),
			on_behalf BOOLEAN NOT NULL,
			at TIMESTAMP NOT NULL
		)`,
		`CREATE INDEX response_events_response ON response_events (response_id, id)`,
		`CREATE TABLE deadline_extensions (
			survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
			member_code TEXT NOT NULL REFERENCES members (code),
			deadline TIMESTAMP NOT NULL,
			granted_by TEXT NOT NULL REFERENCES users (id),
			granted_at TIMESTAMP NOT NULL,
			PRIMARY KEY (survey_id, member_code)
		)`,
	}},
	{4, "series", []string{
		`CREATE TABLE series (
			key TEXT PRIMARY KEY,
			title TEXT NOT NULL,
			description TEXT NOT NULL,
			recurrence TEXT NOT NULL,
			template TEXT NOT NULL,
			open_day INTEGER NOT NULL,
			deadline_days INTEGER NOT NULL,
			created_by TEXT NOT NULL REFERENCES users (id),
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`ALTER TABLE surveys ADD COLUMN period TEXT`,
		// One edition per period of a series, however many processes try to make it.
		`CREATE UNIQUE INDEX surveys_series_period ON surveys (series_key, period)`,
	}},
	{5, "series audience", []string{
		`ALTER TABLE series ADD COLUMN audience_group TEXT REFERENCES peer_groups (key)`,
	}},
	// The peer groups as they were when a survey was published: members' results
	// filter by these, so that changing a group later cannot be subtracted.
	{6, "published peer groups", []string{
		`CREATE TABLE published_peer_groups (
			survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
			group_key TEXT NOT NULL,
			member_code TEXT NOT NULL,
			PRIMARY KEY (survey_id, group_key, member_code)
		)`,
		`INSERT INTO published_peer_groups (survey_id, group_key, member_code)
			SELECT s.id, m.group_key, m.member_code FROM surveys s CROSS JOIN peer_group_members m
			WHERE s.status = 'published'`,
	}},
	// Durable jobs: mails, webhook deliveries, reminders and the scheduler's tick
	// (decision 0019). key is unique where set, so that the same work enqueued
	// twice is one job; subject finds a survey's jobs again.
	{7, "jobs", []string{
		`CREATE TABLE jobs (
			id TEXT PRIMARY KEY,
			kind TEXT NOT NULL,
			key TEXT UNIQUE,
			subject TEXT,
			payload TEXT NOT NULL,
			state TEXT NOT NULL,
			run_at TIMESTAMP NOT NULL,
			attempts INTEGER NOT NULL,
			last_error TEXT NOT NULL,
			locked_by TEXT,
			locked_until TIMESTAMP,
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`CREATE INDEX jobs_due ON jobs (state, run_at)`,
		`CREATE INDEX jobs_subject ON jobs (subject, kind)`,
	}},
	// What happened, for mails and webhooks, written in the transaction of the
	// change; what users want mailed; mails kept when no SMTP server is set
	// (decision 0020).
	{8, "notifications and mail", []string{
		`CREATE TABLE notifications (
			id TEXT PRIMARY KEY,
			type TEXT NOT NULL,
			at TIMESTAMP NOT NULL,
			survey_id TEXT,
			member_code TEXT,
			body TEXT NOT NULL
		)`,
		`CREATE INDEX notifications_survey ON notifications (survey_id)`,
		`CREATE TABLE mail_preferences (
			user_id TEXT NOT NULL REFERENCES users (id),
			kind TEXT NOT NULL,
			enabled BOOLEAN NOT NULL,
			PRIMARY KEY (user_id, kind)
		)`,
		`CREATE TABLE outbox (
			id TEXT PRIMARY KEY,
			message_id TEXT NOT NULL UNIQUE,
			kind TEXT NOT NULL,
			recipient TEXT NOT NULL,
			subject TEXT NOT NULL,
			text_body TEXT NOT NULL,
			html_body TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL
		)`,
	}},
	// Webhooks the secretariat registered, and every attempt to deliver to them
	// (decision 0020).
	{9, "webhooks", []string{
		`CREATE TABLE webhooks (
			id TEXT PRIMARY KEY,
			url TEXT NOT NULL,
			secret TEXT NOT NULL,
			events TEXT NOT NULL,
			active BOOLEAN NOT NULL,
			disabled_reason TEXT NOT NULL,
			created_by TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`CREATE TABLE webhook_deliveries (
			id TEXT PRIMARY KEY,
			webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
			notification_id TEXT NOT NULL,
			type TEXT NOT NULL,
			attempt INTEGER NOT NULL,
			status INTEGER NOT NULL,
			latency_ms INTEGER NOT NULL,
			error TEXT NOT NULL,
			job_id TEXT NOT NULL,
			at TIMESTAMP NOT NULL
		)`,
		`CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)`,
	}},
	// What members may read of each published edition, decided once by the
	// disclosure audit (decision 0010) and kept: one row per question and scope
	// ('' for all respondents, else a published peer group), code '' when shown.
	{10, "disclosure", []string{
		`CREATE TABLE disclosure_audits (
			survey_id TEXT PRIMARY KEY REFERENCES surveys (id) ON DELETE CASCADE,
			audited_at TIMESTAMP NOT NULL
		)`,
		`CREATE TABLE disclosure_cells (
			survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
			group_key TEXT NOT NULL,
			question_key TEXT NOT NULL,
			code TEXT NOT NULL,
			PRIMARY KEY (survey_id, group_key, question_key)
		)`,
	}},
	// The council's work groups, their chairs and people; a survey's group
	// (decision 0021).
	{11, "work groups", []string{
		`CREATE TABLE work_groups (
			key TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			description TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL,
			updated_at TIMESTAMP NOT NULL
		)`,
		`CREATE TABLE work_group_chairs (
			group_key TEXT NOT NULL REFERENCES work_groups (key) ON DELETE CASCADE,
			user_id TEXT NOT NULL REFERENCES users (id),
			PRIMARY KEY (group_key, user_id)
		)`,
		`CREATE INDEX work_group_chairs_user ON work_group_chairs (user_id)`,
		`CREATE TABLE work_group_people (
			group_key TEXT NOT NULL REFERENCES work_groups (key) ON DELETE CASCADE,
			user_id TEXT NOT NULL REFERENCES users (id),
			PRIMARY KEY (group_key, user_id)
		)`,
		`CREATE INDEX work_group_people_user ON work_group_people (user_id)`,
		`ALTER TABLE surveys ADD COLUMN work_group TEXT REFERENCES work_groups (key)`,
		`CREATE INDEX surveys_work_group ON surveys (work_group)`,
	}},
	// Every change, who made it, from which request, before and after
	// (decision 0022).
	{12, "audit trail", []string{
		`CREATE TABLE audit_log (
			id TEXT PRIMARY KEY,
			at TIMESTAMP NOT NULL,
			actor TEXT NOT NULL,
			request_id TEXT NOT NULL,
			kind TEXT NOT NULL,
			object_type TEXT NOT NULL,
			object_id TEXT NOT NULL,
			member_code TEXT NOT NULL,
			before_json TEXT NOT NULL,
			after_json TEXT NOT NULL
		)`,
		`CREATE INDEX audit_log_actor ON audit_log (actor, id)`,
		`CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id)`,
		`CREATE INDEX audit_log_member ON audit_log (member_code, id)`,
	}},
	// The web app's sign-in links and sessions of people (decision 0023); only
	// hashes of their secrets are stored.
	{13, "web sessions", []string{
		`CREATE TABLE signin_links (
			hash TEXT PRIMARY KEY,
			user_id TEXT NOT NULL REFERENCES users (id),
			email TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL,
			expires_at TIMESTAMP NOT NULL,
			used_at TIMESTAMP
		)`,
		`CREATE INDEX signin_links_email ON signin_links (email, created_at)`,
		`CREATE TABLE web_sessions (
			id TEXT PRIMARY KEY,
			hash TEXT NOT NULL UNIQUE,
			user_id TEXT NOT NULL REFERENCES users (id),
			csrf TEXT NOT NULL,
			created_at TIMESTAMP NOT NULL,
			last_seen_at TIMESTAMP NOT NULL,
			expires_at TIMESTAMP NOT NULL,
			revoked_at TIMESTAMP
		)`,
		`CREATE INDEX web_sessions_user ON web_sessions (user_id)`,
	}},
	// The aggregates of each published edition over each view, computed once
	// and kept (decision 0024); stamp is the survey's state they were computed
	// for, so that a row no longer matching is never served.
	{14, "results cache", []string{
		`CREATE TABLE results_cache (
			survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
			view TEXT NOT NULL,
			stamp TEXT NOT NULL,
			body TEXT NOT NULL,
			computed_at TIMESTAMP NOT NULL,
			PRIMARY KEY (survey_id, view)
		)`,
	}},
}

// migrationLockKey is the PostgreSQL advisory lock that serialises migrations of
// several processes starting at once.
const migrationLockKey = 7_305_104_211

// Migrate brings the schema up to date and reports the versions it applied. It is
// safe to run from several processes at once: on PostgreSQL they queue on an
// advisory lock, on SQLite on the database's write lock.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	var applied []int
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockKey).Error; err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at TIMESTAMP NOT NULL
		)`).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var done []int
		if err := tx.Raw("SELECT version FROM schema_migrations").Scan(&done).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		have := make(map[int]bool, len(done))
		for _, v := range done {
			have[v] = true
		}
		for _, m := range migrations {
			if have[m.version] {
				continue
			}
			for _, stmt := range m.statements {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
				}
			}
			if err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, s.Now()).Error; err != nil {
				return fmt.Errorf("record migration %d: %w", m.version, err)
			}
			applied = append(applied, m.version)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// SchemaVersion returns the newest migration applied, 0 for an empty database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
