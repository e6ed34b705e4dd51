package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestTwoSchedulersMakeOneEdition runs two schedulers, as two API processes would,
// against one database at the moment a period's edition is due, many times over:
// exactly one edition results.
func TestTwoSchedulersMakeOneEdition(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		now := time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		a, b := db.Open(t, store.Options{Now: clock}), db.Open(t, store.Options{Now: clock})
		admin, err := a.CreateUser(ctx, survey.User{Email: "admin@example.org", Role: survey.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		sr := survey.Series{Key: "monthly-stats", Title: "Monthly statistics", Recurrence: survey.RecurMonthly, OpenDay: 1, DeadlineDays: 10,
			Template: survey.Survey{Title: "Monthly statistics", Policy: survey.DefaultResultsPolicy(), Sections: []survey.Section{{
				Key: "counts", Title: "Counts", Questions: []survey.Question{{Key: "domains", Type: survey.Integer, Prompt: "Domains"}}}}}}
		if _, err := a.CreateSeries(ctx, sr, admin.ID); err != nil {
			t.Fatal(err)
		}
		// October's edition is not there yet and opens at once; November's opens at midnight.
		for round, at := range []time.Time{now, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)} {
			mu.Lock()
			now = at
			mu.Unlock()
			var wg sync.WaitGroup
			made := make(chan int, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st := a
					if i%2 == 1 {
						st = b
					}
					opened, err := st.OpenDueEditions(ctx)
					if err != nil {
						t.Error(err)
					}
					made <- len(opened)
				}()
			}
			wg.Wait()
			close(made)
			total := 0
			for n := range made {
				total += n
			}
			if total != 1 {
				t.Fatalf("round %d: %d editions opened, want exactly 1", round, total)
			}
		}
		editions, err := a.Editions(ctx, "monthly-stats", nil)
		if err != nil || len(editions) != 2 || editions[0].Period != "2026-10" || editions[1].Period != "2026-11" {
			t.Fatalf("editions %+v, %v", editions, err)
		}
		if editions[1].Status != survey.StatusOpen || !editions[1].Deadline.Equal(time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("November's edition: %+v", editions[1])
		}
		if _, err := a.CreateEdition(ctx, "monthly-stats", "2026-11", admin.ID); survey.ErrorCode(err) != survey.Conflict {
			t.Fatalf("a second November by hand: %v, want a conflict", err)
		}
	})
}
