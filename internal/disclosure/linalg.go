package disclosure

import "math/bits"

// The linear algebra of the audit is exact: arithmetic modulo the Mersenne prime
// 2^61 − 1. The matrices hold 0 and 1 and are tens of rows and columns, so a rank
// computed modulo the prime differs from the rank over the rationals only if a
// minor happens to be a multiple of it; no tolerance has to be chosen.
const prime = 1<<61 - 1

func addMod(a, b uint64) uint64 {
	s := a + b
	if s >= prime {
		s -= prime
	}
	return s
}

func subMod(a, b uint64) uint64 {
	if a >= b {
		return a - b
	}
	return a + prime - b
}

func mulMod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	// a·b = hi·2^64 + lo; 2^64 ≡ 2^3 (mod 2^61−1).
	r := (lo & prime) + (lo >> 61) + (hi << 3)
	for r >= prime {
		r -= prime
	}
	return r
}

func powMod(a, e uint64) uint64 {
	r := uint64(1)
	for e > 0 {
		if e&1 == 1 {
			r = mulMod(r, a)
		}
		a = mulMod(a, a)
		e >>= 1
	}
	return r
}

func invMod(a uint64) uint64 { return powMod(a, prime-2) }

// rref reduces the rows in place to reduced row echelon form and returns the
// nonzero rows and their pivot columns.
func rref(rows [][]uint64) ([][]uint64, []int) {
	if len(rows) == 0 {
		return nil, nil
	}
	cols := len(rows[0])
	var pivots []int
	r := 0
	for c := 0; c < cols && r < len(rows); c++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if rows[i][c] != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		inv := invMod(rows[r][c])
		for j := c; j < cols; j++ {
			rows[r][j] = mulMod(rows[r][j], inv)
		}
		for i := range rows {
			if i == r || rows[i][c] == 0 {
				continue
			}
			f := rows[i][c]
			for j := c; j < cols; j++ {
				if rows[r][j] != 0 {
					rows[i][j] = subMod(rows[i][j], mulMod(f, rows[r][j]))
				}
			}
		}
		pivots = append(pivots, c)
		r++
	}
	return rows[:r], pivots
}

// nullSpace returns a basis of the vectors y with y·m = 0, where m has the given
// number of rows: the combinations of m's rows that vanish.
func nullSpace(m [][]uint64, rows int) [][]uint64 {
	if len(m) == 0 || len(m[0]) == 0 {
		// No columns to cancel: every combination vanishes.
		out := make([][]uint64, rows)
		for i := range out {
			out[i] = make([]uint64, rows)
			out[i][i] = 1
		}
		return out
	}
	// Solve mᵀ·y = 0: transpose, reduce, read off the free variables.
	cols := len(m[0])
	t := make([][]uint64, cols)
	for j := range t {
		t[j] = make([]uint64, rows)
		for i := 0; i < rows; i++ {
			t[j][i] = m[i][j]
		}
	}
	red, pivots := rref(t)
	isPivot := make([]int, rows)
	for i := range isPivot {
		isPivot[i] = -1
	}
	for r, c := range pivots {
		isPivot[c] = r
	}
	var out [][]uint64
	for free := 0; free < rows; free++ {
		if isPivot[free] >= 0 {
			continue
		}
		y := make([]uint64, rows)
		y[free] = 1
		for r, c := range pivots {
			y[c] = subMod(0, red[r][free])
		}
		out = append(out, y)
	}
	return out
}
