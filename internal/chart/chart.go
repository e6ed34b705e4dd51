// Package chart draws the charts of results and trends as SVG or PNG, with
// go-analyze/charts, which needs no browser. Every chart reads in black and
// white: the member's own answer is marked by text and a marker (» and
// "yours"), lines differ by their symbols and are named in the legend, and the
// palette is shades of grey, so colour never carries meaning alone.
package chart

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-analyze/charts"
)

// Format is the format of a chart.
type Format string

// The formats a chart can be drawn in.
const (
	SVG Format = "svg"
	PNG Format = "png"
)

// MediaType is the Content-Type of the format.
func (f Format) MediaType() string {
	if f == PNG {
		return "image/png"
	}
	return "image/svg+xml"
}

// Width of every chart, in pixels.
const width = 800

// Bar is one option of a choice question.
type Bar struct {
	Label string
	Count int
	Share float64 // of the respondents, 0–1
	Mine  bool    // the viewer's member chose it
}

// Bars is a horizontal bar per option, the member's own choices marked.
type Bars struct {
	Title, Subtitle string
	Bars            []Bar
}

// Render draws the bars, the first option on top.
func (b Bars) Render(f Format) ([]byte, error) {
	n := len(b.Bars)
	values, labels := make([]float64, n), make([]string, n)
	for i, bar := range b.Bars {
		j := n - 1 - i // horizontal bars are drawn from the bottom up
		values[j], labels[j] = float64(bar.Count), bar.Label
		if bar.Mine {
			labels[j] = "» " + bar.Label
		}
	}
	opt := charts.NewBarChartOptionWithData([][]float64{values})
	opt.Horizontal = true
	opt.Theme = theme()
	opt.Title = title(b.Title, b.Subtitle)
	opt.Padding = charts.Box{Top: 20, Right: 140, Bottom: 20, Left: 20}
	opt.CategoryAxis.Labels = labels
	opt.ValueAxis = []charts.ValueAxisOption{countAxis(values)}
	opt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(true),
		LabelFormatter: inOrder(func(i int) (string, *charts.LabelStyle) {
			bar := b.Bars[n-1-i]
			text := fmt.Sprintf("%d (%s%%)", bar.Count, number(math.Round(1000*bar.Share)/10))
			if !bar.Mine {
				return text, nil
			}
			return text + "  « yours", mark()
		})}
	return draw(f, 160+44*n, func(p *charts.Painter) error { return p.BarChart(opt) })
}

// Bin is one bar of a histogram, values in [From, To).
type Bin struct {
	From, To float64
	Count    int
}

// Histogram is the distribution of a numeric question, the bin of the member's
// own answer marked.
type Histogram struct {
	Title, Subtitle string
	Bins            []Bin
	Own             *float64
}

// Render draws the histogram.
func (h Histogram) Render(f Format) ([]byte, error) {
	values, labels := make([]float64, len(h.Bins)), make([]string, len(h.Bins))
	mine := -1
	for i, b := range h.Bins {
		values[i], labels[i] = float64(b.Count), number(b.From)+"–"+number(b.To)
		last := i == len(h.Bins)-1
		if h.Own != nil && *h.Own >= b.From && (*h.Own < b.To || (last && *h.Own <= b.To)) {
			mine, labels[i] = i, "» "+labels[i]
		}
	}
	opt := charts.NewBarChartOptionWithData([][]float64{values})
	opt.Theme = theme()
	opt.Title = title(h.Title, h.Subtitle)
	opt.Padding = charts.Box{Top: 20, Right: 30, Bottom: 20, Left: 20}
	opt.CategoryAxis.Labels = labels
	opt.CategoryAxis.LabelCount = len(labels) // every bin named, the member's among them
	opt.ValueAxis = []charts.ValueAxisOption{countAxis(values)}
	if len(labels) > 6 {
		opt.CategoryAxis.LabelRotation = charts.DegreesToRadians(30)
	}
	opt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(true),
		LabelFormatter: inOrder(func(i int) (string, *charts.LabelStyle) {
			text := strconv.Itoa(h.Bins[i].Count)
			if i != mine {
				return text, nil
			}
			return text + " « yours", mark()
		})}
	return draw(f, 440, func(p *charts.Painter) error { return p.BarChart(opt) })
}

// Line is one line of a trend; a nil value is a gap.
type Line struct {
	Name   string
	Values []*float64
}

// Trend is lines over periods: each line has its own symbol (square, circle,
// diamond) and name in the legend.
type Trend struct {
	Title, Subtitle string
	Periods         []string
	Lines           []Line
}

