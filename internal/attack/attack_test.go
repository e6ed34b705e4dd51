package attack_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/store"
)

// p is the precision of decision 0010's guarantee: no amount is estimated to
// within 10 %.
const p = 0.10

// regressions are seeds that once recovered something; they run first, always.
var regressions = []uint64{}

// TestAttackerRecoversNothing builds random councils through the API (sizes 5 to
// 60, k 3 to 10, up to five overlapping peer groups that may change between
// editions, one to three editions or months with members missing), reads as one
// member everything it may read, and attacks: linear algebra over every cell
// (whole, groups, editions, months) with its own answers, unanimity of any total
// it can work out, the p % rule on the largest member of any such total, and
// the bars and quartiles of every number. It must recover nothing.
func TestAttackerRecoversNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		cases := 100
		if db.Name == "postgres" {
			cases = 12
		}
		c := newCouncil(t, db, 60)
		seeds := append([]uint64{}, regressions...)
		for i := range cases {
			seeds = append(seeds, uint64(1000+i))
		}
		var stats tally
		start := time.Now()
		for _, seed := range seeds {
			sc := newScenario(seed, c.pool)
			sc.build(c)
			found := sc.attack(c, &stats)
			for _, f := range found {
				t.Errorf("seed %d (%s): %s", seed, sc, f)
			}
			sc.cleanUp(c)
		}
		t.Logf("%d cases in %v: %d cells read, %d suppressed (%.0f %%)", len(seeds), time.Since(start).Round(time.Millisecond),
			stats.cells, stats.suppressed, 100*float64(stats.suppressed)/float64(max(stats.cells, 1)))
	})
}

// TestMembersStillLearnSomething is the other side, on data like the demo's: 46
// members, groups of 10 to 30, answers without unanimity or one dominant
// member. The whole membership's figures of the first edition are all shown,
// and most figures of the larger groups.
func TestMembersStillLearnSomething(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		c := newCouncil(t, db, 46)
		var stats tally
		for _, seed := range []uint64{1, 2, 3} {
			sc := demoScenario(seed, c.pool)
			sc.build(c)
			if found := sc.attack(c, &stats); len(found) > 0 {
				t.Errorf("seed %d: %v", seed, found)
			}
			for _, q := range sc.questions {
				if stats.whole[sc.editions[0].id+"/"+q.key] != "" {
					t.Errorf("seed %d: %s over all members of the first edition is suppressed: %s", seed, q.key, stats.whole[sc.editions[0].id+"/"+q.key])
				}
			}
			sc.cleanUp(c)
		}
		t.Logf("demo-like councils: %d cells read, %d suppressed (%.0f %%); groups of 10 or more: %d of %d shown",
			stats.cells, stats.suppressed, 100*float64(stats.suppressed)/float64(max(stats.cells, 1)), stats.largeShown, stats.large)
		if stats.largeShown*2 < stats.large {
			t.Errorf("fewer than half the cells of groups of 10 or more are shown")
		}
	})
}

type tally struct {
	cells, suppressed int
	large, largeShown int
	whole             map[string]string // edition/question → code over all members
}

type question struct {
	key, typ  string
	magnitude bool
	options   []string
}

type edition struct {
	id      string
	label   string
	answers map[string]map[string]any
	groups  map[string][]string // as at publication
}

type scenario struct {
	seed      uint64
	k         int
	council   []string
	monthly   bool
	series    string
	questions []question
	editions  []edition
	attacker  string
	groups    map[string][]string
}

func (s *scenario) String() string {
	return fmt.Sprintf("%d members, k %d, %d groups, %d editions, monthly %v, attacker %s", len(s.council), s.k, len(s.groups), len(s.editions), s.monthly, s.attacker)
}

