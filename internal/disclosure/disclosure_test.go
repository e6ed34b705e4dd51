package disclosure

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func members(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

func numbers(ms []string, f func(i int) float64) map[string]Answer {
	out := map[string]Answer{}
	for i, m := range ms {
		out[m] = Answer{Number: f(i)}
	}
	return out
}

func choices(ms []string, f func(i int) string) map[string]Answer {
	out := map[string]Answer{}
	for i, m := range ms {
		out[m] = Answer{Options: []string{f(i)}}
	}
	return out
}

func TestSuppress(t *testing.T) {
	all := members("m", 7)
	spread := numbers(all, func(i int) float64 { return float64(10 + i) })
	num := Question{Kind: Numeric, Answers: spread}
	k3 := Rules{K: 3, P: DefaultP}
	yesNo := []string{"true", "false"}
	cases := []struct {
		name       string
		rules      Rules
		q          Question
		frozen     []Cell
		candidates []Cell
		want       []Code
	}{
		{"a cell of k is shown", k3, num, nil, []Cell{{all[:3]}}, []Code{Shown}},
		{"fewer than k", k3, num, nil, []Cell{{all[:2]}}, []Code{BelowThreshold}},
		{"a group whose rest is one member", k3, num, nil,
			[]Cell{{all}, {all[:6]}}, []Code{Shown, WouldDisclose}},
		{"a group whose rest is k", k3, num, nil,
			[]Cell{{all}, {all[:4]}}, []Code{Shown, Shown}},
		{"all minus two groups is one member", k3, num, nil,
			[]Cell{{all}, {all[:3]}, {all[3:6]}}, []Code{Shown, Shown, WouldDisclose}},
		{"two groups of four overlapping in three", k3, num, nil,
			[]Cell{{all[:4]}, {all[1:5]}}, []Code{Shown, WouldDisclose}},
		{"an edition with one member more", k3, num,
			[]Cell{{all[:6]}}, []Cell{{all}}, []Code{WouldDisclose}},
		{"an edition with three members more", k3, num,
			[]Cell{{all[:4]}}, []Cell{{all}}, []Code{Shown}},
		{"a reader among k sees k−1 others", Rules{K: 4, P: DefaultP}, num, nil,
			[]Cell{{all[:4]}}, []Code{Shown}},
		// {v a b} and {a b c}: v cancels itself, leaving a+b, and so reads c.
		{"a reader that cancels itself", k3, num, nil,
			[]Cell{{all[:3]}, {all[1:4]}}, []Code{Shown, WouldDisclose}},
		{"one amount dominates", k3, Question{Kind: Magnitude, Answers: numbers(all, func(i int) float64 {
			if i == 0 {
				return 1000
			}
			return 1
		})}, nil, []Cell{{all}}, []Code{Dominance}},
		{"two amounts dominate, the second estimates the first", k3, Question{Kind: Magnitude, Answers: numbers(all, func(i int) float64 {
			return []float64{1000, 900, 10, 10, 10, 10, 10}[i]
		})}, nil, []Cell{{all}}, []Code{Dominance}},
		{"amounts spread out", k3, Question{Kind: Magnitude, Answers: spread}, nil, []Cell{{all}}, []Code{Shown}},
		{"a difference that one amount dominates", k3, Question{Kind: Magnitude, Answers: numbers(all, func(i int) float64 {
			return []float64{100, 100, 100, 100, 50, 1, 1}[i]
		})}, nil, []Cell{{all}, {all[:4]}}, []Code{Shown, WouldDisclose}},
		{"everyone said yes", k3, Question{Kind: Choice, Options: yesNo, Answers: choices(all, func(int) string { return "true" })},
			nil, []Cell{{all}}, []Code{Unanimous}},
		{"all but one said yes: that one learns the others'", k3, Question{Kind: Choice, Options: yesNo, Answers: choices(all, func(i int) string {
			return map[bool]string{true: "false", false: "true"}[i == 0]
		})}, nil, []Cell{{all}}, []Code{Unanimous}},
		{"two said no", k3, Question{Kind: Choice, Options: yesNo, Answers: choices(all, func(i int) string {
			return map[bool]string{true: "false", false: "true"}[i < 2]
		})}, nil, []Cell{{all}}, []Code{Shown}},
		{"the rest of a group all said yes", k3, Question{Kind: Choice, Options: yesNo, Answers: choices(all, func(i int) string {
			return map[bool]string{true: "false", false: "true"}[i < 2]
		})}, nil, []Cell{{all}, {all[:4]}}, []Code{Shown, WouldDisclose}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Suppress(c.rules, c.q, c.frozen, c.candidates)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("Suppress = %q, want %q", got, c.want)
			}
		})
	}
}

// TestSuppressIsQuick audits random councils of the size the attacker test
// plays: it must stay well under the time a results read may take.
func TestSuppressIsQuick(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	for range 5 {
		all := members("m", 60)
		var cells []Cell
		for range 3 {
			var ed []string
			for _, m := range all {
				if rng.IntN(10) > 0 {
					ed = append(ed, m)
				}
			}
			cells = append(cells, Cell{ed})
			for range 5 {
				var g []string
				for _, m := range ed {
					if rng.IntN(3) == 0 {
						g = append(g, m)
					}
				}
				cells = append(cells, Cell{g})
			}
		}
		q := Question{Kind: Magnitude, Answers: numbers(all, func(int) float64 { return rng.ExpFloat64() * 1000 })}
		Suppress(Rules{K: 3, P: DefaultP}, q, nil, cells)
		opts := []string{"a", "b", "c"}
		q = Question{Kind: Choice, Options: opts, Answers: choices(all, func(int) string { return opts[rng.IntN(3)] })}
		Suppress(Rules{K: 3, P: DefaultP}, q, nil, cells)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("10 audits of 60 members and 18 cells took %v", d)
	} else {
		t.Logf("10 audits of 60 members and 18 cells took %v", d)
	}
}
