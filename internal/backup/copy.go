package backup

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/store"
)

// Copy moves every row of the source installation into the target, which must
// be migrated to the same schema version and hold no data, in one transaction
// on the target, reading the source in one read-only transaction so that the
// copy is one consistent moment of it. Then it verifies the target against the
// source (see Verify) and fails if they differ.
func Copy(ctx context.Context, src, dst *store.Store) (Report, error) {
	srcVersion, err := src.CheckSchema(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("source: %w", err)
	}
	dstVersion, err := dst.CheckSchema(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("target: %w", err)
	}
	if srcVersion != dstVersion {
		return Report{}, fmt.Errorf("the source is at schema version %d and the target at %d: bring both to the same version first (surveyd migrate --database-url SOURCE)", srcVersion, dstVersion)
	}
	srcTables, err := readCatalog(ctx, src)
	if err != nil {
		return Report{}, fmt.Errorf("source: %w", err)
	}
	dstTables, err := readCatalog(ctx, dst)
	if err != nil {
		return Report{}, fmt.Errorf("target: %w", err)
	}
	if err := sameSchema(srcTables, dstTables); err != nil {
		return Report{}, err
	}

	opts := &sql.TxOptions{ReadOnly: true}
	if src.Dialect() == "postgres" {
		opts.Isolation = sql.LevelRepeatableRead
	}
	in, err := src.DB().BeginTx(ctx, opts)
	if err != nil {
		return Report{}, fmt.Errorf("source: begin: %w", err)
	}
	defer func() { _ = in.Rollback() }() // read-only: nothing to keep
	out, err := dst.DB().BeginTx(ctx, nil)
	if err != nil {
		return Report{}, fmt.Errorf("target: begin: %w", err)
	}
	defer func() { _ = out.Rollback() }() // a no-op after Commit
	if err := refuseData(ctx, out, dstTables); err != nil {
		return Report{}, err
	}
	for _, t := range dstTables {
		if t.name == "schema_migrations" {
			continue // the target's own, made by migrating it
		}
		if err := copyTable(ctx, in, out, t, dst.Dialect()); err != nil {
			return Report{}, fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	if err := out.Commit(); err != nil {
		return Report{}, fmt.Errorf("target: commit: %w", err)
	}
	_ = in.Rollback()
	rep, err := Verify(ctx, src, dst)
	if err != nil {
		return rep, err
	}
	return rep, rep.Err()
}

// refuseData fails if any table of the target but schema_migrations has a row.
func refuseData(ctx context.Context, q querier, tables []table) error {
	var full []string
	for _, t := range tables {
		if t.name == "schema_migrations" {
			continue
		}
		var one int
		err := q.QueryRowContext(ctx, "SELECT 1 FROM "+quote(t.name)+" LIMIT 1").Scan(&one)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return fmt.Errorf("target: read %s: %w", t.name, err)
		default:
			full = append(full, t.name)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("the target is not empty (%s have rows): copy only into a new, empty database", strings.Join(full, ", "))
	}
	return nil
}

// querier is what a *sql.DB and a *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxParams bounds the parameters of one INSERT: SQLite's limit is 32,766, and
// PostgreSQL's 65,535; fewer keep each statement's memory small.
const maxParams = 4000

// copyTable streams the rows of t from the source into the target in INSERTs of
// several rows each, converting each value to the kind of its target column.
func copyTable(ctx context.Context, in *sql.Tx, out *sql.Tx, t table, dialect string) error {
	rows, err := in.QueryContext(ctx, "SELECT "+t.columnList()+" FROM "+quote(t.name))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	defer rows.Close()
	perBatch := max(1, maxParams/len(t.columns))
	batch := make([]any, 0, perBatch*len(t.columns))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := out.ExecContext(ctx, insertStatement(t, len(batch)/len(t.columns), dialect), batch...); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read: %w", err)
		}
		for i, c := range t.columns {
			v, err := convert(vals[i], c.kind)
			if err != nil {
				return fmt.Errorf("column %s: %w", c.name, err)
			}
			batch = append(batch, v)
		}
		if len(batch) >= perBatch*len(t.columns) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	return flush()
}

// insertStatement is an INSERT of n rows into t with the dialect's placeholders.
func insertStatement(t table, n int, dialect string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + quote(t.name) + " (" + t.columnList() + ") VALUES ")
	p := 0
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range t.columns {
			if c > 0 {
				b.WriteString(", ")
			}
			p++
			if dialect == "postgres" {
				b.WriteString("$" + strconv.Itoa(p))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// convert turns a value read from one database into the Go type the other
// stores in a column of kind k.
func convert(v any, k kind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			return strconv.ParseBool(x)
		}
	case kindTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string: // a text in a TIMESTAMP column of SQLite that its driver did not parse
			for _, l := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
				if t, err := time.Parse(l, x); err == nil {
					return t.UTC(), nil
				}
			}
			return nil, fmt.Errorf("%q is not a time", x)
		}
	case kindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		}
	case kindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int64:
			return float64(x), nil
		}
	case kindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("cannot store a %T in this column", v)
}
