// Package export writes tables as CSV and XLSX, one row at a time, so that a
// table of any length is written in constant memory. A cell is nil (blank), a
// string, a float64, an int or a bool.
package export

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Format is the format of an exported file.
type Format string

// The formats a table can be written in.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// XLSXMediaType is the media type of an Excel workbook, whatever it holds: an
// export, or a questionnaire as XLSForm.
const XLSXMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// MediaType is the Content-Type of the format.
func (f Format) MediaType() string {
	if f == XLSX {
		return XLSXMediaType
	}
	return "text/csv; charset=utf-8"
}

// Writer takes the rows of one table, headers first, and writes them out. Close
// ends the table; nothing is complete before it returns nil.
type Writer interface {
	Header(cells ...any) error
	Row(cells ...any) error
	Close() error
}

// New returns a writer of the format onto w. sheet names the XLSX sheet.
func New(f Format, w io.Writer, sheet string) (Writer, error) {
	if f == XLSX {
		return newXLSX(w, sheet)
	}
	return &csvWriter{w: csv.NewWriter(w)}, nil
}

// csvWriter writes RFC 4180 CSV. A text cell that a spreadsheet would take for a
// formula is neutralised (see Text).
type csvWriter struct {
	w    *csv.Writer
	rows int
	buf  []string
}

func (c *csvWriter) Header(cells ...any) error { return c.Row(cells...) }

func (c *csvWriter) Row(cells ...any) error {
	c.buf = c.buf[:0]
	for _, v := range cells {
		c.buf = append(c.buf, cellText(v))
	}
	if err := c.w.Write(c.buf); err != nil {
		return err
	}
	// Flush now and then, so that the client receives the file as it is made.
	if c.rows++; c.rows%256 == 0 {
		c.w.Flush()
		return c.w.Error()
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// cellText formats one cell for CSV.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return Text(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	default:
		return Text(fmt.Sprint(v))
	}
}

// Text guards a text cell against CSV injection: a cell that begins with =, +,
// -, @, a tab or a carriage return would be read by a spreadsheet as a formula
// (or the start of one), so it gets a leading apostrophe, which spreadsheets
// show as text and which a reader of the CSV can strip. Numbers are written by
// the writer itself and never pass through here, so -5 stays a number.
func Text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// xlsxWriter writes one sheet with excelize's stream writer, which keeps at
// most 16 MiB of rows in memory and spills the rest to a temporary file. On
// Close the archive is compressed straight onto the output (SetZipWriter), not
// assembled in memory first as excelize's own Write would. Text is written as
// inline strings, never as formulas, so it needs no guard.
type xlsxWriter struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	bold int
}

func newXLSX(w io.Writer, sheet string) (*xlsxWriter, error) {
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &xlsxWriter{f: f, sw: sw, bold: bold}, nil
}

func (x *xlsxWriter) Header(cells ...any) error {
	return x.write(cells, excelize.RowOpts{StyleID: x.bold})
}

func (x *xlsxWriter) Row(cells ...any) error { return x.write(cells) }

func (x *xlsxWriter) write(cells []any, opts ...excelize.RowOpts) error {
	x.row++
	at, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(at, cells, opts...)
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	// The archive goes to out through the zip writer set in newXLSX; what
	// excelize writes to its own buffer is nothing.
	return x.f.Write(io.Discard)
}