func newScenario(seed uint64, pool []string) *scenario {
	rng := rand.New(rand.NewPCG(seed, seed*7919+1))
	n := 5 + rng.IntN(56)
	council := slices.Clone(pool)
	rng.Shuffle(len(council), func(i, j int) { council[i], council[j] = council[j], council[i] })
	council = council[:n]
	slices.Sort(council)
	s := &scenario{seed: seed, k: 3 + rng.IntN(8), council: council, monthly: rng.IntN(2) == 0, series: fmt.Sprintf("s%d", seed),
		groups: map[string][]string{}}
	s.questions = []question{
		{key: "domains", typ: "integer", magnitude: true},
		{key: "signed", typ: "boolean", options: []string{"true", "false"}},
		{key: "algo", typ: "single_choice", options: []string{"a", "b", "c"}},
		{key: "tools", typ: "multiple_choice", options: []string{"x", "y", "z"}},
	}
	if !s.monthly {
		s.questions = append(s.questions, question{key: "founded", typ: "integer"}, question{key: "share", typ: "percentage"})
	}
	for g := range rng.IntN(6) {
		share := 0.2 + 0.5*rng.Float64()
		var members []string
		for _, m := range council {
			if rng.Float64() < share {
				members = append(members, m)
			}
		}
		if len(members) > 0 {
			s.groups[fmt.Sprintf("g%d-%d", seed, g)] = members
		}
	}
	s.answerEditions(rng, 1+rng.IntN(3), 0.25*rng.Float64(), 0.3)
	return s
}

// demoScenario is a council like the demo's: 46 members, three groups of 10 to
// 30, two editions in which at most two members are missing.
func demoScenario(seed uint64, pool []string) *scenario {
	rng := rand.New(rand.NewPCG(seed, 17))
	s := &scenario{seed: seed, k: 5, council: slices.Clone(pool), series: fmt.Sprintf("demo%d", seed), groups: map[string][]string{}}
	s.questions = []question{
		{key: "domains", typ: "integer", magnitude: true},
		{key: "signed", typ: "boolean", options: []string{"true", "false"}},
		{key: "algo", typ: "single_choice", options: []string{"a", "b", "c"}},
		{key: "tools", typ: "multiple_choice", options: []string{"x", "y", "z"}},
		{key: "founded", typ: "integer"},
		{key: "share", typ: "percentage"},
	}
	for g := range 3 {
		m := slices.Clone(s.council)
		rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
		m = m[:10+rng.IntN(21)]
		slices.Sort(m)
		s.groups[fmt.Sprintf("d%d-%d", seed, g)] = m
	}
	s.answerEditions(rng, 2, 0.02, 0)
	return s
}

// answerEditions draws each member's answers once and lets them drift a little
// from edition to edition, as real answers do; members miss an edition with
// probability miss, and each group changes one member between editions with
// probability change. The attacker answers every edition.
func (s *scenario) answerEditions(rng *rand.Rand, editions int, miss, change float64) {
	base := map[string]map[string]any{}
	pTrue := 0.3 + 0.6*rng.Float64()
	for _, m := range s.council {
		a := map[string]any{
			"domains": math.Round(math.Exp(8 + 1.5*rng.NormFloat64())),
			"signed":  rng.Float64() < pTrue,
			"algo":    []string{"a", "b", "c"}[min(rng.IntN(4), 2)],
			"founded": float64(1985 + rng.IntN(31)),
			"share":   math.Round(1000*rng.Float64()) / 10,
		}
		var tools []any
		for _, o := range []string{"x", "y", "z"} {
			if rng.IntN(2) == 0 {
				tools = append(tools, o)
			}
		}
		a["tools"] = tools
		base[m] = a
	}
	best, second := "", ""
	for _, m := range s.council {
		d := base[m]["domains"].(float64)
		switch {
		case best == "" || d > base[best]["domains"].(float64):
			best, second = m, best
		case second == "" || d > base[second]["domains"].(float64):
			second = m
		}
	}
	// The second largest is the one the p % rule fears; otherwise anyone.
	s.attacker = second
	if second == "" || rng.IntN(2) == 0 {
		s.attacker = s.council[rng.IntN(len(s.council))]
	}
	for e := range editions {
		ed := edition{label: fmt.Sprintf("2026-%02d", e+1), answers: map[string]map[string]any{}, groups: map[string][]string{}}
		for _, m := range s.council {
			if m != s.attacker && rng.Float64() < miss {
				continue
			}
			a := map[string]any{}
			for k, v := range base[m] {
				a[k] = v
			}
			a["domains"] = math.Round(base[m]["domains"].(float64) * (1 + 0.005*float64(e)*rng.NormFloat64()))
			for k := range a {
				if s.question(k).typ == "" {
					delete(a, k)
				}
			}
			ed.answers[m] = a
		}
		if e > 0 {
			for g, members := range s.groups {
				if rng.Float64() < change {
					m := s.council[rng.IntN(len(s.council))]
					if i := slices.Index(members, m); i >= 0 && len(members) > 1 {
						members = slices.Delete(slices.Clone(members), i, i+1)
					} else if i < 0 {
						members = append(slices.Clone(members), m)
						slices.Sort(members)
					}
					s.groups[g] = members
				}
			}
		}
		for g, members := range s.groups {
			ed.groups[g] = slices.Clone(members)
		}
		s.editions = append(s.editions, ed)
	}
}

