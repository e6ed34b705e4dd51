package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/results"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// Report compares two installations table by table and survey by survey.
type Report struct {
	Tables  []TableCheck
	Surveys []SurveyCheck
}

// TableCheck is one table's rows and content digest on each side. The digest
// does not depend on the order the database returns rows in.
type TableCheck struct {
	Name                       string
	SourceRows, TargetRows     int64
	SourceDigest, TargetDigest string
}

// SurveyCheck is the checksum of a survey's results on each side, as the
// secretariat reads them: over all respondents and over each peer group.
type SurveyCheck struct {
	ID, Title                    string
	SourceResults, TargetResults string
}

// Err lists every table and survey that differs, or returns nil.
func (r Report) Err() error {
	var diffs []string
	for _, t := range r.Tables {
		if t.SourceRows != t.TargetRows || t.SourceDigest != t.TargetDigest {
			diffs = append(diffs, fmt.Sprintf("table %s: %d rows in the source, %d in the target, contents %s", t.Name, t.SourceRows, t.TargetRows, sameOrNot(t.SourceDigest, t.TargetDigest)))
		}
	}
	for _, s := range r.Surveys {
		if s.SourceResults != s.TargetResults {
			diffs = append(diffs, fmt.Sprintf("survey %s: results differ", s.ID))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return errors.New("verification failed: " + strings.Join(diffs, "; "))
}

func sameOrNot(a, b string) string {
	if a == b {
		return "equal"
	}
	return "differ"
}

// Write prints the report as a table for an operator.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "%-24s %10s %10s  %s\n", "table", "source", "target", "contents")
	for _, t := range r.Tables {
		fmt.Fprintf(w, "%-24s %10d %10d  %s\n", t.Name, t.SourceRows, t.TargetRows, sameOrNot(t.SourceDigest, t.TargetDigest))
	}
	fmt.Fprintf(w, "%-32s %-16s  %s\n", "survey", "results checksum", "on both sides")
	for _, s := range r.Surveys {
		fmt.Fprintf(w, "%-32s %-16s  %s\n", s.ID, s.SourceResults[:min(16, len(s.SourceResults))], sameOrNot(s.SourceResults, s.TargetResults))
	}
}

// Verify compares the target with the source: the rows and a digest of the
// contents of every table but schema_migrations, and a checksum of every
// survey's results computed on each side by the same code the API serves them
// with.
func Verify(ctx context.Context, src, dst *store.Store) (Report, error) {
	var rep Report
	srcTables, err := readCatalog(ctx, src)
	if err != nil {
		return rep, fmt.Errorf("source: %w", err)
	}
	dstTables, err := readCatalog(ctx, dst)
	if err != nil {
		return rep, fmt.Errorf("target: %w", err)
	}
	if err := sameSchema(srcTables, dstTables); err != nil {
		return rep, err
	}
	for _, t := range dstTables {
		if t.name == "schema_migrations" {
			continue
		}
		a, err := digestTable(ctx, src.DB(), t)
		if err != nil {
			return rep, fmt.Errorf("source: %w", err)
		}
		b, err := digestTable(ctx, dst.DB(), t)
		if err != nil {
			return rep, fmt.Errorf("target: %w", err)
		}
		rep.Tables = append(rep.Tables, TableCheck{Name: t.name, SourceRows: a.rows, TargetRows: b.rows, SourceDigest: a.sum, TargetDigest: b.sum})
	}
	surveys, err := allSurveys(ctx, src)
	if err != nil {
		return rep, fmt.Errorf("source: %w", err)
	}
	for _, sv := range surveys {
		a, err := ResultsChecksum(ctx, src, sv.ID)
		if err != nil {
			return rep, fmt.Errorf("source: %w", err)
		}
		b, err := ResultsChecksum(ctx, dst, sv.ID)
		if err != nil {
			return rep, fmt.Errorf("target: %w", err)
		}
		rep.Surveys = append(rep.Surveys, SurveyCheck{ID: sv.ID, Title: sv.Title, SourceResults: a, TargetResults: b})
	}
	return rep, nil
}

type digest struct {
	rows int64
	sum  string
}

// digestTable hashes every row of t in a form both databases give alike and
// adds the hashes up, so that the order rows come in does not matter.
func digestTable(ctx context.Context, db querier, t table) (digest, error) {
	rows, err := db.QueryContext(ctx, "SELECT "+t.columnList()+" FROM "+quote(t.name))
	if err != nil {
		return digest{}, fmt.Errorf("read %s: %w", t.name, err)
	}
	defer rows.Close()
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var lanes [4]uint64
	var n int64
	var buf bytes.Buffer
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return digest{}, fmt.Errorf("read %s: %w", t.name, err)
		}
		buf.Reset()
		for i, c := range t.columns {
			v, err := convert(vals[i], c.kind)
			if err != nil {
				return digest{}, fmt.Errorf("read %s.%s: %w", t.name, c.name, err)
			}
			canonical(&buf, v)
		}
		h := sha256.Sum256(buf.Bytes())
		for i := range lanes {
			lanes[i] += binary.BigEndian.Uint64(h[i*8:])
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return digest{}, fmt.Errorf("read %s: %w", t.name, err)
	}
	var sum [32]byte
	for i, l := range lanes {
		binary.BigEndian.PutUint64(sum[i*8:], l)
	}
	return digest{rows: n, sum: hex.EncodeToString(sum[:])}, nil
}

