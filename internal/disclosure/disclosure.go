// Package disclosure decides which aggregates of members' answers may be shown to
// members without giving away any one member's answer (decision 0010). It sees a
// question's cells (the aggregates of one question over one set of members: the
// whole membership or a peer group, in one edition or period) as linear queries
// over the members' values, and suppresses a cell when, together with every cell
// already shown and with the reader's own answer, it would let a member work out
// another member's answer, the total of fewer than k members, or a dominant
// member's amount to within p %. It does no I/O.
package disclosure

import "slices"

// Kind says how a question's answers are aggregated, which decides the rules.
type Kind int

// The kinds of question the audit tells apart.
const (
	Numeric   Kind = iota // numbers that are summed: the threshold rule
	Magnitude             // amounts (domains, revenue, any series metric): threshold and p % rule
	Choice                // one option per answer (single choice, boolean, scale): threshold and unanimity
	Multiple              // any number of options per answer: threshold and unanimity of the whole answer
)

// Code says why a cell is suppressed; "" when it is shown.
type Code string

// The reasons a cell is suppressed, as the API reports them.
const (
	Shown          Code = ""
	BelowThreshold Code = "below_threshold" // fewer than k members answered
	Dominance      Code = "dominance"       // the p % rule: one member's amount would be estimated too closely
	Unanimous      Code = "unanimous"       // every member, or all but the reader, gave the same answer
	WouldDisclose  Code = "would_disclose"  // with cells already shown it would reveal an answer (secondary suppression)
)

// Rules are the parameters of the audit.
type Rules struct {
	K int     // the threshold: no total over fewer members can be worked out
	P float64 // the p % rule as a fraction, 0.1 for 10 %
}

// DefaultP is the precision, as a fraction of the answer, within which no member's
// amount may be estimated.
const DefaultP = 0.10

// Answer is one member's answer as the audit sees it.
type Answer struct {
	Number  float64
	Options []string // the chosen options, for Choice and Multiple
}

// Question is what the audit knows of one question: its kind, its options and
// each member's answer. Across editions and periods the same member's answers
// are taken as one variable, so that differencing two editions is audited as
// differencing two groups; the answer given is the member's most recent.
type Question struct {
	Kind    Kind
	Options []string
	Answers map[string]Answer
}

// Cell is one aggregate a member can read: the members that contributed to it.
type Cell struct {
	Members []string
}

// Suppress decides which candidate cells are shown, in the order given (the most
// useful first: the whole membership, then larger groups), given the cells that
// members can read already (frozen: earlier editions, periods and groups, which
// stay as they were). A candidate fails on its own (fewer than k contributors,
// unanimity, dominance), or else is added only if the audit of every cell kept so
// far with it finds nothing; otherwise it is suppressed as would_disclose.
func Suppress(r Rules, q Question, frozen, candidates []Cell) []Code {
	out := make([]Code, len(candidates))
	kept := slices.Clone(frozen)
	for i, c := range candidates {
		if len(c.Members) < max(r.K, 1) {
			out[i] = BelowThreshold
			continue
		}
		if code := Check(r, q, []Cell{c}); code != Shown {
			out[i] = code
			continue
		}
		if Check(r, q, append(kept, c)) != Shown {
			out[i] = WouldDisclose
			continue
		}
		kept = append(kept, c)
	}
	return out
}

// Check audits a set of cells that members can read: it returns Shown when no
// member, knowing its own answer and who contributed to each cell, can work out
// from them the total of fewer than k members (counting itself when it is one of
// them), another member's choice with certainty, or, for magnitudes, the largest
// contribution to some total to within p %; else the rule that fails.
func Check(r Rules, q Question, cells []Cell) Code {
	a := newAudit(r, q, cells)
	if a.atoms == nil {
		return Shown
	}
	if !a.threshold() {
		return BelowThreshold
	}
	switch q.Kind {
	case Magnitude:
		if !a.dominance() {
			return Dominance
		}
	case Choice, Multiple:
		if !a.unanimity() {
			return Unanimous
		}
	}
	return Shown
}

// maxNodes bounds the search of one audit for sets of members whose total can be
// worked out; past it the audit gives up and fails, so that an undecided case
// suppresses rather than shows. Councils of tens of members in a few fixed groups
// stay far below it; random groups of single members can reach it.
const maxNodes = 1 << 16

// atom is a set of members that every cell either contains wholly or not at all:
// no combination of cells can tell them apart.
type atom struct {
	members []string
	sum     float64
	top     [2]float64 // the two largest answers
}