func (s *scenario) questionsJSON() []map[string]any {
	var out []map[string]any
	for _, q := range s.questions {
		m := map[string]any{"key": q.key, "type": q.typ, "prompt": q.key, "required": q.key == "domains"}
		if q.magnitude && !s.monthly {
			m["magnitude"] = true
		}
		if q.key == "domains" {
			m["constraints"] = map[string]any{"min": 0}
		}
		if q.typ == "single_choice" || q.typ == "multiple_choice" {
			var opts []map[string]any
			for _, o := range q.options {
				opts = append(opts, map[string]any{"key": o, "label": o})
			}
			m["options"] = opts
		}
		out = append(out, m)
	}
	return out
}

// build creates the groups, the editions and their answers through the API (the
// answers by the secretariat's upload), changing groups between editions.
func (s *scenario) build(c *council) {
	ctx := context.Background()
	created := map[string]bool{}
	sections := []map[string]any{{"key": "all", "title": "All", "questions": s.questionsJSON()}}
	policy := map[string]any{"min_respondents": s.k}
	if s.monthly {
		c.do("admin", "POST", "/v1/series", map[string]any{"key": s.series, "title": s.series, "recurrence": "monthly", "open_day": 1, "deadline_days": 20,
			"template": map[string]any{"title": s.series, "results_policy": policy, "sections": sections}}, 201, nil)
	}
	for i := range s.editions {
		ed := &s.editions[i]
		for g, members := range ed.groups {
			body := map[string]any{"name": g, "members": members}
			if created[g] {
				c.do("admin", "PUT", "/v1/peer-groups/"+g, body, 200, nil)
			} else {
				body["key"] = g
				c.do("admin", "POST", "/v1/peer-groups", body, 201, nil)
				created[g] = true
			}
		}
		var sv struct {
			ID string `json:"id"`
		}
		if s.monthly {
			c.do("admin", "POST", "/v1/series/"+s.series+"/editions", map[string]any{"period": ed.label}, 201, &sv)
		} else {
			c.do("admin", "POST", "/v1/surveys", map[string]any{"title": s.series, "series": s.series, "edition": ed.label,
				"deadline": "2027-12-31T00:00:00Z", "results_policy": policy, "sections": sections}, 201, &sv)
			c.do("admin", "POST", "/v1/surveys/"+sv.ID+"/open", nil, 200, nil)
		}
		ed.id = sv.ID
		var rows []store.ImportRow
		for _, m := range s.council {
			if a, ok := ed.answers[m]; ok {
				rows = append(rows, store.ImportRow{Line: len(rows) + 2, Member: m, Answers: a})
			}
		}
		if _, err := c.store.Import(ctx, ed.id, rows, true, false, c.admin); err != nil {
			c.t.Fatalf("answers of %s: %v", ed.label, err)
		}
		c.do("admin", "POST", "/v1/surveys/"+ed.id+"/close", nil, 200, nil)
		c.do("admin", "POST", "/v1/surveys/"+ed.id+"/publish", nil, 200, nil)
	}
}

func (s *scenario) cleanUp(c *council) {
	for g := range s.groups {
		c.do("admin", "DELETE", "/v1/peer-groups/"+g, nil, 204, nil)
	}
}

