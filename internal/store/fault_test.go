package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestFaultClassification covers the errors that a real outage does not easily
// produce; internal/faults produces the others (refused connections, conn
// closed, SQLITE_FULL, SQLITE_IOERR) with a real PostgreSQL and a real full disk.
func TestFaultClassification(t *testing.T) {
	wrapped := func(err error) error { return fmt.Errorf("save response: %w", err) }
	for _, tc := range []struct {
		name                 string
		err                  error
		unavailable, storage bool
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true, false},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true, false},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true, false},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true, false},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true, false},
		{"disk full", &pgconn.PgError{Code: "53100"}, false, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false, false},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, false, false},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true, false},
		{"bad connection", driver.ErrBadConn, true, false},
		{"conn closed", pgconn.ErrConnClosed, true, false},
		{"deadline", context.DeadlineExceeded, true, false}, // the database did not answer in time
		{"client gone", context.Canceled, false, false},
		{"domain error", survey.Errorf(survey.Conflict, "taken"), false, false},
		{"anything else", errors.New("boom"), false, false},
	} {
		for _, err := range []error{tc.err, wrapped(tc.err)} {
			if got := store.IsUnavailable(err); got != tc.unavailable {
				t.Errorf("%s: IsUnavailable(%v) = %v", tc.name, err, got)
			}
			if got := store.IsStorageFault(err); got != tc.storage {
				t.Errorf("%s: IsStorageFault(%v) = %v", tc.name, err, got)
			}
		}
	}
}