// Render draws the trend.
func (t Trend) Render(f Format) ([]byte, error) {
	values := make([][]float64, len(t.Lines))
	names := make([]string, len(t.Lines))
	for i, l := range t.Lines {
		names[i] = l.Name
		values[i] = make([]float64, len(l.Values))
		for j, v := range l.Values {
			values[i][j] = charts.GetNullValue()
			if v != nil {
				values[i][j] = *v
			}
		}
	}
	opt := charts.NewLineChartOptionWithData(values)
	opt.Theme = theme()
	opt.Title = title(t.Title, t.Subtitle)
	opt.Padding = charts.Box{Top: 20, Right: 30, Bottom: 20, Left: 20}
	opt.XAxis.Labels = t.Periods
	if len(t.Periods) > 12 {
		opt.XAxis.LabelRotation = charts.DegreesToRadians(45)
	}
	opt.Legend = charts.LegendOption{SeriesNames: names, Offset: charts.OffsetRight}
	opt.LineStrokeWidth = 2
	shapes := []charts.SymbolShape{charts.SymbolSquare, charts.SymbolCircle, charts.SymbolDiamond}
	for i := range opt.SeriesList {
		opt.SeriesList[i].Symbol = charts.Symbol{Shape: shapes[i%len(shapes)], Size: 4 + float64(i%2)}
	}
	return draw(f, 440, func(p *charts.Painter) error { return p.LineChart(opt) })
}

// Notice is a chart that shows no figures, only why: a suppressed aggregate
// must not look like an empty chart.
func Notice(f Format, heading, text string) ([]byte, error) {
	return draw(f, 200, func(p *charts.Painter) error {
		p.FilledRect(0, 0, width, 200, charts.ColorWhite, charts.ColorWhite, 0)
		p.FilledRect(10, 10, width-10, 190, charts.ColorWhite, charts.ColorBlack, 2)
		p.Text(heading, 30, 50, 0, charts.FontStyle{FontSize: 16, FontColor: charts.ColorBlack})
		y := 90
		for _, line := range wrap(text, 80) {
			p.Text(line, 30, y, 0, charts.FontStyle{FontSize: 14, FontColor: charts.ColorDarkGray})
			y += 24
		}
		return nil
	})
}

// draw renders a chart of the given height onto a painter of the format.
func draw(f Format, height int, fn func(*charts.Painter) error) ([]byte, error) {
	out := charts.ChartOutputSVG
	if f == PNG {
		out = charts.ChartOutputPNG
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: out, Width: width, Height: height, Theme: theme()})
	if err := fn(p); err != nil {
		return nil, err
	}
	return p.Bytes()
}

// countAxis is an axis of counts: from zero, so that a bar's length is its
// count, in whole steps.
func countAxis(values []float64) charts.ValueAxisOption {
	top := slices.Max(append([]float64{1}, values...))
	return charts.ValueAxisOption{Min: charts.Ptr(0.0), Max: charts.Ptr(math.Ceil(top * 1.1)), Unit: math.Max(1, math.Ceil(top/5)),
		ValueFormatter: func(f float64) string { return strconv.Itoa(int(math.Round(f))) }}
}

// inOrder adapts a label function of the bar's position to the library's
// formatter, which (in v0.6.4, against its documentation) is given the index
// of the series rather than of the bar, but is called once per bar, in order.
func inOrder(label func(int) (string, *charts.LabelStyle)) charts.SeriesLabelFormatter {
	next := 0
	return func(int, string, float64) (string, *charts.LabelStyle) {
		i := next
		next++
		return label(i)
	}
}

// mark is the style of the label of the member's own bar: boxed, in black.
func mark() *charts.LabelStyle {
	return &charts.LabelStyle{BorderColor: charts.ColorBlack, BorderWidth: 1, BackgroundColor: charts.ColorWhite,
		FontStyle: charts.FontStyle{FontColor: charts.ColorBlack, FontSize: 12}}
}

// theme is a grey palette: print in black and white and nothing is lost.
func theme() charts.ColorPalette {
	dark, mid := charts.Color{R: 60, G: 60, B: 60, A: 255}, charts.Color{R: 130, G: 130, B: 130, A: 255}
	return charts.MakeTheme(charts.ThemeOption{
		AxisStrokeColor: dark, AxisSplitLineColor: charts.ColorLightGray, BackgroundColor: charts.ColorWhite,
		TextColor: charts.ColorBlack, SeriesColors: []charts.Color{dark, mid, charts.ColorBlack},
	})
}

func title(text, sub string) charts.TitleOption {
	return charts.TitleOption{Text: text, Subtext: sub,
		FontStyle:        charts.FontStyle{FontSize: 15, FontColor: charts.ColorBlack},
		SubtextFontStyle: charts.FontStyle{FontSize: 11, FontColor: charts.ColorDarkGray}}
}

// number prints a figure for reading: whole from 1,000 up, else to two
// decimals, without trailing zeros.
func number(f float64) string {
	if math.Abs(f) >= 1000 {
		return strconv.FormatFloat(math.Round(f), 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// wrap breaks text into lines of at most n characters, at spaces.
func wrap(text string, n int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > n {
			lines, line = append(lines, line), ""
		}
		line = strings.TrimSpace(line + " " + w)
	}
	return slices.DeleteFunc(append(lines, line), func(s string) bool { return s == "" })
}
