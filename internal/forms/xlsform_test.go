package forms

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tldcouncil/surveyd/internal/survey"
)

func TestXLSFormRoundTrip(t *testing.T) {
	for name, want := range map[string]survey.Survey{"with translations": sample(), "English only": englishOnly(sample())} {
		t.Run(name, func(t *testing.T) {
			book, err := ToXLSForm(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := FromXLSForm(book)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				a, _ := json.MarshalIndent(got, "", " ")
				b, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("the round trip changed the survey:\n got %s\nwant %s", a, b)
			}
		})
	}
}

func englishOnly(s survey.Survey) survey.Survey {
	for i := range s.Sections {
		sec := &s.Sections[i]
		sec.TitleTranslations, sec.DescriptionTranslations = nil, nil
		for j := range sec.Questions {
			q := &sec.Questions[j]
			q.PromptTranslations, q.HelpTranslations = nil, nil
			for k := range q.Options {
				q.Options[k].LabelTranslations = nil
			}
		}
	}
	return s
}

// TestXLSFormImportsAHandMadeForm reads testdata/kobo-style.xlsx, written in a
// spreadsheet as a secretariat would: KoboToolbox's language columns, a yes/no
// list used as a plain choice, required as TRUE, and the settings sheet.
func TestXLSFormImportsAHandMadeForm(t *testing.T) {
	data, err := os.ReadFile("testdata/kobo-style.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromXLSForm(data)
	if err != nil {
		t.Fatal(err)
	}
	want := survey.Survey{Title: "Domain suspensions", Description: "Legal work group", Topics: []string{}, Policy: survey.DefaultResultsPolicy(),
		Sections: []survey.Section{{Key: "practice", Title: "Practice", TitleTranslations: survey.Translations{"fr": "Pratique"}, Questions: []survey.Question{
			{Key: "suspends", Type: survey.SingleChoice, Prompt: "Do you suspend domains?", PromptTranslations: survey.Translations{"fr": "Suspendez-vous des domaines ?"},
				Required: true, Options: []survey.Option{{Key: "yes", Label: "Yes", LabelTranslations: survey.Translations{"fr": "Oui"}}, {Key: "no", Label: "No", LabelTranslations: survey.Translations{"fr": "Non"}}}},
			{Key: "per_year", Type: survey.Integer, Prompt: "How many a year?", Help: "Last calendar year.", HelpTranslations: survey.Translations{"fr": "L'année civile passée."},
				Condition:   &survey.Condition{Question: "suspends", Operator: survey.OpEquals, Value: "yes"},
				Constraints: survey.Constraints{Min: ptr(0.0)}},
			{Key: "grounds", Type: survey.MultipleChoice, Prompt: "On what grounds?", Condition: &survey.Condition{Question: "per_year", Operator: survey.OpAtLeast, Value: 1.0},
				Options:     []survey.Option{{Key: "court_order", Label: "Court order"}, {Key: "abuse", Label: "Abuse"}, {Key: "wrong_data", Label: "Wrong registration data"}},
				Constraints: survey.Constraints{MinSelections: ptr(1)}},
			{Key: "policy_since", Type: survey.Date, Prompt: "Policy in force since", Constraints: survey.Constraints{MinDate: ptr("1990-01-01")}},
			{Key: "clarity", Type: survey.Scale, Prompt: "How clear is the law?", Constraints: survey.Constraints{ScaleSize: ptr(5)},
				Condition: &survey.Condition{Question: "grounds", Operator: survey.OpOneOf, Values: []any{"court_order", "abuse"}}},
		}}}}
	if !reflect.DeepEqual(got, want) {
		a, _ := json.MarshalIndent(got, "", " ")
		b, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("got %s\nwant %s", a, b)
	}
}

// book writes a workbook of sheets given as rows of cells; edit may change it
// further (formulas) before it is saved.
func book(t *testing.T, sheets map[string][][]string, edit func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	first := true
	for _, name := range []string{"survey", "choices", "settings", "notes", "external_choices"} {
		rows, ok := sheets[name]
		if !ok {
			continue
		}
		if first {
			_ = f.SetSheetName("Sheet1", name)
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			cells := make([]any, len(row))
			for k, v := range row {
				cells[k] = v
			}
			if err := f.SetSheetRow(name, "A"+strconv.Itoa(i+1), &cells); err != nil {
				t.Fatal(err)
			}
		}
	}
	if edit != nil {
		edit(f)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withPart adds a part to the zip of a workbook.
func withPart(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, _ := zw.Create(f.Name)
		r, _ := f.Open()
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		_, _ = w.Write(b.Bytes())
	}
	w, _ := zw.Create(name)
	_, _ = w.Write([]byte("x"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestXLSFormImportRefuses(t *testing.T) {
	settings := [][]string{{"form_title"}, {"T"}}
	head := []string{"type", "name", "label", "required", "relevant", "constraint"}
	form := func(rows ...[]string) map[string][][]string {
		return map[string][][]string{"survey": append([][]string{head, {"begin group", "g", "G"}}, append(rows, []string{"end group"})...),
			"choices": {{"list_name", "name", "label"}, {"yn", "yes", "Yes"}, {"yn", "no", "No"}}, "settings": settings}
	}
	good := form([]string{"integer", "n", "N"})
	big := form()
	for i := range MaxSheetRows + 1 {
		big["survey"] = append(big["survey"], []string{"integer", "n" + strconv.Itoa(i), "N"})
	}
	for _, tc := range []struct {
		name   string
		file   []byte
		code   survey.Code
		field  string
		reason string
	}{
		{"not a zip", []byte("type,name\ninteger,n\n"), survey.Malformed, "", "not an XLSX"},
		{"no survey sheet", book(t, map[string][][]string{"notes": {{"x"}}}, nil), survey.Malformed, "", "sheet named survey"},
		{"formula", book(t, good, func(f *excelize.File) { _ = f.SetCellFormula("survey", "C3", `CONCAT("N","")`) }), survey.Malformed, "survey!C3", "formula"},
		{"macros", withPart(t, book(t, good, nil), "xl/vbaProject.bin"), survey.Malformed, "xl/vbaProject.bin", "macros"},
		{"external link", withPart(t, book(t, good, nil), "xl/externalLinks/externalLink1.xml"), survey.Malformed, "xl/externalLinks/externalLink1.xml", "other workbooks"},
		{"too many rows", book(t, big, nil), survey.Malformed, "", "at most 2000"},
		{"too big", make([]byte, MaxFileBytes+1), survey.Malformed, "", "at most"},
		{"unknown type", book(t, form([]string{"geopoint", "where", "Where"}), nil), survey.Invalid, "survey!A3", "geopoint"},
		{"note", book(t, form([]string{"note", "hello", "Hello"}), nil), survey.Invalid, "survey!A3", "note"},
		{"unknown column with values", book(t, map[string][][]string{"survey": {{"type", "name", "label", "calculation"}, {"begin group", "g", "G"}, {"integer", "n", "N", "1+1"}, {"end group"}}, "settings": settings}, nil),
			survey.Invalid, "survey!D3", "calculation"},
		{"value under no header", book(t, map[string][][]string{"survey": {{"type", "name", "label"}, {"begin group", "g", "G"}, {"integer", "n", "N", "stray"}, {"end group"}}, "settings": settings}, nil),
			survey.Malformed, "survey!D3", "no header"},
		{"question outside a group", book(t, map[string][][]string{"survey": {head, {"integer", "n", "N"}}, "settings": settings}, nil), survey.Invalid, "survey!A2", "between begin group"},
		{"nested group", book(t, form([]string{"begin group", "h", "H"}), nil), survey.Invalid, "survey!A3", "nested"},
		{"unknown list", book(t, form([]string{"select_one colours", "c", "C"}), nil), survey.Invalid, "survey!A3", "no list named colours"},
		{"or_other", book(t, form([]string{"select_one yn or_other", "c", "C"}), nil), survey.Invalid, "survey!A3", "or_other"},
		{"bad relevant", book(t, form([]string{"select_one yn", "a", "A"}, []string{"integer", "n", "N", "", "${a} = 'yes' and ${b} = 1"}), nil), survey.Invalid, "survey!E4", "one question"},
		{"relevant on a later question", book(t, form([]string{"integer", "n", "N", "", "${a} = 'yes'"}, []string{"select_one yn", "a", "A"}), nil), survey.Invalid, "survey!E3", "earlier"},
		{"bad constraint", book(t, form([]string{"integer", "n", "N", "", "", ". > 5"}), nil), survey.Invalid, "survey!F3", "only >= and <="},
		{"constraint of another type", book(t, form([]string{"text", "n", "N", "", "", "count-selected(.) >= 1"}), nil), survey.Invalid, "survey!F3 (constraint)", "only to multiple_choice"},
		{"required maybe", book(t, form([]string{"integer", "n", "N", "maybe"}), nil), survey.Invalid, "survey!D3", "yes or no"},
		{"no title", book(t, map[string][][]string{"survey": good["survey"]}, nil), survey.Invalid, "settings", "form_title"},
		{"bad key", book(t, form([]string{"integer", "N-1", "N"}), nil), survey.Invalid, "survey!B3 (name)", "snake_case"},
		{"no label", book(t, form([]string{"integer", "n", ""}), nil), survey.Invalid, "survey!C3 (label)", "required"},
		{"duplicate choice", book(t, map[string][][]string{"survey": form([]string{"select_one yn", "a", "A"})["survey"],
			"choices": {{"list_name", "name", "label"}, {"yn", "yes", "Yes"}, {"yn", "yes", "Yes again"}}, "settings": settings}, nil),
			survey.Invalid, "choices!B3 (name)", "used twice"},
		{"language without code", book(t, map[string][][]string{"survey": {{"type", "name", "label", "label::Français"}, {"begin group", "g", "G"}, {"end group"}}, "settings": settings}, nil),
			survey.Malformed, "survey!D1", "by its code"},
		{"external choices", book(t, map[string][][]string{"survey": good["survey"], "settings": settings, "external_choices": {{"list_name"}}}, nil),
			survey.Malformed, "external_choices", "would be lost"},
		{"a title too long", book(t, map[string][][]string{"survey": good["survey"], "settings": {{"form_title"}, {strings.Repeat("T", 301)}}}, nil),
			survey.Invalid, "settings!A2 (form_title)", "at most 300"},
		{"another default language", book(t, map[string][][]string{"survey": good["survey"], "settings": {{"form_title", "default_language"}, {"T", "French (fr)"}}}, nil),
			survey.Invalid, "settings!B2", "English"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromXLSForm(tc.file)
			checkRefusal(t, err, tc.code, tc.field, tc.reason)
		})
	}
	if _, err := FromXLSForm(book(t, good, nil)); err != nil {
		t.Fatalf("the good form is refused: %v", err)
	}
}
