package store

import (
	"context"
	"sync/atomic"

	"gorm.io/gorm"
)

// CountQueries counts the statements that s sends from now on, so that tests
// can check that a read costs a fixed number of queries. Subqueries, which GORM
// builds by a dry run of their own, are not counted.
func CountQueries(s *Store) *atomic.Int64 {
	var n atomic.Int64
	count := func(db *gorm.DB) {
		if !db.DryRun {
			n.Add(1)
		}
	}
	cb := s.db.Callback()
	_ = cb.Query().After("gorm:query").Register("test:count_query", count)
	_ = cb.Row().After("gorm:row").Register("test:count_row", count)
	_ = cb.Raw().After("gorm:raw").Register("test:count_raw", count)
	return &n
}

// FailingScan runs, through GORM's Scan, a query that fails, with a value.
func (s *Store) FailingScan(ctx context.Context, value string) error {
	var out []struct{ N int }
	return s.db.WithContext(ctx).Raw("SELECT n FROM no_such_table WHERE v = ?", value).Scan(&out).Error
}
