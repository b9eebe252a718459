package main

import (
	"math"
	"slices"
)

// Stats summarises repeated measurements of one figure.
type Stats struct {
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Runs   []float64 `json:"runs"`
}

// summarize returns the median, min and max of xs. Non-finite values are
// dropped (JSON cannot carry them); with nothing left, the Stats are empty and
// measured reports false.
func summarize(xs []float64) Stats {
	s := Stats{Runs: []float64{}}
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s.Runs = append(s.Runs, x)
		}
	}
	if len(s.Runs) == 0 {
		return s
	}
	xs = s.Runs
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	s.Median = median(sorted)
	return s
}

// measured reports whether at least one run was recorded.
func (s Stats) measured() bool { return len(s.Runs) > 0 }

// ratio is a/b, or 0 when b is not positive (an unmeasured figure).
func ratio(a, b float64) float64 {
	if b <= 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return 0
	}
	return a / b
}

// median of an already sorted, non-empty slice.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// pairedRatios divides a[i] by b[i]: the runs of two variants measured in the
// same round, so that a slow round (another process on the machine) slows
// both and cancels out of the ratio.
func pairedRatios(a, b []float64) []float64 {
	n := min(len(a), len(b))
	out := make([]float64, 0, n)
	for i := range n {
		if b[i] > 0 {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

// rotate returns the variants in the order of round r, each variant taking
// every position in turn, so no variant always runs first (cold) or right
// after the heaviest one.
func rotate[T any](vs []T, r int) []T {
	if len(vs) == 0 {
		return nil
	}
	k := r % len(vs)
	return append(slices.Clone(vs[k:]), vs[:k]...)
}
