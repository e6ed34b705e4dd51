package chart

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// check decodes the chart and, for SVG, returns its text. With CHART_OUT set,
// it also writes the chart there, to be looked at.
func check(t *testing.T, name string, f Format, img []byte, err error) string {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if dir := os.Getenv("CHART_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+"."+string(f)), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if f == PNG {
		if _, err := png.Decode(bytes.NewReader(img)); err != nil {
			t.Fatalf("%s: not a PNG: %v", name, err)
		}
		return ""
	}
	d := xml.NewDecoder(bytes.NewReader(img))
	var text strings.Builder
	root := ""
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("%s: not XML: %v", name, err)
			}
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteString("\n")
		}
	}
	if root != "svg" {
		t.Fatalf("%s: the root element is %q", name, root)
	}
	return text.String()
}

func TestCharts(t *testing.T) {
	own := 12.0
	a, b := 1.5, 2.5
	bars := Bars{Title: "Which algorithm signs the zone?", Subtitle: "DNSSEC 2026 · 6 respondents",
		Bars: []Bar{{"RSA/SHA-256", 3, 0.5, true}, {"ECDSA P-256", 2, 0.333333, false}, {"Ed25519", 1, 0.166667, false}}}
	hist := Histogram{Title: "Domains under management", Subtitle: "median 35", Own: &own,
		Bins: []Bin{{0, 10, 1}, {10, 20, 2}, {20, 30, 0}, {30, 40, 3}}}
	trend := Trend{Title: "Domains", Periods: []string{"2026-09", "2026-10", "2026-11"},
		Lines: []Line{{"Median of all respondents", []*float64{&a, nil, &b}}, {"Member dk", []*float64{&b, &b, &a}}}}
	for _, f := range []Format{SVG, PNG} {
		img, err := bars.Render(f)
		if text := check(t, "bars", f, img, err); f == SVG {
			for _, want := range []string{"» RSA/SHA-256", "3 (50%)  « yours", "2 (33.3%)", "Ed25519"} {
				if !strings.Contains(text, want) {
					t.Errorf("bars: no %q in\n%s", want, text)
				}
			}
			if strings.Contains(text, "» ECDSA") {
				t.Error("bars: an option the member did not choose is marked")
			}
		}
		img, err = hist.Render(f)
		if text := check(t, "histogram", f, img, err); f == SVG {
			for _, want := range []string{"» 10–20", "2 « yours", "30–40"} {
				if !strings.Contains(text, want) {
					t.Errorf("histogram: no %q in\n%s", want, text)
				}
			}
		}
		img, err = trend.Render(f)
		if text := check(t, "trend", f, img, err); f == SVG {
			for _, want := range []string{"Median of all respondents", "Member dk", "2026-10"} {
				if !strings.Contains(text, want) {
					t.Errorf("trend: no %q in\n%s", want, text)
				}
			}
		}
		img, err = Notice(f, "Which algorithm?", "Suppressed: fewer than 5 respondents answered. To keep members' answers confidential, this chart shows no figures.")
		if text := check(t, "notice", f, img, err); f == SVG && !strings.Contains(text, "Suppressed: fewer than 5") {
			t.Errorf("notice: no reason in\n%s", text)
		}
	}
}
