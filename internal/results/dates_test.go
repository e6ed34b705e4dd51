package results

import (
	"fmt"
	"testing"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestDatesOneDay: when every answer falls on one day, a member sees a bar of
// ten days, not that day; the secretariat sees the day.
func TestDatesOneDay(t *testing.T) {
	days := []survey.DateCount{{Date: "2020-03-04", N: 4}} // day 18325
	m := dates(days, true, 3)
	if got := fmt.Sprint(m.Histogram, m.Earliest, m.Latest, " ", m.Median); got != "[{2020-02-28 2020-03-08 4}] {2020-02-28 2020-03-08 0} {2020-02-28 2020-03-08 0} 2020-03-03" {
		t.Errorf("a member's dates of one day: %s", got)
	}
	s := dates(days, false, 3)
	if got := fmt.Sprint(s.Histogram, s.Earliest, s.Latest, " ", s.Median); got != "[{2020-03-04 2020-03-04 4}] {2020-03-04 2020-03-04 0} {2020-03-04 2020-03-04 0} 2020-03-04" {
		t.Errorf("the secretariat's dates of one day: %s", got)
	}
}

// TestDatesBefore1970: day numbers below zero are binned from a multiple of
// the width below them, not towards zero.
func TestDatesBefore1970(t *testing.T) {
	// Days −365 (1969-01-01) and −1 (1969-12-31): a member's bars are 100
	// days wide (a fifth of 364, rounded up) from day −400 (1968-11-27), four
	// of them to day −1; the empty ones between stay, as numbers' do.
	d := dates([]survey.DateCount{{Date: "1969-01-01", N: 3}, {Date: "1969-12-31", N: 3}}, true, 3)
	if got := fmt.Sprint(d.Histogram); got != "[{1968-11-27 1969-03-06 3} {1969-03-07 1969-06-14 0} {1969-06-15 1969-09-22 0} {1969-09-23 1969-12-31 3}]" {
		t.Errorf("bars %s", got)
	}
	if d.Median != "1969-01-15" { // the middle of the first bar, days −400 to −301: day −351
		t.Errorf("median %s", d.Median)
	}
}
