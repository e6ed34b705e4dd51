package backup

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/tldcouncil/surveyd/internal/store"
)

// kind is how a column's values are carried between the two databases, which
// name and return the same type differently (SQLite's BOOLEAN comes back as an
// integer, its TIMESTAMP as a text parsed into a time).
type kind int

const (
	kindOther kind = iota
	kindText
	kindInt
	kindFloat
	kindBool
	kindTime
)

// column is one column of a table as the catalog describes it.
type column struct {
	name string
	kind kind
}

// table is one table of the schema, with the tables its foreign keys refer to.
type table struct {
	name       string
	columns    []column
	references []string
}

// columnNames returns the table's columns, quoted, joined for a SELECT or INSERT.
func (t table) columnList() string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = quote(c.name)
	}
	return strings.Join(names, ", ")
}

// kindOf maps a declared type (SQLite) or data_type (PostgreSQL) to a kind.
func kindOf(declared string) kind {
	t := strings.ToLower(declared)
	switch {
	case strings.Contains(t, "timestamp"), t == "date", t == "datetime":
		return kindTime
	case strings.Contains(t, "bool"):
		return kindBool
	case strings.Contains(t, "int"):
		return kindInt
	case strings.Contains(t, "double"), strings.Contains(t, "real"), strings.Contains(t, "float"), strings.Contains(t, "numeric"):
		return kindFloat
	case strings.Contains(t, "text"), strings.Contains(t, "char"):
		return kindText
	}
	return kindOther
}

// readCatalog returns the tables of the database, schema_migrations included,
// ordered so that every table comes after the tables it refers to.
func readCatalog(ctx context.Context, st *store.Store) ([]table, error) {
	var tables []table
	var err error
	if st.Dialect() == "postgres" {
		tables, err = postgresCatalog(ctx, st.DB())
	} else {
		tables, err = sqliteCatalog(ctx, st.DB())
	}
	if err != nil {
		return nil, fmt.Errorf("read the catalog: %w", err)
	}
	return dependencyOrder(tables)
}

func sqliteCatalog(ctx context.Context, db *sql.DB) ([]table, error) {
	names, err := strings1(ctx, db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return nil, err
	}
	tables := make([]table, 0, len(names))
	for _, name := range names {
		t := table{name: name}
		rows, err := db.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?) ORDER BY cid", name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var col, typ string
			if err := rows.Scan(&col, &typ); err != nil {
				rows.Close()
				return nil, err
			}
			t.columns = append(t.columns, column{name: col, kind: kindOf(typ)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if t.references, err = strings1(ctx, db, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", name); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, nil
}

func postgresCatalog(ctx context.Context, db *sql.DB) ([]table, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, err
	}
	var tables []table
	for rows.Next() {
		var name, col, typ string
		if err := rows.Scan(&name, &col, &typ); err != nil {
			rows.Close()
			return nil, err
		}
		if len(tables) == 0 || tables[len(tables)-1].name != name {
			tables = append(tables, table{name: name})
		}
		t := &tables[len(tables)-1]
		t.columns = append(t.columns, column{name: col, kind: kindOf(typ)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	refs, err := db.QueryContext(ctx, `SELECT DISTINCT cl.relname, ref.relname
		FROM pg_constraint c
		JOIN pg_class cl ON cl.oid = c.conrelid
		JOIN pg_class ref ON ref.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = cl.relnamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	defer refs.Close()
	for refs.Next() {
		var from, to string
		if err := refs.Scan(&from, &to); err != nil {
			return nil, err
		}
		for i := range tables {
			if tables[i].name == from {
				tables[i].references = append(tables[i].references, to)
			}
		}
	}
	return tables, refs.Err()
}

// dependencyOrder sorts tables so that each follows those it refers to, and
// otherwise by name, so that the order is the same on both databases.
func dependencyOrder(tables []table) ([]table, error) {
	slices.SortFunc(tables, func(a, b table) int { return strings.Compare(a.name, b.name) })
	done := map[string]bool{}
	out := make([]table, 0, len(tables))
	for len(out) < len(tables) {
		progressed := false
		for _, t := range tables {
			if done[t.name] {
				continue
			}
			ready := true
			for _, r := range t.references {
				if r != t.name && !done[r] {
					ready = false
				}
			}
			if ready {
				done[t.name], progressed = true, true
				out = append(out, t)
			}
		}
		if !progressed {
			var left []string
			for _, t := range tables {
				if !done[t.name] {
					left = append(left, t.name)
				}
			}
			return nil, fmt.Errorf("the foreign keys of tables %s form a cycle", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// sameSchema fails unless both catalogs have the same tables with the same columns.
func sameSchema(src, dst []table) error {
	cols := func(ts []table) map[string][]string {
		m := make(map[string][]string, len(ts))
		for _, t := range ts {
			for _, c := range t.columns {
				m[t.name] = append(m[t.name], c.name)
			}
			slices.Sort(m[t.name])
		}
		return m
	}
	a, b := cols(src), cols(dst)
	for name, ca := range a {
		cb, ok := b[name]
		if !ok {
			return fmt.Errorf("table %s is in the source but not in the target", name)
		}
		if !slices.Equal(ca, cb) {
			return fmt.Errorf("table %s has columns %v in the source and %v in the target", name, ca, cb)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			return fmt.Errorf("table %s is in the target but not in the source", name)
		}
	}
	return nil
}

// strings1 runs a query of one text column and returns its values.
func strings1(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quote quotes an identifier for both databases.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