type audit struct {
	rules Rules
	q     Question
	atoms []atom
	basis [][]uint64 // the row space of the cells over the atoms, reduced
	nodes int        // searched so far, against maxNodes
}

func newAudit(r Rules, q Question, cells []Cell) *audit {
	// Each member's signature, the cells it is in, as bits: in one slab, by
	// the member's place in order, rather than one allocation per member,
	// since an edition may have a hundred thousand.
	w := (len(cells) + 7) / 8
	n := 0
	for _, c := range cells {
		n = max(n, len(c.Members))
	}
	place := make(map[string]int, n)
	order := make([]string, 0, n)
	slab := make([]byte, 0, n*w)
	for ci, c := range cells {
		for _, m := range c.Members {
			i, ok := place[m]
			if !ok {
				i = len(order)
				place[m] = i
				order = append(order, m)
				for range w {
					slab = append(slab, 0)
				}
			}
			slab[i*w+ci/8] |= 1 << (ci % 8)
		}
	}
	a := &audit{rules: r, q: q}
	bySig := map[string]int{}
	var sigs []string // each atom's signature
	atomOf := make([]int, len(order))
	var sizes []int
	for j := range order {
		key := slab[j*w : (j+1)*w]
		i, ok := bySig[string(key)]
		if !ok {
			i = len(sigs)
			bySig[string(key)] = i
			sigs = append(sigs, string(key))
			sizes = append(sizes, 0)
		}
		atomOf[j] = i
		sizes[i]++
	}
	a.atoms = make([]atom, len(sigs))
	for i := range a.atoms {
		a.atoms[i].members = make([]string, 0, sizes[i])
	}
	for j, m := range order {
		at := &a.atoms[atomOf[j]]
		at.members = append(at.members, m)
		v := q.Answers[m].Number
		at.sum += v
		switch {
		case len(at.members) == 1 || v > at.top[0]:
			if len(at.members) > 1 {
				at.top[1] = at.top[0]
			}
			at.top[0] = v
		case len(at.members) == 2 || v > at.top[1]:
			at.top[1] = v
		}
	}
	if len(a.atoms) == 0 {
		return a
	}
	rows := make([][]uint64, len(cells))
	for ci := range cells {
		rows[ci] = make([]uint64, len(a.atoms))
	}
	for i, key := range sigs {
		for ci := range cells {
			if key[ci/8]&(1<<(ci%8)) != 0 {
				rows[ci][i] = 1
			}
		}
	}
	a.basis, _ = rref(rows)
	return a
}

// space is the part of the row space that lies on a chosen set of atoms: the
// totals that can be worked out involving no other atom.
type space struct {
	cols   []int      // atom index of each column
	rows   [][]uint64 // a basis, reduced
	pivots []int
}

// space returns the part of the row space on the atoms for which in is true.
func (a *audit) space(in func(i int) bool) space {
	var s space
	var other []int
	for i := range a.atoms {
		if in(i) {
			s.cols = append(s.cols, i)
		} else {
			other = append(other, i)
		}
	}
	// The combinations of the basis that vanish on every other atom.
	sub := make([][]uint64, len(a.basis))
	for r, row := range a.basis {
		sub[r] = make([]uint64, len(other))
		for j, i := range other {
			sub[r][j] = row[i]
		}
	}
	var vecs [][]uint64
	for _, y := range nullSpace(sub, len(a.basis)) {
		v := make([]uint64, len(s.cols))
		nonzero := false
		for r, yr := range y {
			if yr == 0 {
				continue
			}
			for j, i := range s.cols {
				if a.basis[r][i] != 0 {
					v[j] = addMod(v[j], mulMod(yr, a.basis[r][i]))
					nonzero = true
				}
			}
		}
		if nonzero {
			vecs = append(vecs, v)
		}
	}
	s.rows, s.pivots = rref(vecs)
	return s
}

// involves reports whether some vector of the space is nonzero on atom i.
func (s space) involves(i int) bool {
	j := slices.Index(s.cols, i)
	if j < 0 {
		return false
	}
	for _, row := range s.rows {
		if row[j] != 0 {
			return true
		}
	}
	return false
}

// without is what a reader that is the single member of atom v can work out:
// the space with v's column dropped, since it knows its own answer.
func (s space) without(v int) space {
	j := slices.Index(s.cols, v)
	out := space{cols: slices.Delete(slices.Clone(s.cols), j, j+1)}
	var vecs [][]uint64
	for _, row := range s.rows {
		vecs = append(vecs, slices.Delete(slices.Clone(row), j, j+1))
	}
	out.rows, out.pivots = rref(vecs)
	return out
}

