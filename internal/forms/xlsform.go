package forms

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Limits of an XLSForm upload, beyond the size of the file itself: a small zip
// can unpack to a great deal.
const (
	MaxUnpackedBytes = 16 << 20 // all parts of the workbook, unpacked
	MaxSheetRows     = 2000     // rows of the survey or choices sheet
	maxZipParts      = 200
)

// The XLSForm columns that carry what XLSForm has no column for: the exact type
// where XLSForm's does not say it (a percentage is a decimal, a boolean a
// select_one yes_no), and the unit. ODK and KoboToolbox leave columns they do not
// know alone.
const (
	xlsValueType = "value_type"
	xlsUnit      = "unit"
	yesNoList    = "yes_no"
)

// languageName names a language in an XLSForm header: "English (en)".
func languageName(tag string) string {
	name := tag
	if t, err := language.Parse(tag); err == nil {
		if n := display.English.Tags().Name(t); n != "" {
			name = n
		}
	}
	return name + " (" + tag + ")"
}

// ToXLSForm writes the questionnaire of s as an XLSForm workbook: a survey sheet
// with a group per section, a choices sheet, and a settings sheet with the title.
func ToXLSForm(s survey.Survey) ([]byte, error) {
	langs := s.Languages()
	textCols := func(base string) []string {
		if len(langs) == 1 {
			return []string{base}
		}
		cols := make([]string, len(langs))
		for i, l := range langs {
			cols[i] = base + "::" + languageName(l)
		}
		return cols
	}
	texts := func(english string, tr survey.Translations) []any {
		out := make([]any, len(langs))
		for i, l := range langs {
			if l == survey.English {
				out[i] = english
			} else {
				out[i] = tr[l]
			}
		}
		return out
	}
	header := append([]any{"type", "name"}, toAny(textCols("label"))...)
	header = append(header, toAny(textCols("hint"))...)
	header = append(header, "required", "relevant", "constraint", "parameters", xlsUnit, xlsValueType)
	rows := [][]any{header}
	choices := [][]any{append([]any{"list_name", "name"}, toAny(textCols("label"))...)}
	var r refusals
	byKey := map[string]survey.Question{}
	hasBoolean := false
	for i, sec := range s.Sections {
		row := append([]any{"begin group", sec.Key}, texts(sec.Title, sec.TitleTranslations)...)
		rows = append(rows, append(row, texts(sec.Description, sec.DescriptionTranslations)...))
		for j, q := range sec.Questions {
			path := fmt.Sprintf("sections[%d].questions[%d]", i, j)
			typ, params, valueType := "", "", ""
			switch q.Type {
			case survey.SingleChoice, survey.MultipleChoice:
				if q.Key == yesNoList {
					r.add(path+".key", "XLSForm names its yes/no list %s, so a choice question cannot have that key", yesNoList)
				}
				typ = "select_one " + q.Key
				if q.Type == survey.MultipleChoice {
					typ = "select_multiple " + q.Key
				}
				for _, o := range q.Options {
					choices = append(choices, append([]any{q.Key, o.Key}, texts(o.Label, o.LabelTranslations)...))
				}
			case survey.Boolean:
				typ, valueType, hasBoolean = "select_one "+yesNoList, "boolean", true
			case survey.Integer:
				typ = "integer"
			case survey.Number:
				typ = "decimal"
			case survey.Percentage:
				typ, valueType = "decimal", "percentage"
			case survey.Scale:
				typ, params = "range", fmt.Sprintf("start=1 end=%d step=1", *q.Constraints.ScaleSize)
			case survey.Text:
				typ = "text"
			case survey.Date:
				typ = "date"
			default:
				r.add(path+".type", "the type %s has no XLSForm form", q.Type)
			}
			relevant := ""
			if c := q.Condition; c != nil {
				var err error
				if relevant, err = xlsRelevant(*c, byKey[c.Question]); err != nil {
					r.add(path+".condition", "%v", err)
				}
			}
			required := ""
			if q.Required {
				required = "yes"
			}
			constraint := ""
			if q.Type != survey.Scale {
				constraint = xlsConstraint(q)
			}
			row := append([]any{typ, q.Key}, texts(q.Prompt, q.PromptTranslations)...)
			row = append(row, texts(q.Help, q.HelpTranslations)...)
			rows = append(rows, append(row, required, relevant, constraint, params, q.Unit, valueType))
			byKey[q.Key] = q
		}
		rows = append(rows, []any{"end group"})
	}
	if hasBoolean {
		yes, no := make([]string, len(langs)), make([]string, len(langs))
		yes[0], no[0] = "Yes", "No"
		choices = append(choices, append([]any{yesNoList, "yes"}, toAny(yes)...), append([]any{yesNoList, "no"}, toAny(no)...))
	}
	if err := r.err("the survey cannot be written as XLSForm"); err != nil {
		return nil, err
	}
	settings := [][]any{{"form_title", "description", "default_language"}, {s.Title, s.Description, languageName(survey.English)}}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "survey"); err != nil {
		return nil, fmt.Errorf("name the survey sheet: %w", err)
	}
	for _, sheet := range []struct {
		name string
		rows [][]any
	}{{"survey", rows}, {"choices", choices}, {"settings", settings}} {
		if sheet.name != "survey" {
			if _, err := f.NewSheet(sheet.name); err != nil {
				return nil, fmt.Errorf("add the %s sheet: %w", sheet.name, err)
			}
		}
		for i, row := range sheet.rows {
			// Every cell is a string, so that 1995 and 2026-12-31 stay what they are.
			cells := make([]any, len(row))
			for k, v := range row {
				cells[k] = fmt.Sprint(v)
			}
			if err := f.SetSheetRow(sheet.name, "A"+strconv.Itoa(i+1), &cells); err != nil {
				return nil, fmt.Errorf("write the %s sheet: %w", sheet.name, err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("write the workbook: %w", err)
	}
	return buf.Bytes(), nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// sheet is one sheet of an XLSForm as read: its header by column name, and
// its rows of strings.
type sheet struct {
	name   string
	header []string       // normalized column names, by index
	col    map[string]int // index by normalized name
	rows   [][]string     // rows[0] is the header
}

func (sh *sheet) get(row int, name string) string {
	i, ok := sh.col[name]
	if !ok || i >= len(sh.rows[row]) {
		return ""
	}
	return strings.TrimSpace(sh.rows[row][i])
}

// xlsReader reads an XLSForm workbook, collecting every refusal by sheet and cell.
type xlsReader struct {
	f *excelize.File
	r refusals
}

// at names a cell: survey!C5, and its column in the reason.
func (x *xlsReader) at(sh *sheet, row int, col string, format string, args ...any) {
	i, ok := sh.col[col]
	if !ok {
		i = 0
	}
	cell, _ := excelize.CoordinatesToCellName(i+1, row+1)
	x.r.add(sh.name+"!"+cell, "%s", col+": "+fmt.Sprintf(format, args...))
}

// FromXLSForm reads an XLSForm workbook into a questionnaire. A file that is not
// a workbook, is too big, or holds formulas, macros or external links is
// Malformed; what it says that cannot be kept is Invalid; both name the sheet and
// cell.
func FromXLSForm(data []byte) (survey.Survey, error) {
	if err := checkWorkbook(data); err != nil {
		return survey.Survey{}, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: MaxUnpackedBytes, UnzipXMLSizeLimit: MaxUnpackedBytes})
	if err != nil {
		return survey.Survey{}, survey.Errorf(survey.Malformed, "the file cannot be read as an XLSX workbook: %v", err)
	}
	defer f.Close()
	x := &xlsReader{f: f}
	names := f.GetSheetList()
	for _, n := range names {
		switch strings.ToLower(n) {
		case "external_choices", "entities", "osm":
			x.r.add(n, "the XLSForm sheet %s has no counterpart here and would be lost", n)
		}
	}
	sheets := map[string]*sheet{}
	for _, want := range []string{"survey", "choices", "settings"} {
		for _, n := range names {
			if strings.EqualFold(n, want) {
				sh, err := x.readSheet(n)
				if err != nil {
					return survey.Survey{}, err
				}
				sheets[want] = sh
			}
		}
	}
	if err := x.r.err("the workbook holds what cannot be read"); err != nil {
		e := err.(*survey.Error)
		e.Code = survey.Malformed
		return survey.Survey{}, e
	}
	if sheets["survey"] == nil {
		return survey.Survey{}, survey.Errorf(survey.Malformed, "an XLSForm needs a sheet named survey; this workbook has %s", quoteList(names))
	}
	s, loc := x.read(sheets)
	if err := x.r.err("the XLSForm has elements that cannot be kept"); err != nil {
		return survey.Survey{}, err
	}
	return s, validate(s, loc.name, "the XLSForm does not make a valid survey")
}

// checkWorkbook looks inside the zip before anything unpacks it: its size
// unpacked, and macros or links to other workbooks, which are refused.
func checkWorkbook(data []byte) error {
	if len(data) > MaxFileBytes {
		return survey.Errorf(survey.Malformed, "the file has %d bytes; at most %d are taken", len(data), MaxFileBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return survey.Errorf(survey.Malformed, "the file is not an XLSX workbook (not a zip archive): %v", err)
	}
	if len(zr.File) > maxZipParts {
		return survey.Errorf(survey.Malformed, "the workbook has %d parts; at most %d are taken", len(zr.File), maxZipParts)
	}
	var total uint64
	var p survey.Problems
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		name := strings.ToLower(zf.Name)
		switch {
		case strings.Contains(name, "vbaproject"):
			p.Add(zf.Name, "the workbook holds macros (%s); save it as .xlsx without them", zf.Name)
		case strings.HasPrefix(name, "xl/externallinks/"):
			p.Add(zf.Name, "the workbook links to other workbooks (%s); copy the values in instead", zf.Name)
		}
	}
	if total > MaxUnpackedBytes {
		return survey.Errorf(survey.Malformed, "the workbook unpacks to %d bytes; at most %d are taken", total, MaxUnpackedBytes)
	}
	if len(p) == 0 {
		p = formulas(zr)
	}
	if len(p) > 0 {
		return &survey.Error{Code: survey.Malformed, Message: "the workbook holds macros, external links or formulas", Fields: p}
	}
	return nil
}

// formulas finds every cell that holds a formula, by sheet and cell, reading the
// worksheets' XML as it streams out of the zip: a value computed by a formula is
// not a value the secretariat wrote, and may differ in every program that opens
// the file.
func formulas(zr *zip.Reader) survey.Problems {
	parts := map[string]*zip.File{}
	for _, zf := range zr.File {
		parts[zf.Name] = zf
	}
	// The sheet names, by the path of their part: workbook.xml names each sheet
	// and its relationship id, workbook.xml.rels maps the id to the part.
	targets := map[string]string{}
	readXML(parts["xl/_rels/workbook.xml.rels"], func(se xml.StartElement, _ *xml.Decoder) {
		if se.Name.Local == "Relationship" {
			t := attr(se, "Target")
			if !strings.HasPrefix(t, "/") {
				t = "xl/" + t
			}
			targets[attr(se, "Id")] = strings.TrimPrefix(path.Clean(t), "/")
		}
	})
	var p survey.Problems
	readXML(parts["xl/workbook.xml"], func(se xml.StartElement, _ *xml.Decoder) {
		if se.Name.Local != "sheet" {
			return
		}
		name, part := attr(se, "name"), targets[attr(se, "id")]
		cell := ""
		readXML(parts[part], func(se xml.StartElement, d *xml.Decoder) {
			switch se.Name.Local {
			case "c":
				cell = attr(se, "r")
			case "f":
				var f string
				_ = d.DecodeElement(&f, &se)
				p.Add(name+"!"+cell, "the cell holds a formula (=%s); write its value instead", f)
			}
		})
	})
	return p
}

// readXML calls visit for every start element of a part; a part missing or
// unreadable is left to excelize to refuse.
func readXML(zf *zip.File, visit func(xml.StartElement, *xml.Decoder)) {
	if zf == nil {
		return
	}
	rc, err := zf.Open()
	if err != nil {
		return
	}
	defer rc.Close()
	d := xml.NewDecoder(io.LimitReader(rc, MaxUnpackedBytes))
	for {
		tok, err := d.Token()
		if err != nil {
			return
		}
		if se, ok := tok.(xml.StartElement); ok {
			visit(se, d)
		}
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

var languageColumn = regexp.MustCompile(`^(label|hint)::(.*)$`)

// readSheet reads a sheet, refusing formulas and cells outside the header.
func (x *xlsReader) readSheet(name string) (*sheet, error) {
	rows, err := x.f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, survey.Errorf(survey.Malformed, "the sheet %s cannot be read: %v", name, err)
	}
	if len(rows) > MaxSheetRows+1 {
		return nil, survey.Errorf(survey.Malformed, "the sheet %s has %d rows; at most %d are taken", name, len(rows), MaxSheetRows)
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	if width > 100 {
		return nil, survey.Errorf(survey.Malformed, "the sheet %s has %d columns; at most 100 are taken", name, width)
	}
	for r := range rows {
		for c := range rows[r] {
			if !storable(rows[r][c]) {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				x.r.add(name+"!"+cell, "the cell holds a NUL character or invalid UTF-8")
			}
		}
	}
	sh := &sheet{name: name, rows: rows, col: map[string]int{}}
	if len(rows) == 0 {
		sh.rows = [][]string{{}}
	}
	for i, h := range sh.rows[0] {
		h = strings.ToLower(strings.Join(strings.Fields(h), " "))
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if m := languageColumn.FindStringSubmatch(h); m != nil {
			lang := strings.TrimSpace(m[2])
			if open, end := strings.LastIndex(lang, "("), strings.LastIndex(lang, ")"); open >= 0 && end > open {
				lang = lang[open+1 : end]
			}
			lang = survey.NormalizeLanguage(lang)
			if !survey.ValidLanguage(lang) {
				x.r.add(name+"!"+cell, "%s: name the language by its code, as %s::French (fr)", h, m[1])
			}
			h = m[1] + "::" + lang
			if lang == survey.English {
				h = m[1]
			}
		}
		if _, dup := sh.col[h]; dup && h != "" {
			x.r.add(name+"!"+cell, "%s: the column appears twice", h)
		}
		sh.header = append(sh.header, h)
		if h != "" {
			sh.col[h] = i
		}
	}
	for r := 1; r < len(rows); r++ {
		for c, v := range rows[r] {
			if strings.TrimSpace(v) != "" && (c >= len(sh.header) || sh.header[c] == "") {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				x.r.add(name+"!"+cell, "the cell has a value but its column has no header")
			}
		}
	}
	return sh, nil
}

// unknownColumns refuses each column outside allowed that holds a value.
func (x *xlsReader) unknownColumns(sh *sheet, allowed func(string) bool) {
	for i, h := range sh.header {
		if h == "" || allowed(h) {
			continue
		}
		for r := 1; r < len(sh.rows); r++ {
			if i < len(sh.rows[r]) && strings.TrimSpace(sh.rows[r][i]) != "" {
				x.at(sh, r, h, "the XLSForm column %s has no counterpart here and would be lost", h)
				break
			}
		}
	}
}

// locator maps the paths of the domain back to cells.
type locator struct {
	survey, choices *sheet
	settings        *sheet // nil when the workbook has none
	secRow          []int
	qRow            [][]int
	optRow          [][][]int
}

func (l locator) name(path string) string {
	sec, q, opt, rest := domainPath(path)
	cell := func(sh *sheet, row int, col string) string {
		i, ok := sh.col[col]
		if !ok {
			i = 0
		}
		c, _ := excelize.CoordinatesToCellName(i+1, row+1)
		return sh.name + "!" + c
	}
	if sec < 0 {
		if (path == "title" || path == "description") && l.settings != nil {
			col := map[string]string{"title": "form_title", "description": "description"}[path]
			return cell(l.settings, 1, col) + " (" + col + ")"
		}
		return path
	}
	column := func(rest string) string {
		base, lang, _ := strings.Cut(rest, ".")
		switch base {
		case "key":
			return "name"
		case "prompt", "title", "label":
			return "label"
		case "help", "description":
			return "hint"
		case "prompt_translations", "title_translations", "label_translations":
			return "label::" + lang
		case "help_translations", "description_translations":
			return "hint::" + lang
		case "required", "unit":
			return base
		case "condition":
			return "relevant"
		case "options", "type":
			return "type"
		case "constraints":
			if lang == "scale_size" {
				return "parameters"
			}
			return "constraint"
		}
		return "type"
	}
	switch {
	case opt >= 0 && sec < len(l.optRow) && q < len(l.optRow[sec]) && opt < len(l.optRow[sec][q]):
		col := column(rest)
		return cell(l.choices, l.optRow[sec][q][opt], col) + " (" + col + ")"
	case q >= 0 && sec < len(l.qRow) && q < len(l.qRow[sec]):
		col := column(rest)
		return cell(l.survey, l.qRow[sec][q], col) + " (" + col + ")"
	case sec < len(l.secRow):
		col := column(rest)
		return cell(l.survey, l.secRow[sec], col) + " (" + col + ")"
	}
	return path
}

var surveyColumns = []string{"type", "name", "label", "hint", "required", "relevant", "constraint", "parameters", xlsUnit, xlsValueType}

// read turns the sheets into a survey and the locator of its parts.
func (x *xlsReader) read(sheets map[string]*sheet) (survey.Survey, locator) {
	sv := sheets["survey"]
	ch := sheets["choices"]
	if ch == nil {
		ch = &sheet{name: "choices", col: map[string]int{}, rows: [][]string{{}}}
	}
	loc := locator{survey: sv, choices: ch, settings: sheets["settings"]}
	s := survey.Survey{Topics: []string{}, Policy: survey.DefaultResultsPolicy()}
	if st := sheets["settings"]; st != nil && len(st.rows) > 1 {
		s.Title, s.Description = st.get(1, "form_title"), st.get(1, "description")
		if dl := st.get(1, "default_language"); dl != "" && dl != "English (en)" && !strings.EqualFold(dl, "en") && !strings.EqualFold(dl, "english") {
			x.at(st, 1, "default_language", "the default language is English here; put other languages beside it in label::Language (code) columns")
		}
		x.unknownColumns(st, func(h string) bool {
			return slices.Contains([]string{"form_title", "description", "default_language", "form_id", "version"}, h)
		})
	}
	if s.Title == "" {
		x.r.add("settings", "form_title: the settings sheet must give the survey a title in form_title")
	}
	isText := func(h string) bool { return strings.HasPrefix(h, "label::") || strings.HasPrefix(h, "hint::") }
	x.unknownColumns(sv, func(h string) bool { return slices.Contains(surveyColumns, h) || isText(h) })
	x.unknownColumns(ch, func(h string) bool {
		return h == "list_name" || h == "name" || h == "label" || strings.HasPrefix(h, "label::")
	})
	texts := func(sh *sheet, row int, base string) (string, survey.Translations) {
		tr := survey.Translations{}
		for _, h := range sh.header {
			if lang, ok := strings.CutPrefix(h, base+"::"); ok {
				if v := sh.get(row, h); v != "" {
					tr[lang] = v
				}
			}
		}
		if len(tr) == 0 {
			tr = nil
		}
		return sh.get(row, base), tr
	}
	// The choice lists, in order, with the row of each choice.
	lists := map[string][]choice{}
	for r := 1; r < len(ch.rows); r++ {
		list, name := ch.get(r, "list_name"), ch.get(r, "name")
		if list == "" && name == "" {
			continue
		}
		if list == "" {
			x.at(ch, r, "list_name", "a choice needs the name of its list")
			continue
		}
		o := survey.Option{Key: name}
		o.Label, o.LabelTranslations = texts(ch, r, "label")
		lists[list] = append(lists[list], choice{o, r})
	}
	earlier := map[string]survey.Question{}
	var sec *survey.Section
	for r := 1; r < len(sv.rows); r++ {
		typ := strings.ToLower(strings.Join(strings.Fields(sv.get(r, "type")), " "))
		typ = strings.ReplaceAll(strings.ReplaceAll(typ, "begin_group", "begin group"), "end_group", "end group")
		if typ == "" {
			if sv.get(r, "name") != "" || sv.get(r, "label") != "" {
				x.at(sv, r, "type", "a row with a name or label needs a type")
			}
			continue
		}
		switch {
		case typ == "begin group":
			if sec != nil {
				x.at(sv, r, "type", "groups cannot be nested: a group is a section here; end group %s first", sec.Key)
				continue
			}
			s.Sections = append(s.Sections, survey.Section{Key: sv.get(r, "name")})
			sec = &s.Sections[len(s.Sections)-1]
			sec.Title, sec.TitleTranslations = texts(sv, r, "label")
			sec.Description, sec.DescriptionTranslations = texts(sv, r, "hint")
			for _, col := range []string{"required", "relevant", "constraint", "parameters", xlsUnit, xlsValueType} {
				if sv.get(r, col) != "" {
					x.at(sv, r, col, "a group (a section) takes no %s", col)
				}
			}
			loc.secRow = append(loc.secRow, r)
			loc.qRow = append(loc.qRow, nil)
			loc.optRow = append(loc.optRow, nil)
			continue
		case typ == "end group":
			if sec == nil {
				x.at(sv, r, "type", "end group without a begin group")
			}
			sec = nil
			continue
		case sec == nil:
			x.at(sv, r, "type", "every question belongs to a section here: put it between begin group and end group")
			continue
		}
		q, optRows := x.question(sv, r, typ, texts, lists)
		if rel := sv.get(r, "relevant"); rel != "" {
			c, err := parseRelevant(rel, earlier)
			if err != nil {
				x.at(sv, r, "relevant", "%v", err)
			}
			q.Condition = c
		}
		if _, dup := earlier[q.Key]; !dup && q.Key != "" {
			earlier[q.Key] = q
		}
		sec.Questions = append(sec.Questions, q)
		loc.qRow[len(loc.qRow)-1] = append(loc.qRow[len(loc.qRow)-1], r)
		loc.optRow[len(loc.optRow)-1] = append(loc.optRow[len(loc.optRow)-1], optRows)
	}
	if sec != nil {
		x.at(sv, loc.secRow[len(loc.secRow)-1], "type", "begin group %s has no end group", sec.Key)
	}
	return s, loc
}

// choice is one row of the choices sheet.
type choice struct {
	opt survey.Option
	row int
}

// question reads one question row, and returns the rows of its options.
func (x *xlsReader) question(sv *sheet, r int, typ string, texts func(*sheet, int, string) (string, survey.Translations),
	lists map[string][]choice) (survey.Question, []int) {
	var optRows []int
	q := survey.Question{Key: sv.get(r, "name")}
	q.Prompt, q.PromptTranslations = texts(sv, r, "label")
	q.Help, q.HelpTranslations = texts(sv, r, "hint")
	switch strings.ToLower(sv.get(r, "required")) {
	case "", "no", "false", "false()", "0":
	case "yes", "true", "true()", "1":
		q.Required = true
	default:
		x.at(sv, r, "required", "must be yes or no")
	}
	valueType := strings.ToLower(sv.get(r, xlsValueType))
	q.Unit = sv.get(r, xlsUnit)
	kind, list, _ := strings.Cut(typ, " ")
	switch kind {
	case "select_one", "select_multiple":
		if strings.Contains(list, " ") {
			x.at(sv, r, "type", "%q: or_other and choice lists from files have no counterpart here", typ)
			return q, nil
		}
		if _, ok := lists[list]; !ok {
			x.at(sv, r, "type", "the choices sheet has no list named %s", list)
		}
		q.Type = survey.SingleChoice
		if kind == "select_multiple" {
			q.Type = survey.MultipleChoice
		}
		switch {
		case valueType == "boolean" && kind == "select_one":
			names := []string{}
			for _, c := range lists[list] {
				names = append(names, c.opt.Key)
			}
			if !slices.Equal(names, []string{"yes", "no"}) {
				x.at(sv, r, xlsValueType, "a boolean is asked with a list of exactly yes and no; %s has %s", list, quoteList(names))
			}
			q.Type = survey.Boolean
		case valueType != "":
			x.at(sv, r, xlsValueType, "%s cannot be %q; only a select_one of yes and no can be boolean", typ, valueType)
		default:
			for _, c := range lists[list] {
				q.Options = append(q.Options, c.opt)
				optRows = append(optRows, c.row)
			}
		}
	case "integer", "decimal", "range", "text", "date":
		if list != "" {
			x.at(sv, r, "type", "%q is not an XLSForm type", typ)
		}
		q.Type = map[string]survey.QuestionType{"integer": survey.Integer, "decimal": survey.Number, "range": survey.Scale,
			"text": survey.Text, "date": survey.Date}[kind]
		switch {
		case valueType == "percentage" && kind == "decimal":
			q.Type = survey.Percentage
		case valueType != "":
			x.at(sv, r, xlsValueType, "%s cannot be %q; only a decimal can be a percentage", typ, valueType)
		}
	default:
		x.at(sv, r, "type", "the XLSForm type %q has no counterpart here; select_one, select_multiple, integer, decimal, range, text, date and groups have", typ)
		return q, nil
	}
	params := sv.get(r, "parameters")
	switch {
	case q.Type == survey.Scale:
		size, err := rangeParameters(params)
		if err != nil {
			x.at(sv, r, "parameters", "%v", err)
		}
		q.Constraints.ScaleSize = size
	case params != "":
		x.at(sv, r, "parameters", "only a range takes parameters here")
	}
	if c := sv.get(r, "constraint"); c != "" {
		if q.Type == survey.Scale || q.Type == survey.Boolean {
			x.at(sv, r, "constraint", "a %s question takes no constraint here", q.Type)
		} else if err := parseConstraint(c, q.Type, &q.Constraints); err != nil {
			x.at(sv, r, "constraint", "%v", err)
		}
	}
	return q, optRows
}

// rangeParameters reads "start=1 end=5 step=1": a scale here runs from 1 in steps of 1.
func rangeParameters(p string) (*int, error) {
	vals := map[string]string{"start": "1", "step": "1"}
	for _, f := range strings.Fields(p) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || (k != "start" && k != "end" && k != "step") {
			return nil, fmt.Errorf("%q: a range takes start=1 end=N step=1", f)
		}
		vals[k] = v
	}
	if vals["start"] != "1" || vals["step"] != "1" {
		return nil, fmt.Errorf("a scale here runs from 1 in steps of 1 (start=1 step=1)")
	}
	end, err := strconv.Atoi(vals["end"])
	if err != nil {
		return nil, fmt.Errorf("a range needs end=N, the top of its 1..N scale")
	}
	return &end, nil
}
