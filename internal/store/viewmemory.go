package store

import "sync"

// memo keeps, in this process, the values last read from or written to the
// results cache, decoded, so that a repeated read of a published edition costs
// neither a query nor a decoding. It is exact in every process because what it
// keeps cannot change under its key: a results view is keyed by the survey's
// stamp, which each read computes from the survey as it is in the database
// now, and a trend figure holds only a published edition's answers, which
// never change. What it holds is shared between readers, who only read it.
type memo[K comparable, V any] struct {
	mu     sync.Mutex
	size   int
	values map[K]V
	order  []K // oldest first, for forgetting once full
}

func newMemo[K comparable, V any](size int) *memo[K, V] {
	return &memo[K, V]{size: size, values: map[K]V{}}
}

func (m *memo[K, V]) get(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[k]
	return v, ok
}

func (m *memo[K, V]) put(k K, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.values[k]; !ok {
		if len(m.order) == m.size {
			delete(m.values, m.order[0])
			m.order = m.order[1:]
		}
		m.order = append(m.order, k)
	}
	m.values[k] = v
}

// viewKey names a results view of a survey in the state its stamp names.
type viewKey struct{ survey, view, stamp string }

// trendKey names a published edition's figures in a trend view.
type trendKey struct{ survey, view string }

// Bounds of what a process keeps: the views of the editions that people are
// reading (a few hundred kilobytes each at most), and ten years of monthly
// figures of a few dozen metrics over a few groups (a few dozen bytes each).
const (
	viewMemorySize  = 256
	trendMemorySize = 50_000
)