// canonical writes one converted value with its type and length, so that no two
// different rows write the same bytes.
func canonical(b *bytes.Buffer, v any) {
	var scratch [64]byte
	switch x := v.(type) {
	case nil:
		b.WriteByte('n')
	case bool:
		b.WriteByte('b')
		b.Write(strconv.AppendBool(scratch[:0], x))
	case int64:
		b.WriteByte('i')
		b.Write(strconv.AppendInt(scratch[:0], x, 10))
	case float64:
		b.WriteByte('f')
		b.Write(strconv.AppendFloat(scratch[:0], x, 'g', -1, 64))
	case time.Time:
		b.WriteByte('t')
		b.Write(x.UTC().Round(time.Microsecond).AppendFormat(scratch[:0], time.RFC3339Nano))
	case string:
		b.WriteByte('s')
		b.Write(strconv.AppendInt(scratch[:0], int64(len(x)), 10))
		b.WriteByte(':')
		b.WriteString(x)
	default:
		fmt.Fprintf(b, "o%T:%v", x, x)
	}
	b.WriteByte(';')
}

// allSurveys lists every survey of the installation.
func allSurveys(ctx context.Context, st *store.Store) ([]survey.Survey, error) {
	var all []survey.Survey
	p := store.Page{Limit: 100}
	for {
		page, next, err := st.Surveys(ctx, store.SurveyFilter{}, p)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		p.After = next
	}
}

// ResultsChecksum is a SHA-256 of a survey's results as the secretariat reads
// them, over all respondents and then over each peer group, built by
// results.Build from the store's aggregates. Numbers are rounded to 12
// significant digits first: the two databases may sum or interpolate in a
// different order and differ in the last bit.
func ResultsChecksum(ctx context.Context, st *store.Store, surveyID string) (string, error) {
	sv, err := st.Survey(ctx, surveyID)
	if err != nil {
		return "", err
	}
	groups := []string{""}
	p := store.Page{Limit: 100}
	for {
		page, next, err := st.PeerGroups(ctx, p)
		if err != nil {
			return "", err
		}
		for _, g := range page {
			groups = append(groups, g.Key)
		}
		if next == "" {
			break
		}
		p.After = next
	}
	viewer := survey.User{Role: survey.RoleSecretariat}
	h := sha256.New()
	for _, g := range groups {
		sc := store.Scope{SurveyID: sv.ID, PeerGroup: g}
		in := results.Input{Survey: sv, Viewer: viewer, PeerGroup: g}
		if in.Respondents, err = st.Respondents(ctx, sc); err != nil {
			return "", err
		}
		if in.Stats, err = st.Stats(ctx, sv, sc); err != nil {
			return "", err
		}
		if sv.Policy.Visibility == survey.VisibilityNamed {
			if in.Named, err = st.NamedAnswers(ctx, sv, sc); err != nil {
				return "", err
			}
		}
		r := results.Build(in)
		doc, err := json.Marshal(struct {
			PeerGroup   string
			Respondents int
			Questions   []results.Question
		}{g, r.Respondents, r.Questions})
		if err != nil {
			return "", fmt.Errorf("results of %s: %w", sv.ID, err)
		}
		if err := roundNumbers(h, doc); err != nil {
			return "", fmt.Errorf("results of %s: %w", sv.ID, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// roundNumbers writes the JSON document doc to w with every number rounded to
// 12 significant digits.
func roundNumbers(w io.Writer, doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	out, err := json.Marshal(round(v))
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func round(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return x.String()
		}
		return strconv.FormatFloat(f, 'g', 12, 64)
	case []any:
		for i := range x {
			x[i] = round(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = round(x[k])
		}
	}
	return v
}
