package store

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnavailable reports whether err comes from a database that cannot be reached
// now: PostgreSQL refusing connections, shutting down, starting up, gone in the
// middle of a query, or not answering before a deadline (context.DeadlineExceeded
// is a net.Error). Such a request may succeed when retried later, and the
// connection pool reconnects by itself once the database is back. A client that
// went away (context.Canceled) is not an outage.
func IsUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code[:2] == "08": // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // admin or crash shutdown, cannot connect now
			return true
		case pgErr.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// IsStorageFault reports whether err comes from a database that could not write
// to its disk: full (SQLITE_FULL, PostgreSQL's disk_full) or failing
// (SQLITE_IOERR, which is also what a write past the file size limit gives).
// Nothing was written: the transaction was rolled back.
func IsStorageFault(err error) bool {
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff { // the primary result code, without the extended part
		case 13, 10: // SQLITE_FULL, SQLITE_IOERR
			return true
		}
		return false
	}
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "53100"
}
