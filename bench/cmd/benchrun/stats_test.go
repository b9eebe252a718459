package main

import (
	"math"
	"slices"
	"testing"
)

func TestSummarize_medianMinMax(t *testing.T) {
	for _, c := range []struct {
		in                []float64
		median, min, maxv float64
	}{
		{[]float64{5, 1, 3}, 3, 1, 5},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{[]float64{7}, 7, 7, 7},
	} {
		s := summarize(c.in)
		if s.Median != c.median || s.Min != c.min || s.Max != c.maxv {
			t.Errorf("summarize(%v) = %+v, want median %v min %v max %v", c.in, s, c.median, c.min, c.maxv)
		}
		if !slices.Equal(s.Runs, c.in) {
			t.Errorf("runs %v reordered or lost, want %v", s.Runs, c.in)
		}
	}
}

func TestSummarize_nonFiniteDroppedAndEmptyUnmeasured(t *testing.T) {
	s := summarize([]float64{math.NaN(), 2, math.Inf(1)})
	if s.Median != 2 || len(s.Runs) != 1 {
		t.Fatalf("got %+v, want only the finite run", s)
	}
	if e := summarize(nil); e.measured() || e.Runs == nil {
		t.Fatalf("empty summary %+v: must be unmeasured with an empty (not null) run list", e)
	}
}

func TestPairedRatios_pairsRunsOfTheSameRound(t *testing.T) {
	got := pairedRatios([]float64{2, 6, 9}, []float64{1, 3, 0})
	if !slices.Equal(got, []float64{2, 2}) {
		t.Fatalf("got %v, want [2 2] (the zero denominator skipped)", got)
	}
}

func TestRotate_everyVariantTakesEveryPosition(t *testing.T) {
	vs := []Variant{Ours, Baseline, Floor}
	first := map[Variant]bool{}
	for r := range len(vs) {
		got := rotate(vs, r)
		if len(got) != len(vs) {
			t.Fatalf("round %d: %v", r, got)
		}
		first[got[0]] = true
	}
	if len(first) != len(vs) {
		t.Fatalf("only %v ever ran first", first)
	}
	if !slices.Equal(vs, []Variant{Ours, Baseline, Floor}) {
		t.Fatalf("rotate changed its input: %v", vs)
	}
}

func TestRatio_unmeasuredIsZero(t *testing.T) {
	if ratio(1, 0) != 0 || ratio(math.NaN(), 1) != 0 || ratio(3, 2) != 1.5 {
		t.Fatal("ratio must be a/b, or 0 when it cannot be computed")
	}
}
