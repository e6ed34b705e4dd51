package export

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestTextGuardsFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":               "'=1+1",
		"+31 20 555":         "'+31 20 555",
		"-2":                 "'-2", // text that looks like a number is still text
		"@SUM(A1)":           "'@SUM(A1)",
		"\tx":                "'\tx",
		"\rx":                "'\rx",
		"plain":              "plain",
		"":                   "",
		"a=b":                "a=b",
		"'already":           "'already",
		"ünïcode = harmless": "ünïcode = harmless",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCells(t *testing.T) {
	var buf bytes.Buffer
	w, err := New(CSV, &buf, "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Header("a", "b", "c", "d", "e"); err != nil {
		t.Fatal(err)
	}
	if err := w.Row(-5.25, 3, true, nil, "=cmd|' /C calc'!A0"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-5.25", "3", "true", "", "'=cmd|' /C calc'!A0"}
	for i, v := range want {
		if rows[1][i] != v {
			t.Fatalf("cell %d = %q, want %q (%q)", i, rows[1][i], v, rows[1])
		}
	}
}

func TestXLSXCells(t *testing.T) {
	var buf bytes.Buffer
	w, err := New(XLSX, &buf, "results")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Header("a", "b", "c", "d"); err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if err := w.Row(-5.25, "=1+1", true, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	if name := f.GetSheetName(0); name != "results" {
		t.Fatalf("sheet %q", name)
	}
	rows, err := f.GetRows("results")
	if err != nil || len(rows) != 1001 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if v, _ := f.GetCellValue("results", "B1000"); v != "=1+1" {
		t.Fatalf("text %q", v)
	}
	if formula, _ := f.GetCellFormula("results", "B1000"); formula != "" {
		t.Fatalf("text became the formula %q", formula)
	}
	if v, _ := f.GetCellValue("results", "A2"); v != "-5.25" {
		t.Fatalf("number %q", v)
	}
	if v, _ := f.GetCellValue("results", "C2"); v != "TRUE" {
		t.Fatalf("boolean %q", v)
	}
}
