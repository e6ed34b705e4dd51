package store

import (
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
