package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm/logger"
)

// gormLog is GORM's logger, on the store's slog.Logger: slow and failed queries
// come from GORM's own slog logger, with the SQL but never its values (answers
// are confidential); GORM's messages are formatted into the line's message
// rather than attached as raw arguments, which a JSON handler cannot always
// encode (a pgconn error holds a func).
type gormLog struct {
	logger.Interface
	log *slog.Logger
}

func newGormLog(log *slog.Logger) gormLog {
	return gormLog{log: log, Interface: logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})}
}

func (g gormLog) LogMode(level logger.LogLevel) logger.Interface {
	return gormLog{log: g.log, Interface: g.Interface.LogMode(level)}
}

// Trace logs a failed or slow query, but not one whose request's client went
// away: that is no fault of the query, and the API records it as such.
func (g gormLog) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	g.Interface.Trace(ctx, begin, fc, err)
}

func (g gormLog) Info(ctx context.Context, msg string, data ...any) {
	g.log.InfoContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

func (g gormLog) Warn(ctx context.Context, msg string, data ...any) {
	g.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

func (g gormLog) Error(ctx context.Context, msg string, data ...any) {
	g.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

// GORM logs a query run by Scan through a recorder of its own, which fills in
// the values unless this filter, a package variable of GORM's, drops them: it
// is set once here, so that a failed or slow Scan logs placeholders as every
// other query does.
func init() {
	logger.RecorderParamsFilter = withoutValues
}

// ParamsFilter keeps the values of a query out of the logs.
func (g gormLog) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	return withoutValues(ctx, sql, params...)
}

// withoutValues is a query as the logs show it: with placeholders, never values.
func withoutValues(_ context.Context, sql string, _ ...any) (string, []any) { return sql, nil }
