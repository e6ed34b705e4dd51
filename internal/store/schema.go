package store

import (
	"context"
	"database/sql"
	"fmt"
)

// LatestSchemaVersion is the newest schema step this program knows.
func LatestSchemaVersion() int { return migrations[len(migrations)-1].version }

// CheckSchema returns the schema version of the database and fails unless every
// step recorded in it is one of this program's steps, under the same name, and
// the steps run from 1 without a gap: a database made by another program, or by
// a newer surveyd, is refused rather than read as ours.
func (s *Store) CheckSchema(ctx context.Context) (int, error) {
	type step struct {
		Version int
		Name    string
	}
	var have int64
	if err := s.db.WithContext(ctx).Raw(s.tableExistsQuery(), "schema_migrations").Scan(&have).Error; err != nil {
		return 0, fmt.Errorf("read the catalog: %w", err)
	}
	if have == 0 {
		return 0, fmt.Errorf("not a surveyd database: it has no schema_migrations table")
	}
	var steps []step
	if err := s.db.WithContext(ctx).Raw("SELECT version, name FROM schema_migrations ORDER BY version").Scan(&steps).Error; err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	known := make(map[int]string, len(migrations))
	for _, m := range migrations {
		known[m.version] = m.name
	}
	for i, st := range steps {
		name, ok := known[st.Version]
		switch {
		case !ok:
			return 0, fmt.Errorf("schema version %d is not known to this surveyd (it knows 1 to %d): use a newer surveyd", st.Version, LatestSchemaVersion())
		case name != st.Name:
			return 0, fmt.Errorf("schema step %d is %q, not %q: not a surveyd database", st.Version, st.Name, name)
		case st.Version != i+1:
			return 0, fmt.Errorf("schema steps are not contiguous: step %d is missing", i+1)
		}
	}
	return len(steps), nil
}

func (s *Store) tableExistsQuery() string {
	if s.postgres {
		return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
	}
	return "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
}

// DB returns the connection pool, for the tools that work on whole tables rather
// than on domain values (internal/backup) and for the pool's statistics. Domain
// reads and writes go through the Store's methods.
func (s *Store) DB() *sql.DB {
	sqlDB, _ := s.db.DB() // an error only when the dialector has no *sql.DB, which ours always have
	return sqlDB
}
