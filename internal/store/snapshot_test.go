package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/survey"
)

// TestResponseReadIsOneSnapshot: while a writer saves version after version of
// a response (each answer equal to the version), through one store as another
// process would, readers through a second store never see a version with the
// answers of another, by Response or by EachResponse. Read in two statements
// of their own, they did (found by TestTwoProcessesOnOnePostgres).
func TestResponseReadIsOneSnapshot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		w, r := db.Open(t, store.Options{}), db.Open(t, store.Options{})
		if _, err := w.CreateMember(ctx, survey.Member{Code: "dk", Name: "DK", Country: "DK", Membership: survey.MembershipFull, Active: true}); err != nil {
			t.Fatal(err)
		}
		admin, err := w.CreateUser(ctx, survey.User{Email: "admin@example.org", Role: survey.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(24 * time.Hour)
		qs := []survey.Question{{Key: "a", Type: survey.Integer, Prompt: "A"}, {Key: "b", Type: survey.Integer, Prompt: "B"},
			{Key: "c", Type: survey.MultipleChoice, Prompt: "C", Options: []survey.Option{{Key: "odd", Label: "Odd"}, {Key: "even", Label: "Even"}}}}
		sv, err := w.CreateSurvey(ctx, survey.Survey{Title: "S", Deadline: &deadline, Policy: survey.DefaultResultsPolicy(),
			Sections: []survey.Section{{Key: "s", Title: "S", Questions: qs}}}, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sv, err = w.TransitionSurvey(ctx, sv.ID, survey.StatusOpen, admin.ID); err != nil {
			t.Fatal(err)
		}
		const versions = 150
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(stop)
			for v := 1; v <= versions; v++ {
				parity := []any{"even"}
				if v%2 == 1 {
					parity = []any{"odd"}
				}
				if _, err := w.SaveAnswers(ctx, store.Write{SurveyID: sv.ID, Member: "dk", By: admin,
					Answers: map[string]any{"a": float64(v), "b": float64(v), "c": parity}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
		var mu sync.Mutex
		torn, reads := 0, 0
		check := func(res survey.Response) {
			mu.Lock()
			defer mu.Unlock()
			reads++
			if res.Version == 0 {
				return
			}
			want := "even"
			if res.Version%2 == 1 {
				want = "odd"
			}
			a, b, c := res.Answers["a"], res.Answers["b"], res.Answers["c"]
			if a.Number == nil || b.Number == nil || int(*a.Number) != res.Version || int(*b.Number) != res.Version ||
				len(c.Options) != 1 || c.Options[0] != want {
				if torn < 5 {
					t.Errorf("version %d read with a = %v, b = %v, c = %v", res.Version, num(a), num(b), c.Options)
				}
				torn++
			}
		}
		for range 2 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					res, err := r.Response(ctx, sv, "dk")
					if err != nil {
						t.Error(err)
						return
					}
					check(res)
					if err := r.EachResponse(ctx, sv, false, func(res survey.Response) error { check(res); return nil }); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if torn > 0 {
			t.Errorf("%d of %d reads paired a version with the answers of another", torn, reads)
		}
	})
}

func num(v survey.Value) any {
	if v.Number == nil {
		return nil
	}
	return *v.Number
}

// TestResultsReadIsOneSnapshot: while members submit one after another through
// one store, results read through another within Consistent always agree with
// themselves: as many respondents as answers counted, and as many in the
// histogram. Read statement by statement, they did not.
func TestResultsReadIsOneSnapshot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		w, r := db.Open(t, store.Options{}), db.Open(t, store.Options{})
		const members = 60
		admin := adminAndMembers(t, w, members)
		deadline := time.Now().Add(24 * time.Hour)
		sv, err := w.CreateSurvey(ctx, survey.Survey{Title: "S", Deadline: &deadline, Policy: survey.DefaultResultsPolicy(),
			Sections: []survey.Section{{Key: "s", Title: "S", Questions: []survey.Question{{Key: "n", Type: survey.Integer, Prompt: "N"}}}}}, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sv, err = w.TransitionSurvey(ctx, sv.ID, survey.StatusOpen, admin.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		stop := submitInOrder(t, &wg, w, sv.ID, admin, members)
		var torn, reads atomic.Int64
		for range 2 {
			wg.Go(func() {
				sc := store.Scope{SurveyID: sv.ID}
				for {
					select {
					case <-stop:
						return
					default:
					}
					var respondents int
					var stats map[string]*survey.Stats
					err := r.Consistent(ctx, func(st *store.Store) error {
						var err error
						if respondents, err = st.Respondents(ctx, sc); err != nil {
							return err
						}
						stats, err = st.Stats(ctx, sv, sc)
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					reads.Add(1)
					n, binned := stats["n"].N, 0
					for _, b := range stats["n"].Numeric.Histogram {
						binned += b.Count
					}
					if respondents != n || (n > 0 && binned != n) {
						if torn.Add(1) <= 5 {
							t.Errorf("%d respondents, %d answers counted, %d in the histogram", respondents, n, binned)
						}
					}
				}
			})
		}
		wg.Wait()
		if torn.Load() > 0 {
			t.Errorf("%d of %d results read disagreed with themselves", torn.Load(), reads.Load())
		}
	})
}

// TestTrendReadIsOneSnapshot: while members submit an open period's figure one
// after another, in order, through one store, trends read through another for
// any member agree with themselves: a member shown as submitted is counted, so
// the period counts at least as many respondents as that member's place in the
// order. Read statement by statement, the figures could be older than the
// member's submission.
func TestTrendReadIsOneSnapshot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		ctx := context.Background()
		w, r := db.Open(t, store.Options{}), db.Open(t, store.Options{})
		const members = 40
		admin := adminAndMembers(t, w, members)
		sr := survey.Series{Key: "stats", Title: "Statistics", Recurrence: survey.RecurMonthly, OpenDay: 1, DeadlineDays: 20,
			Template: survey.Survey{Title: "Statistics", Policy: survey.DefaultResultsPolicy(), Sections: []survey.Section{{
				Key: "s", Title: "S", Questions: []survey.Question{{Key: "n", Type: survey.Integer, Prompt: "N"}}}}}}
		if _, err := w.CreateSeries(ctx, sr, admin.ID); err != nil {
			t.Fatal(err)
		}
		period := survey.RecurMonthly.PeriodAt(time.Now()).String()
		sv, err := w.CreateEdition(ctx, "stats", period, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		stop := submitInOrder(t, &wg, w, sv.ID, admin, members)
		var torn, reads atomic.Int64
		for g := range 2 {
			wg.Go(func() {
				for i := g; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					k := i % members
					points, err := r.Trend(ctx, store.TrendQuery{Series: "stats", Question: "n", Member: fmt.Sprintf("m%02d", k),
						From: period, To: period, Statuses: []survey.Status{survey.StatusOpen}})
					if err != nil {
						t.Error(err)
						return
					}
					reads.Add(1)
					if len(points) != 1 {
						t.Errorf("%d points, want the open period", len(points))
						return
					}
					if p := points[0]; p.MemberSubmitted && p.N < k+1 {
						if torn.Add(1) <= 5 {
							t.Errorf("m%02d shown as submitted beside %d respondents", k, p.N)
						}
					}
				}
			})
		}
		wg.Wait()
		if n := torn.Load(); n > 0 {
			t.Errorf("%d of %d trend reads had figures older than the member's submission", n, reads.Load())
		}
	})
}

// adminAndMembers makes a secretariat user and members m00, m01, … through st.
func adminAndMembers(t *testing.T, st *store.Store, members int) survey.User {
	t.Helper()
	ctx := context.Background()
	admin, err := st.CreateUser(ctx, survey.User{Email: "admin@example.org", Role: survey.RoleSecretariat})
	if err != nil {
		t.Fatal(err)
	}
	for i := range members {
		if _, err := st.CreateMember(ctx, survey.Member{Code: fmt.Sprintf("m%02d", i), Name: "M", Country: "DK",
			Membership: survey.MembershipFull, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	return admin
}

// submitInOrder has the members m00, m01, … submit n = their number to the
// open survey through st, one after another, in wg; the channel closes when
// the last has.
func submitInOrder(t *testing.T, wg *sync.WaitGroup, st *store.Store, surveyID string, admin survey.User, members int) <-chan struct{} {
	stop := make(chan struct{})
	wg.Go(func() {
		defer close(stop)
		for i := range members {
			if _, err := st.Submit(context.Background(), store.Write{SurveyID: surveyID, Member: fmt.Sprintf("m%02d", i), By: admin,
				Answers: map[string]any{"n": float64(i)}}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	return stop
}