// sets calls visit with every nonempty set of atoms whose indicator lies in the
// space (a total that can be worked out), skipping the sets that grow rejects.
// Such a vector is 0 or 1 on the pivot columns, so it is the sum of the basis
// rows whose pivot it contains: the search runs over subsets of rows, and a
// column is checked once the last row touching it has been decided. grow sees
// the atoms chosen so far (the pivots, which every extension keeps) and must
// reject only sets none of whose extensions matters; zero lists atoms that must
// not be in a set. It reports false when it gave up.
func (a *audit) sets(s space, grow func(atoms []int) bool, zero func(i int) bool, visit func(atoms []int) bool) bool {
	if len(s.rows) == 0 {
		return true
	}
	last := make([]int, len(s.cols))
	for c := range last {
		last[c] = -1
	}
	for r, row := range s.rows {
		for c, x := range row {
			if x != 0 {
				last[c] = r
			}
		}
	}
	closing := make([][]int, len(s.rows))
	for c, r := range last {
		if r >= 0 {
			closing[r] = append(closing[r], c)
		}
	}
	sum := make([]uint64, len(s.cols))
	var chosen []int
	ok := func(c int) bool {
		v := sum[c]
		return v == 0 || (v == 1 && !zero(s.cols[c]))
	}
	var walk func(r int) bool
	walk = func(r int) bool {
		a.nodes++
		if a.nodes > maxNodes {
			return false
		}
		if r == len(s.rows) {
			if len(chosen) == 0 {
				return true
			}
			var atoms []int
			for c, v := range sum {
				if v == 1 {
					atoms = append(atoms, s.cols[c])
				}
			}
			return visit(atoms)
		}
		// Without row r.
		good := true
		for _, c := range closing[r] {
			good = good && ok(c)
		}
		if good && !walk(r+1) {
			return false
		}
		// With row r.
		pivotAtom := s.cols[s.pivots[r]]
		if zero(pivotAtom) || !grow(append(chosen, pivotAtom)) {
			return true
		}
		for c, x := range s.rows[r] {
			if x != 0 {
				sum[c] = addMod(sum[c], x)
			}
		}
		chosen = append(chosen, pivotAtom)
		good = true
		for _, c := range closing[r] {
			good = good && ok(c)
		}
		more := !good || walk(r+1)
		chosen = chosen[:len(chosen)-1]
		for c, x := range s.rows[r] {
			if x != 0 {
				sum[c] = subMod(sum[c], x)
			}
		}
		return more
	}
	return walk(0)
}

func (a *audit) size(atoms []int) int {
	n := 0
	for _, i := range atoms {
		n += len(a.atoms[i].members)
	}
	return n
}

// rest is a total's amount beyond its two largest contributions, and the largest.
func (a *audit) rest(atoms []int) (float64, float64) {
	var sum float64
	var top [2]float64
	for _, i := range atoms {
		at := a.atoms[i]
		sum += at.sum
		for _, v := range at.top[:min(2, len(at.members))] {
			switch {
			case v > top[0]:
				top[1], top[0] = top[0], v
			case v > top[1]:
				top[1] = v
			}
		}
	}
	return sum - top[0] - top[1], top[0]
}

func (a *audit) single(i int) bool { return len(a.atoms[i].members) == 1 }

func never(int) bool { return false }

// threshold: no total of fewer than k members can be worked out by anyone, nor of
// fewer than k − 1 others by a member that cancels its own answer.
func (a *audit) threshold() bool {
	k := a.rules.K
	s := a.space(func(i int) bool { return len(a.atoms[i].members) < k })
	for _, v := range append([]int{-1}, a.viewers(s)...) {
		sv, limit := s, k
		if v >= 0 {
			sv, limit = s.without(v), k-1
		}
		safe := true
		done := a.sets(sv, func(atoms []int) bool { return a.size(atoms) < limit }, never,
			func(atoms []int) bool {
				safe = a.size(atoms) >= limit
				return safe
			})
		if !safe || !done {
			return false
		}
	}
	return true
}

// viewers are the members alone in their atom whose own answer changes what
// they can work out from s: a reader in a larger atom cancels only itself from
// every total it is in, which the limits already allow for.
func (a *audit) viewers(s space) []int {
	var out []int
	for _, i := range s.cols {
		if a.single(i) && s.involves(i) {
			out = append(out, i)
		}
	}
	return out
}

