package results

import (
	"github.com/tldcouncil/surveyd/internal/disclosure"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TrendRow is one period of a series trend as a caller may see it.
type TrendRow struct {
	Period     string
	SurveyID   string
	N          *int
	Total      *float64
	Median     *float64 // the secretariat's only: for members an order statistic of a period is not shown
	Code       disclosure.Code
	Suppressed string
	TotalMoM   *float64 // growth of the total over the previous month (monthly series)
	TotalYoY   *float64 // growth over the same period a year before
	Value      *float64 // the member's
	Share      *float64 // the member's share of the total
	ValueMoM   *float64
	ValueYoY   *float64
}

// Trend applies the disclosure audit's decisions period by period (codes, by
// edition, for the question over the scope), and computes shares and growth. points cover from a year before the first period to show, so that
// every shown period has its comparisons; rows start at from. memberInScope says
// whether the member asked for is among the respondents counted (not so when it
// is outside the peer group), without which it has no share of the total.
func Trend(viewer survey.User, points []survey.TrendPoint, from string, memberInScope bool, codes map[string]disclosure.Code) []TrendRow {
	byPeriod := map[string]TrendRow{}
	var rows []TrendRow
	for _, p := range points {
		r := TrendRow{Period: p.Period, SurveyID: p.SurveyID, Value: p.Value}
		switch {
		case viewer.IsSecretariat():
		case p.RespondentsOnly && !p.MemberSubmitted:
			r.Code = NotSubmitted
		default:
			code, ok := codes[p.SurveyID]
			if !ok {
				code = disclosure.WouldDisclose // not audited: never shown by default
			}
			r.Code = code
		}
		if r.Code != disclosure.Shown {
			r.Suppressed = Reason(r.Code, p.MinRespondents)
		}
		if r.Suppressed == "" {
			n := p.N
			r.N = &n
		}
		if r.Suppressed == "" && p.N > 0 { // a period nobody has submitted yet has no total
			total, median := round(p.Total), round(p.Median)
			r.Total = &total
			if viewer.IsSecretariat() {
				r.Median = &median
			}
			if p.Value != nil && p.Total != 0 && memberInScope {
				share := round(*p.Value / p.Total)
				r.Share = &share
			}
		}
		byPeriod[p.Period] = r
		if p.Period >= from {
			rows = append(rows, r)
		}
	}
	for i, r := range rows {
		period, err := survey.ParsePeriod(r.Period)
		if err != nil {
			continue
		}
		back := 1
		if period.Monthly() {
			back = 12
			prev := byPeriod[period.Add(-1).String()]
			rows[i].TotalMoM, rows[i].ValueMoM = growth(r.Total, prev.Total), growth(r.Value, prev.Value)
		}
		year := byPeriod[period.Add(-back).String()]
		rows[i].TotalYoY, rows[i].ValueYoY = growth(r.Total, year.Total), growth(r.Value, year.Value)
	}
	return rows
}

// growth is now/then − 1, or nil when either is unknown or then is zero.
func growth(now, then *float64) *float64 {
	if now == nil || then == nil || *then == 0 {
		return nil
	}
	g := round(*now / *then - 1)
	return &g
}
