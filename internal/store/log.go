package store

import (
	"context"
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

func (g gormLog) Info(ctx context.Context, msg string, data ...any) {
	g.log.InfoContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

func (g gormLog) Warn(ctx context.Context, msg string, data ...any) {
	g.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

func (g gormLog) Error(ctx context.Context, msg string, data ...any) {
	g.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

// ParamsFilter keeps the values of a query out of the logs.
func (g gormLog) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
