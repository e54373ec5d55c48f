package gen

import (
	"math"
	"math/rand/v2"
	"sort"
)

// choice is a weighted list to draw from. Draws walk a cumulative table by
// binary search, so a list of hundreds of names costs a few comparisons.
type choice[T any] struct {
	items []T
	cum   []float64
}

func newChoice[T any](items []T, weights []float64) *choice[T] {
	if len(items) != len(weights) || len(items) == 0 {
		panic("gen: choice needs one positive weight per item")
	}
	c := &choice[T]{items: items, cum: make([]float64, len(items))}
	total := 0.0
	for i, w := range weights {
		total += w
		c.cum[i] = total
	}
	return c
}

// zipf weights a list given in order of frequency: the i-th item weighs
// 1/(i+offset)^s. Real name frequencies fall off close to this.
func zipf(items []string, s, offset float64) *choice[string] {
	w := make([]float64, len(items))
	for i := range items {
		w[i] = 1 / math.Pow(float64(i)+offset, s)
	}
	return newChoice(items, w)
}

func (c *choice[T]) pick(r *rand.Rand) T {
	x := r.Float64() * c.cum[len(c.cum)-1]
	i := sort.SearchFloat64s(c.cum, x)
	if i >= len(c.items) {
		i = len(c.items) - 1
	}
	return c.items[i]
}

// pair is an item with its weight, for tables written inline.
type pair struct {
	v string
	w float64
}

func fromPairs(ps []pair) *choice[string] {
	items := make([]string, len(ps))
	ws := make([]float64, len(ps))
	for i, p := range ps {
		items[i], ws[i] = p.v, p.w
	}
	return newChoice(items, ws)
}

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns an integer in [lo, hi]; hi < lo gives lo.
func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

func oneOf(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }
