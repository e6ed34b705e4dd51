package demo

import (
	"context"
	"fmt"
	"math"

	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// demoMonths is how many published months of statistics the demo has.
const demoMonths = 24

func count(key, prompt, help string) survey.Question {
	return survey.Question{Key: key, Type: survey.Integer, Prompt: prompt, Help: help, Required: true,
		Constraints: survey.Constraints{Min: f(0)}}
}

// monthlyStats is the council's monthly statistics series: counts every member
// reports for the month, opened on the first of the month, due on the 15th.
func monthlyStats() survey.Series {
	return survey.Series{
		Key: "monthly-stats", Title: "Monthly registry statistics", Recurrence: survey.RecurMonthly, OpenDay: 1, DeadlineDays: 14,
		Description: "Domains under management and movements, reported by every member each month and published to members.",
		Template: survey.Survey{
			Title: "Monthly registry statistics", Topics: []string{"statistics"}, Policy: survey.DefaultResultsPolicy(),
			Description: "Figures at the end of the month, or for the month.",
			Sections: []survey.Section{{Key: "counts", Title: "Counts", Questions: []survey.Question{
				count("domains_under_management", "Domains under management at the end of the month", ""),
				count("new_registrations", "New registrations during the month", ""),
				count("deletions", "Deletions during the month", "Domains deleted or expired and not renewed."),
				count("dnssec_signed_domains", "Domains with a DS record at the end of the month", ""),
				count("accredited_registrars", "Accredited registrars at the end of the month", ""),
			}}},
		},
	}
}

// statsFor makes up member m's figures for the month that is back months before
// the current one: its approximate size today, shrunk by modest growth.
func statsFor(m Member, back int) map[string]any {
	d := newDice(m.Code, "stats")
	growth := d.between(-0.001, 0.006) // per month
	signedShare := d.between(0.02, 0.6)
	registrars := math.Round(20 + d.between(0, 1)*math.Sqrt(float64(m.ApproxDomains))/4)
	month := newDice(m.Code, fmt.Sprint("month", back))
	dum := float64(m.ApproxDomains) * math.Pow(1+growth, -float64(back)) * month.between(0.998, 1.002)
	whole := func(x float64) float64 { return math.Round(x) }
	return map[string]any{
		"domains_under_management": whole(dum),
		"new_registrations":        whole(dum * month.between(0.008, 0.016)),
		"deletions":                whole(dum * month.between(0.006, 0.013)),
		"dnssec_signed_domains":    whole(dum * math.Min(1, signedShare*(1+0.004*float64(demoMonths-back)))),
		"accredited_registrars":    registrars,
	}
}

// loadStats creates the monthly statistics series with demoMonths published
// months of synthetic figures for the active members. The current month's
// edition is left for the scheduler to open, as it would in production.
func loadStats(ctx context.Context, st *store.Store, members []Member, by survey.User) error {
	sr, err := st.CreateSeries(ctx, monthlyStats(), by.ID)
	if err != nil {
		return fmt.Errorf("demo series: %w", err)
	}
	current := sr.Recurrence.PeriodAt(st.Now())
	for back := demoMonths; back >= 1; back-- {
		period := current.Add(-back).String()
		e, err := st.CreateEdition(ctx, sr.Key, period, by.ID)
		if err != nil {
			return fmt.Errorf("demo statistics %s: %w", period, err)
		}
		var rows []store.ImportRow
		for _, m := range members {
			if m.Active {
				rows = append(rows, store.ImportRow{Line: len(rows) + 2, Member: m.Code, Answers: statsFor(m, back)})
			}
		}
		if _, err := st.Import(ctx, e.ID, rows, true, false, by); err != nil {
			return fmt.Errorf("demo statistics %s: %w", period, err)
		}
		for _, to := range []survey.Status{survey.StatusClosed, survey.StatusPublished} {
			if _, err := st.TransitionSurvey(ctx, e.ID, to, by.ID); err != nil {
				return fmt.Errorf("demo statistics %s: %w", period, err)
			}
		}
	}
	return nil
}
