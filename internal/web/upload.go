package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// uploadView is what an upload of a period's figures did: the lines refused,
// or a message.
type uploadView struct {
	Errors  []string
	Message string
	Survey  string // the edition written to, for the link to its response
}

// csvHeader is the optional first line of an upload, and of the template.
var csvHeader = []string{"question", "value"}

// seriesTemplate serves GET /series/{key}/template.csv: the file to fill in,
// one line per question of the series' template, values empty.
func (h *Handler) seriesTemplate(w http.ResponseWriter, r *http.Request, v *visit) {
	doc, ok := h.seriesDoc(w, r, v)
	if !ok {
		return
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(csvHeader)
	for _, s := range doc.Template.Sections {
		for _, q := range s.Questions {
			_ = cw.Write([]string{q.Key, ""})
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+doc.Key+`-template.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// csvLine is one figure of an upload and the line it came from.
type csvLine struct {
	line  int
	key   string
	value string
}

// parseFigures reads an upload of two columns, question key and value (a first
// line "question,value" is a header). Every line that is not of that shape, or
// repeats a key, is refused by its number; lines with an empty value are left
// out, so that they change nothing.
func parseFigures(data []byte) ([]csvLine, []string) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []csvLine
	var bad []string
	seen := map[string]int{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
			} else {
				bad = append(bad, err.Error())
			}
			break // the rest of the file cannot be read reliably
		}
		line, _ := cr.FieldPos(0)
		if first && len(rec) == 2 && strings.EqualFold(strings.TrimSpace(rec[0]), csvHeader[0]) && strings.EqualFold(strings.TrimSpace(rec[1]), csvHeader[1]) {
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != 2 {
			bad = append(bad, fmt.Sprintf("line %d: has %d columns; each line is a question key, a comma and the value", line, len(rec)))
			continue
		}
		key, value := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		switch prev, dup := seen[key]; {
		case key == "":
			bad = append(bad, fmt.Sprintf("line %d: the question key is missing", line))
		case dup:
			bad = append(bad, fmt.Sprintf("line %d: %s is given already on line %d", line, key, prev))
		case value != "":
			seen[key] = line
			out = append(out, csvLine{line: line, key: key, value: value})
		default:
			seen[key] = line
		}
	}
	return out, bad
}

// uploadPost serves POST /series/{key}/upload: a CSV file of one period's
// figures (survey: the period's edition), saved with one PATCH of the member's
// response, the same write as the form's. The file is checked whole first; the
// API then checks every value and writes all or none.
func (h *Handler) uploadPost(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PostFormValue("survey")
	data, _, err := readAll(r, "file")
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		h.showSeries(w, r, v, http.StatusUnprocessableEntity, uploadView{Errors: []string{"Choose a CSV file that holds the figures."}})
		return
	}
	var sv surveyDoc
	if rep, ok := h.get(r, v, "/v1/surveys/"+url.PathEscape(id), &sv); !ok {
		h.refused(w, r, v, rep)
		return
	}
	if sv.Series == nil || *sv.Series != r.PathValue("key") {
		h.showSeries(w, r, v, http.StatusUnprocessableEntity, uploadView{Errors: []string{"Choose one of this series' open periods."}})
		return
	}
	lines, bad := parseFigures(data)
	if len(bad) > 0 {
		h.showSeries(w, r, v, http.StatusUnprocessableEntity, uploadView{Errors: append(bad, "Nothing was saved.")})
		return
	}
	if len(lines) == 0 {
		h.showSeries(w, r, v, http.StatusUnprocessableEntity, uploadView{Errors: []string{"The file holds no figures: every value is empty."}})
		return
	}
	types := map[string]string{}
	for _, s := range sv.Sections {
		for _, q := range s.Questions {
			types[q.Key] = q.Type
		}
	}
	answers, lineOf := map[string]any{}, map[string]int{}
	for _, l := range lines {
		// A key that is no question is sent as it is: the API names it.
		answers[l.key] = toAnswer(types[l.key], []string{l.value})
		lineOf[l.key] = l.line
	}
	path := "/v1/surveys/" + url.PathEscape(id) + "/responses/" + url.PathEscape(v.user.Member)
	var resp responseDoc
	if rep, ok := h.get(r, v, path, &resp); !ok {
		h.refused(w, r, v, rep)
		return
	}
	rep := h.sendJSON(r, v, http.MethodPatch, path, map[string]any{"answers": answers}, "If-Match", strconv.Quote(strconv.Itoa(resp.Version)))
	switch {
	case rep.ok():
		period := id
		if sv.Period != nil {
			period = *sv.Period
		}
		figures := "1 figure"
		if len(lines) != 1 {
			figures = strconv.Itoa(len(lines)) + " figures"
		}
		h.showSeries(w, r, v, http.StatusOK, uploadView{Survey: id,
			Message: "Saved " + figures + " of " + period + ". Check them and submit them on the response page."})
	case rep.Status == http.StatusUnprocessableEntity, rep.Status == http.StatusConflict, rep.Status == http.StatusPreconditionFailed:
		p := rep.problem()
		var out []string
		for _, f := range p.Errors {
			key := strings.TrimPrefix(f.Field, "answers.")
			if n, ok := lineOf[key]; ok {
				out = append(out, fmt.Sprintf("line %d: %s %s", n, key, f.Reason))
			} else {
				out = append(out, f.Field+" "+f.Reason)
			}
		}
		text := p.Detail
		if rep.Status == http.StatusPreconditionFailed {
			text = "a colleague changed the response while the file was read; upload it again"
		}
		if text == "" {
			text = p.Title
		}
		h.showSeries(w, r, v, rep.Status, uploadView{Errors: append(out, "Nothing was saved: "+text+".")})
	default:
		h.refused(w, r, v, rep)
	}
}
