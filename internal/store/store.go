// Package store keeps the platform's data in PostgreSQL (production) or an embedded
// SQLite file (the default), through GORM, with the same behaviour on both. It runs
// the domain's rules inside its transactions and turns database errors into
// survey errors at its boundary.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/oklog/ulid/v2"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// DefaultSQLitePath is the embedded database used when no DATABASE_URL is given.
const DefaultSQLitePath = "surveys.db"

// Store is the platform's persistence. It is safe for concurrent use.
type Store struct {
	db       *gorm.DB
	postgres bool
	now      func() time.Time
	entropy  *ulid.LockedMonotonicReader
	// What the results cache holds that was used last, decoded.
	views  *memo[viewKey, Aggregates]
	trends *memo[trendKey, trendFigure]
}

// Options tune a Store; the zero value is usable.
type Options struct {
	Logger *slog.Logger     // where slow queries are reported; nil for none
	Now    func() time.Time // the clock; nil for time.Now
	// ReadOnly opens an SQLite file read-only and leaves its journal mode alone,
	// for inspecting a backup without changing it. PostgreSQL ignores it.
	ReadOnly bool
}

// Open connects to the database named by url: "postgres://..." (or
// "postgresql://...") for PostgreSQL, "sqlite:PATH" for an SQLite file, and ""
// for the default SQLite file. It does not migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
	}
	// GORM's logger is set once the database is open: a failure to open is
	// returned, with where, rather than also logged by GORM.
	s := &Store{now: opts.Now, entropy: &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(rand.Reader, 0)},
		views: newMemo[viewKey, Aggregates](viewMemorySize), trends: newMemo[trendKey, trendFigure](trendMemorySize)}
	if s.now == nil {
		s.now = time.Now
	}
	var dialector gorm.Dialector
	var where string // the database, as the errors of Open name it
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s.postgres = true
		pc, err := pgconn.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL is not a PostgreSQL URL that can be read: %w", err)
		}
		where = fmt.Sprintf("PostgreSQL at %s, database %q, user %q", net.JoinHostPort(pc.Host, strconv.Itoa(int(pc.Port))), pc.Database, pc.User)
		dialector = postgres.Open(url)
	case url == "" || strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			path = DefaultSQLitePath
		}
		where = "SQLite file " + path
		if dir := filepath.Dir(path); !isDir(dir) {
			return nil, fmt.Errorf("open %s: the directory %s does not exist", where, dir)
		}
		// Foreign keys are off by default in SQLite; WAL lets readers run beside the writer.
		dsn := path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		if opts.ReadOnly {
			dsn = "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?mode=ro&_pragma=busy_timeout(10000)"
		}
		dialector = sqlite.Open(dsn)
	default:
		return nil, fmt.Errorf("DATABASE_URL %q: want postgres://..., sqlite:PATH or nothing", url)
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, openError(where, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, openError(where, err)
	}
	if !s.postgres {
		// SQLite has one writer at a time; one connection turns lock contention
		// into queueing instead of SQLITE_BUSY errors. See docs/decisions.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s.db = db
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, openError(where, err)
	}
	if opts.Logger != nil {
		db.Logger = newGormLog(opts.Logger)
	}
	return s, nil
}

// openError says which database could not be opened, and why in one line: the
// network's or the server's own words where there are some, rather than the
// drivers' nested, multi-line ones.
func openError(where string, err error) error {
	var pg *pgconn.PgError
	var dns *net.DNSError
	var op *net.OpError
	why := strings.Join(strings.Fields(err.Error()), " ")
	switch {
	case errors.As(err, &pg):
		why = pg.Message + " (SQLSTATE " + pg.Code + ")"
	case errors.As(err, &dns):
		why = dns.Error()
	case errors.As(err, &op):
		why = op.Error()
	case strings.Contains(why, "(14)"): // SQLITE_CANTOPEN, which the driver words "out of memory"
		why = "SQLite cannot open or create the file; is its directory writable?"
	}
	return fmt.Errorf("open %s: %s", where, why)
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// Close releases the database connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Dialect names the database in use: "postgres" or "sqlite".
func (s *Store) Dialect() string {
	if s.postgres {
		return "postgres"
	}
	return "sqlite"
}

// Now returns the store's clock reading in UTC, rounded to microseconds, the
// precision both databases keep.
func (s *Store) Now() time.Time { return s.now().UTC().Round(time.Microsecond) }

// tx runs fn in one transaction.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}

// snapshot runs fn, which only reads, in one read-only transaction that sees one
// state of the database: REPEATABLE READ on PostgreSQL, where each statement of
// the default READ COMMITTED sees its own; on SQLite a read transaction is one
// snapshot already.
func (s *Store) snapshot(ctx context.Context, fn func(tx *gorm.DB) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return s.db.WithContext(ctx).Transaction(fn, opts)
}

// Consistent runs fn with a store whose reads all see the one state of the
// database that the first of them sees (see snapshot), for a reading made of
// several statements, such as results: their respondents, counts, quartiles and
// histograms. fn must not write: the transaction is read-only.
func (s *Store) Consistent(ctx context.Context, fn func(*Store) error) error {
	return s.snapshot(ctx, func(tx *gorm.DB) error {
		in := *s
		in.db = tx
		return fn(&in)
	})
}

// newID returns an opaque, time-ordered identifier with a prefix naming its kind.
// IDs made by one process are strictly increasing, so that events written in one
// transaction keep their order when sorted by id.
func (s *Store) newID(prefix string) string {
	return prefix + "_" + strings.ToLower(ulid.MustNew(ulid.Now(), s.entropy).String())
}

// isNotFound reports whether err is GORM's not-found error.
func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// isDuplicate reports whether err is a violated unique constraint.
func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// isForeignKey reports whether err is a violated foreign key.
func isForeignKey(err error) bool { return errors.Is(err, gorm.ErrForeignKeyViolated) }

// wrap passes survey errors through and labels any other error with what was
// being done, so that the log of a 500 says where it came from.
func wrap(err error, doing string) error {
	if err == nil {
		return nil
	}
	var e *survey.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// Page asks for one page of a list: at most Limit items after the key After.
type Page struct {
	Limit int
	After string
}

// limit returns the page size to query: one more than asked, to learn whether a
// further page exists.
func (p Page) limit() int { return p.Limit + 1 }

// cut trims a result of p.limit() rows to the page and returns the key to continue
// after, or "" on the last page.
func cut[T any](rows []T, p Page, key func(T) string) ([]T, string) {
	if len(rows) <= p.Limit {
		return rows, ""
	}
	rows = rows[:p.Limit]
	return rows, key(rows[len(rows)-1])
}
