package survey

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Recurrence says how often a series makes a new edition by itself.
type Recurrence string

// The recurrences.
const (
	RecurNone    Recurrence = "none"    // editions are made by hand
	RecurMonthly Recurrence = "monthly" // one edition a month, period YYYY-MM
	RecurYearly  Recurrence = "yearly"  // one edition a year, period YYYY
)

// Series is the editions of one questionnaire over time. A recurring series
// opens the edition of each period from its template when the period starts.
type Series struct {
	Key          string
	Title        string
	Description  string
	Recurrence   Recurrence
	Template     Survey // the questionnaire every edition starts from: texts, audience, policy, sections
	OpenDay      int    // the day of the period's first month on which its edition opens (1–28)
	DeadlineDays int    // days from opening to the deadline
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

var (
	monthPeriod = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)
	yearPeriod  = regexp.MustCompile(`^[0-9]{4}$`)
)

// Period is one period of a series: a month (2026-10) or a year (2026).
type Period struct {
	Year, Month int // Month is 0 for a year
}

// ParsePeriod reads a period as YYYY-MM or YYYY, refusing impossible ones.
func ParsePeriod(s string) (Period, error) {
	if m := monthPeriod.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 || y < 1900 {
			return Period{}, fmt.Errorf("%q is not a month: write YYYY-MM with a month from 01 to 12", s)
		}
		return Period{Year: y, Month: mo}, nil
	}
	if yearPeriod.MatchString(s) {
		y, _ := strconv.Atoi(s)
		if y < 1900 {
			return Period{}, fmt.Errorf("%q is not a year this platform knows", s)
		}
		return Period{Year: y}, nil
	}
	return Period{}, fmt.Errorf("%q is not a period: write a month as YYYY-MM (2026-10) or a year as YYYY", s)
}

func (p Period) String() string {
	if p.Month == 0 {
		return fmt.Sprintf("%04d", p.Year)
	}
	return fmt.Sprintf("%04d-%02d", p.Year, p.Month)
}

// Monthly reports whether p is a month.
func (p Period) Monthly() bool { return p.Month != 0 }

// Add returns the period n periods later (earlier for negative n).
func (p Period) Add(n int) Period {
	if !p.Monthly() {
		return Period{Year: p.Year + n}
	}
	m := p.Year*12 + (p.Month - 1) + n
	return Period{Year: m / 12, Month: m%12 + 1}
}

// Start is the first instant of the period, in UTC.
func (p Period) Start() time.Time {
	m := p.Month
	if m == 0 {
		m = 1
	}
	return time.Date(p.Year, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
}

// PeriodAt returns the period of the recurrence that contains t.
func (r Recurrence) PeriodAt(t time.Time) Period {
	t = t.UTC()
	if r == RecurYearly {
		return Period{Year: t.Year()}
	}
	return Period{Year: t.Year(), Month: int(t.Month())}
}

// CheckPeriod returns an Invalid error unless period is a period of the series:
// a month for a monthly series, a year for a yearly one, either for none.
func (s Series) CheckPeriod(period string) (Period, error) {
	p, err := ParsePeriod(period)
	if err == nil {
		switch {
		case s.Recurrence == RecurMonthly && !p.Monthly():
			err = fmt.Errorf("series %s is monthly: its periods are months such as 2026-10", s.Key)
		case s.Recurrence == RecurYearly && p.Monthly():
			err = fmt.Errorf("series %s is yearly: its periods are years such as 2026", s.Key)
		}
	}
	if err != nil {
		return Period{}, &Error{Code: Invalid, Reason: BadPeriod, Message: "the period is not valid", Fields: []FieldError{{Field: "period", Reason: err.Error()}}}
	}
	return p, nil
}

// OpensAt is when the edition of period p opens.
func (s Series) OpensAt(p Period) time.Time { return p.Start().AddDate(0, 0, s.OpenDay-1) }

// OpeningTime is the time the deadline of p's edition counts from when it is made
// at now: its opening day, or now when that day is so far past that the deadline
// would have passed too (an edition made late still gets its full time).
func (s Series) OpeningTime(p Period, now time.Time) time.Time {
	opens := s.OpensAt(p)
	if !opens.AddDate(0, 0, s.DeadlineDays).After(now) {
		return now
	}
	return opens
}

// Edition returns the edition of period p, made from the template: open at
// opensAt, due DeadlineDays later.
func (s Series) Edition(p Period, opensAt time.Time) Survey {
	e := s.Template.NewEdition(p.String())
	e.Series, e.Period = s.Key, p.String()
	deadline := opensAt.AddDate(0, 0, s.DeadlineDays)
	e.Deadline = &deadline
	return e
}

// Validate checks the series and its template.
func (s Series) Validate() error {
	var p Problems
	if !ValidKey(s.Key) || len(s.Key) > 64 {
		p.Add("key", "a series key is lowercase words joined by - or _, such as monthly-stats")
	}
	checkText(&p, "title", s.Title, maxTitle, true)
	checkText(&p, "description", s.Description, maxText, false)
	switch s.Recurrence {
	case RecurNone, RecurMonthly, RecurYearly:
	default:
		p.Add("recurrence", "must be none, monthly or yearly")
	}
	if s.OpenDay < 1 || s.OpenDay > 28 {
		p.Add("open_day", "must be a day from 1 to 28, so that every month has it")
	}
	if s.DeadlineDays < 1 || s.DeadlineDays > 366 {
		p.Add("deadline_days", "must be from 1 to 366")
	}
	t := s.Template
	t.Series = "" // the series' own key is checked above, once
	if err := t.Validate(); err != nil {
		for _, f := range err.(*Error).Fields {
			p.Add("template."+f.Field, "%s", f.Reason)
		}
	}
	if len(t.Questions()) == 0 {
		p.Add("template.sections", "the template needs at least one question")
	}
	return p.Err("the series is not valid")
}