// dominance: for every member that is the largest contributor to some total that
// can be worked out, the rest of that total beyond the two largest is at least p %
// of it, so that the second largest cannot estimate it more closely (the p % rule).
func (a *audit) dominance() bool {
	p := a.rules.P
	for ai, at := range a.atoms {
		x := at.top[0]
		if x <= 0 || at.sum-at.top[0]-at.top[1] >= p*x {
			continue // nothing to hide, or the member's own atom hides it already
		}
		light := func(i int) bool {
			b := a.atoms[i]
			return i == ai || (b.top[0] <= x && b.sum < (1+p)*x)
		}
		heavy := func(i int) bool { return !light(i) }
		// Single members are kept, heavy or not, for the reader that is one.
		s := a.space(func(i int) bool { return light(i) || a.single(i) })
		if !s.involves(ai) {
			continue
		}
		for _, v := range append([]int{-1}, a.viewers(s)...) {
			if v == ai {
				continue
			}
			sv := s
			if v >= 0 {
				sv = s.without(v)
			}
			safe := true
			done := a.sets(sv, func(atoms []int) bool {
				r, _ := a.rest(atoms)
				return r < p*x
			}, heavy, func(atoms []int) bool {
				if slices.Contains(atoms, ai) {
					if r, top := a.rest(atoms); top <= x && r < p*x {
						safe = false
					}
				}
				return safe
			})
			if !safe || !done {
				return false
			}
		}
	}
	return true
}

// unanimity: no member's choice can be worked out with certainty, as it can
// when every member of a total that can be worked out chose the same (or all but
// the reader did). What is learnt is kept by reader ("" for anyone), since the
// facts one reader learns and those another learns do not add up.
func (a *audit) unanimity() bool {
	type fact struct {
		option string
		chose  bool
	}
	known := map[string]map[string]map[fact]bool{} // reader → member → facts
	learn := func(reader, m string, f fact) {
		if known[reader] == nil {
			known[reader] = map[string]map[fact]bool{}
		}
		if known[reader][m] == nil {
			known[reader][m] = map[fact]bool{}
		}
		known[reader][m][f] = true
	}
	for _, o := range a.q.Options {
		for _, chose := range []bool{true, false} {
			matches := func(m string) bool { return slices.Contains(a.q.Answers[m].Options, o) == chose }
			defectors := make([]int, len(a.atoms))
			for i, at := range a.atoms {
				for _, m := range at.members {
					if !matches(m) {
						defectors[i]++
					}
				}
			}
			def := func(atoms []int) int {
				d := 0
				for _, i := range atoms {
					d += defectors[i]
				}
				return d
			}
			s := a.space(func(i int) bool { return defectors[i] <= 1 })
			for _, v := range append([]int{-1}, a.viewers(s)...) {
				sv, allowed := s, 1 // the one that differs is the reader
				if v >= 0 {
					sv, allowed = s.without(v), 0
				}
				done := a.sets(sv, func(atoms []int) bool { return def(atoms) <= allowed }, never,
					func(atoms []int) bool {
						d := def(atoms)
						if d > allowed || a.size(atoms)-d < 1 {
							return true
						}
						reader := ""
						if v >= 0 {
							reader = a.atoms[v].members[0]
						}
						for _, i := range atoms {
							for _, m := range a.atoms[i].members {
								if !matches(m) {
									reader = m // the one that differs learns it
								}
							}
						}
						for _, i := range atoms {
							for _, m := range a.atoms[i].members {
								if matches(m) && m != reader {
									learn(reader, m, fact{o, chose})
								}
							}
						}
						return true
					})
				if !done {
					return false
				}
			}
		}
	}
	determined := func(facts ...map[fact]bool) bool {
		has := func(f fact) bool {
			for _, fs := range facts {
				if fs[f] {
					return true
				}
			}
			return false
		}
		if a.q.Kind == Multiple {
			for _, o := range a.q.Options {
				if !has(fact{o, true}) && !has(fact{o, false}) {
					return false
				}
			}
			return true
		}
		not := 0
		for _, o := range a.q.Options {
			if has(fact{o, true}) {
				return true
			}
			if has(fact{o, false}) {
				not++
			}
		}
		return not >= len(a.q.Options)-1
	}
	for reader, members := range known {
		for m, facts := range members {
			if determined(facts, known[""][m]) {
				return false
			}
		}
		if reader == "" {
			continue
		}
		for m, facts := range known[""] {
			if m != reader && determined(facts) {
				return false
			}
		}
	}
	return true
}