type resultsDoc struct {
	Questions []struct {
		Key     string  `json:"key"`
		N       *int    `json:"n"`
		Code    *string `json:"code"`
		Options []struct {
			Key   any `json:"key"` // typed as the answers
			Count int `json:"count"`
		} `json:"options"`
		Numeric *struct {
			Mean, Q1, Median, Q3 float64
			Histogram            []struct {
				From, To float64
				Count    int
			}
		} `json:"numeric"`
	} `json:"questions"`
}

type trendDoc struct {
	Points []struct {
		SurveyID string   `json:"survey_id"`
		N        *int     `json:"n"`
		Total    *float64 `json:"total"`
		Median   *float64 `json:"median"`
	} `json:"points"`
}

// cell is what the attacker read: a total over members it can name.
type cell struct {
	members []string
	sum     float64            // numbers
	counts  map[string]float64 // choices, by option
}

// attack reads everything as the attacker and returns what it recovered.
func (s *scenario) attack(c *council, stats *tally) []string {
	if stats.whole == nil {
		stats.whole = map[string]string{}
	}
	var found []string
	cells := map[string][]cell{} // by question
	for _, ed := range s.editions {
		scopes := []string{""}
		for g := range ed.groups {
			scopes = append(scopes, g)
		}
		for _, g := range scopes {
			path := "/v1/surveys/" + ed.id + "/results"
			if g != "" {
				path += "?peer_group=" + g
			}
			var doc resultsDoc
			c.do(s.attacker, "GET", path, nil, 200, &doc)
			for _, q := range doc.Questions {
				def := s.question(q.Key)
				members := s.contributors(ed, g)
				stats.cells++
				if g == "" {
					stats.whole[ed.id+"/"+q.Key] = ""
				}
				if len(members) >= 10 && g != "" {
					stats.large++
				}
				if q.Code != nil {
					stats.suppressed++
					if g == "" {
						stats.whole[ed.id+"/"+q.Key] = *q.Code
					}
					if q.N != nil || q.Numeric != nil || q.Options != nil {
						found = append(found, fmt.Sprintf("%s %s %q: suppressed (%s) but shows figures", ed.label, g, q.Key, *q.Code))
					}
					continue
				}
				if len(members) >= 10 && g != "" {
					stats.largeShown++
				}
				if q.N == nil || *q.N != len(members) {
					found = append(found, fmt.Sprintf("%s %s %q: n %v, but %d answered", ed.label, g, q.Key, q.N, len(members)))
					continue
				}
				cl := cell{members: members}
				if def.options != nil {
					cl.counts = map[string]float64{}
					for _, o := range q.Options {
						cl.counts[fmt.Sprint(o.Key)] = float64(o.Count)
					}
				} else if q.Numeric != nil {
					cl.sum = q.Numeric.Mean * float64(*q.N)
					found = append(found, s.checkBars(ed, g, def, members, q.Numeric.Q1, q.Numeric.Median, q.Numeric.Q3, bars(q.Numeric.Histogram))...)
				}
				cells[q.Key] = append(cells[q.Key], cl)
			}
		}
	}
	if s.monthly {
		groups := map[string]bool{"": true}
		for _, ed := range s.editions {
			for g := range ed.groups {
				groups[g] = true
			}
		}
		for g := range groups {
			path := "/v1/series/" + s.series + "/trends?question=domains&from=2026-01&to=2026-03"
			if g != "" {
				path += "&peer_group=" + g
			}
			var doc trendDoc
			c.do(s.attacker, "GET", path, nil, 200, &doc)
			for _, pt := range doc.Points {
				if pt.Median != nil {
					found = append(found, "a member reads a period's median")
				}
				if pt.N == nil || pt.Total == nil {
					continue
				}
				ed := s.edition(pt.SurveyID)
				if _, ok := ed.groups[g]; g != "" && !ok {
					found = append(found, "a trend shows a group that was not published")
					continue
				}
				cells["domains"] = append(cells["domains"], cell{members: s.contributors(ed, g), sum: *pt.Total})
			}
		}
	}
	for _, q := range s.questions {
		found = append(found, s.solve(q, cells[q.key])...)
	}
	return found
}

type bar struct {
	from, to float64
	count    int
}

