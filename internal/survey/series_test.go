package survey

import (
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]string{
		"2026-10": "2026-10", "2026-01": "2026-01", "2026": "2026",
		"2026-13": "", "2026-00": "", "26-01": "", "2026-1": "", "202610": "", "": "", "2026-10-01": "", "0999": "",
	} {
		p, err := ParsePeriod(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParsePeriod(%q) = %v, want an error", in, p)
			}
			continue
		}
		if err != nil || p.String() != want {
			t.Errorf("ParsePeriod(%q) = %v, %v", in, p, err)
		}
	}
}

func TestPeriodArithmetic(t *testing.T) {
	p, _ := ParsePeriod("2026-01")
	if got := p.Add(-1).String(); got != "2025-12" {
		t.Errorf("2026-01 − 1 = %s", got)
	}
	if got := p.Add(-12).String(); got != "2025-01" {
		t.Errorf("2026-01 − 12 = %s", got)
	}
	if got := p.Add(23).String(); got != "2027-12" {
		t.Errorf("2026-01 + 23 = %s", got)
	}
	y, _ := ParsePeriod("2026")
	if got := y.Add(-1).String(); got != "2025" {
		t.Errorf("2026 − 1 = %s", got)
	}
	at := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	if RecurMonthly.PeriodAt(at).String() != "2026-11" || RecurYearly.PeriodAt(at).String() != "2026" {
		t.Error("PeriodAt")
	}
	s := Series{OpenDay: 5, DeadlineDays: 10}
	if got := s.OpensAt(Period{Year: 2026, Month: 11}); !got.Equal(time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("OpensAt = %v", got)
	}
}

func TestSeriesValidate(t *testing.T) {
	good := Series{Key: "monthly-stats", Title: "Monthly statistics", Recurrence: RecurMonthly, OpenDay: 1, DeadlineDays: 15,
		Template: Survey{Title: "Monthly statistics", Policy: DefaultResultsPolicy(), Sections: []Section{{Key: "counts", Title: "Counts",
			Questions: []Question{{Key: "domains", Type: Integer, Prompt: "Domains under management", Required: true}}}}}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Recurrence, bad.OpenDay, bad.DeadlineDays = "weekly", 31, 0
	bad.Template.Sections = nil
	err := bad.Validate()
	for _, field := range []string{"recurrence", "open_day", "deadline_days", "template.sections"} {
		if err == nil || !strings.Contains(errorText(err), field+":") {
			t.Errorf("no problem named %s in %v", field, err)
		}
	}
	if _, err := good.CheckPeriod("2026"); ErrorCode(err) != Invalid {
		t.Errorf("a year for a monthly series: %v", err)
	}
}