func bars(h []struct {
	From, To float64
	Count    int
}) []bar {
	out := make([]bar, len(h))
	for i, b := range h {
		out[i] = bar{b.From, b.To, b.Count}
	}
	return out
}

// checkBars: every bar that is not empty holds k answers, amounts' bars are
// wide enough not to pin an answer to within p %, the edges say nothing closer
// of the smallest and largest, and quartiles are middles of bars.
func (s *scenario) checkBars(ed edition, g string, q question, members []string, q1, median, q3 float64, bs []bar) []string {
	var found []string
	where := fmt.Sprintf("%s %s %q", ed.label, g, q.key)
	amount := q.magnitude || s.monthly
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, m := range members {
		v := ed.answers[m][q.key].(float64)
		if q.typ == "percentage" {
			v /= 100 // results put percentages on the scale of shares, 0 to 1
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for _, b := range bs {
		if b.count > 0 && b.count < s.k {
			found = append(found, fmt.Sprintf("%s: a bar [%v, %v) of %d answers, fewer than k", where, b.from, b.to, b.count))
		}
		if amount && b.count > 0 && b.to-b.from < 2*p*b.from-1e-9 {
			found = append(found, fmt.Sprintf("%s: a bar [%v, %v) pins its answers to within 10 %%", where, b.from, b.to))
		}
	}
	first, last := bs[0], bs[len(bs)-1]
	if lo < first.from-1e-9 || hi > last.to+1e-9 {
		found = append(found, fmt.Sprintf("%s: bars [%v, %v] do not hold the answers", where, first.from, last.to))
	}
	if amount && (first.from != 0 || last.to-last.to/2 < 2*p*hi) {
		found = append(found, fmt.Sprintf("%s: the edges %v and %v pin the smallest or largest amount", where, first.from, last.to))
	}
	for _, v := range []float64{q1, median, q3} {
		middle := false
		for _, b := range bs {
			middle = middle || math.Abs(v-(b.from+b.to)/2) < 1e-6
		}
		if !middle {
			found = append(found, fmt.Sprintf("%s: a quartile %v that is not the middle of a bar", where, v))
		}
	}
	return found
}

func (s *scenario) question(key string) question {
	for _, q := range s.questions {
		if q.key == key {
			return q
		}
	}
	return question{key: key}
}

func (s *scenario) edition(id string) edition {
	for _, e := range s.editions {
		if e.id == id {
			return e
		}
	}
	return edition{}
}

// contributors are the members of the scope that answered, as the attacker
// knows them: who responded, and the groups as published.
func (s *scenario) contributors(ed edition, g string) []string {
	var out []string
	for _, m := range s.council {
		if _, ok := ed.answers[m]; !ok {
			continue
		}
		if g == "" || slices.Contains(ed.groups[g], m) {
			out = append(out, m)
		}
	}
	return out
}

// latest is a member's most recent answer, which the attacker's inference about
// stable answers recovers.
func (s *scenario) latest(m, key string) any {
	for i := len(s.editions) - 1; i >= 0; i-- {
		if a, ok := s.editions[i].answers[m]; ok {
			return a[key]
		}
	}
	return nil
}

func chose(v any, option string) bool {
	switch v := v.(type) {
	case bool:
		return fmt.Sprint(v) == option
	case string:
		return v == option
	case []any:
		return slices.Contains(v, any(option))
	}
	return false
}

// solve is the linear attack on one question: the cells as rows over the
// members (the same member in every edition, assuming its answer did not
// change), the attacker's own answer as one more row. It tries every member
// alone, and every set that one cell less another, or less two others, leaves.
func (s *scenario) solve(q question, cells []cell) []string {
	if len(cells) == 0 {
		return nil
	}
	col := map[string]int{}
	for i, m := range s.council {
		col[m] = i
	}
	self := col[s.attacker]
	n := len(s.council)
	var rows [][]float64
	for _, c := range cells {
		r := make([]float64, n)
		for _, m := range c.members {
			r[col[m]] = 1
		}
		rows = append(rows, r)
	}
	withSelf := append(slices.Clone(rows), unit(n, self))
	basis := reduce(withSelf)
	bare := reduce(rows)
	var found []string
	for m, j := range col {
		if j != self && inSpan(basis, unit(n, j)) {
			found = append(found, fmt.Sprintf("%q: %s's answer can be worked out", q.key, m))
		}
	}
	// Candidate sets: what one cell less another, or less two others, leaves.
	seen := map[string]bool{}
	var sets [][]string
	add := func(t []string) {
		t = slices.DeleteFunc(slices.Clone(t), func(m string) bool { return m == s.attacker })
		key := strings.Join(t, ",")
		if len(t) > 0 && !seen[key] {
			seen[key] = true
			sets = append(sets, t)
		}
	}
	for i := range cells {
		add(cells[i].members)
		for j := range cells {
			if i != j {
				add(minus(cells[i].members, cells[j].members))
				add(intersect(cells[i].members, cells[j].members))
				for k := j + 1; k < len(cells) && len(cells) <= 24; k++ {
					if k != i {
						add(minus(minus(cells[i].members, cells[j].members), cells[k].members))
					}
				}
			}
		}
	}
	for _, t := range sets {
		v := make([]float64, n)
		for _, m := range t {
			v[col[m]] = 1
		}
		if !inSpan(basis, v) {
			continue
		}
		if len(t) < s.k-1 || (len(t) < s.k && inSpan(bare, v)) {
			found = append(found, fmt.Sprintf("%q: the total of %v (%d, fewer than k) can be worked out", q.key, t, len(t)))
			continue
		}
		switch {
		case q.options != nil:
			// Is every member of t known to have chosen one option, or, for
			// multiple choice, is every option all or nothing in t?
			all := true
			for _, o := range q.options {
				c := 0
				for _, m := range t {
					if chose(s.latest(m, q.key), o) {
						c++
					}
				}
				if q.typ != "multiple_choice" && c == len(t) {
					found = append(found, fmt.Sprintf("%q: all of %v chose %s, and their total can be worked out", q.key, t, o))
				}
				all = all && (c == 0 || c == len(t))
			}
			if q.typ == "multiple_choice" && all {
				found = append(found, fmt.Sprintf("%q: every option is all or nothing in %v, whose totals can be worked out", q.key, t))
			}
		case q.magnitude || (s.monthly && q.key == "domains"):
			// The total of t bounds its largest member from above; the rest is
			// how far off that estimate is.
			var sum, top float64
			for _, m := range t {
				v := s.latest(m, q.key).(float64)
				sum += v
				top = math.Max(top, v)
			}
			if top > 0 && sum-top < p*top {
				found = append(found, fmt.Sprintf("%q: the total of %v estimates its largest (%v) to within %.1f %%", q.key, t, top, 100*(sum-top)/top))
			}
		}
	}
	return found
}

func unit(n, i int) []float64 {
	v := make([]float64, n)
	v[i] = 1
	return v
}

func minus(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(m string) bool { return slices.Contains(b, m) })
}

func intersect(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(m string) bool { return !slices.Contains(b, m) })
}

// reduce returns an orthonormal-free echelon basis of the rows: Gaussian
// elimination with partial pivoting, in floating point, independent of the
// audit's exact arithmetic.
func reduce(rows [][]float64) [][]float64 {
	var basis [][]float64
	for _, r := range rows {
		v := slices.Clone(r)
		if residual(basis, v) {
			basis = append(basis, normalise(v))
		}
	}
	return basis
}

// residual reduces v against the basis in place and reports whether anything
// is left.
func residual(basis [][]float64, v []float64) bool {
	for _, b := range basis {
		p := pivot(b)
		if f := v[p]; f != 0 {
			for i := range v {
				v[i] -= f * b[i]
			}
		}
	}
	for _, x := range v {
		if math.Abs(x) > 1e-7 {
			return true
		}
	}
	return false
}

func pivot(b []float64) int {
	for i, x := range b {
		if math.Abs(x) > 1e-7 {
			return i
		}
	}
	return 0
}

func normalise(v []float64) []float64 {
	p := pivot(v)
	f := v[p]
	for i := range v {
		v[i] /= f
	}
	return v
}

func inSpan(basis [][]float64, v []float64) bool {
	return !residual(basis, slices.Clone(v))
}
