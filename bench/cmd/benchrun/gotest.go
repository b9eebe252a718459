package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MicroBench is one Go benchmark, summarised over its -count runs.
type MicroBench struct {
	Package     string `json:"package"`
	Name        string `json:"name"`
	NsPerOp     Stats  `json:"ns_per_op"`
	BytesPerOp  Stats  `json:"bytes_per_op"`
	AllocsPerOp Stats  `json:"allocs_per_op"`
}

// benchLine matches a result line of `go test -bench -benchmem`:
// "BenchmarkSign-2   123456   9876 ns/op   1234 B/op   21 allocs/op".
var benchLine = regexp.MustCompile(`^(Benchmark[^\s]+?)(?:-[0-9]+)?\s+[0-9]+\s+([0-9.]+) ns/op(.*)$`)

var (
	bytesField  = regexp.MustCompile(`([0-9.]+) B/op`)
	allocsField = regexp.MustCompile(`([0-9.]+) allocs/op`)
)

// parseBenchOutput collects every result line of go test output by benchmark
// name (the -GOMAXPROCS suffix removed), in order of first appearance.
func parseBenchOutput(pkg, out string) []MicroBench {
	type acc struct{ ns, b, allocs []float64 }
	var order []string
	byName := map[string]*acc{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		a := byName[m[1]]
		if a == nil {
			a = &acc{}
			byName[m[1]] = a
			order = append(order, m[1])
		}
		if v, err := strconv.ParseFloat(m[2], 64); err == nil {
			a.ns = append(a.ns, v)
		}
		if f := bytesField.FindStringSubmatch(m[3]); f != nil {
			if v, err := strconv.ParseFloat(f[1], 64); err == nil {
				a.b = append(a.b, v)
			}
		}
		if f := allocsField.FindStringSubmatch(m[3]); f != nil {
			if v, err := strconv.ParseFloat(f[1], 64); err == nil {
				a.allocs = append(a.allocs, v)
			}
		}
	}
	out2 := make([]MicroBench, 0, len(order))
	for _, name := range order {
		a := byName[name]
		out2 = append(out2, MicroBench{Package: pkg, Name: name,
			NsPerOp: summarize(a.ns), BytesPerOp: summarize(a.b), AllocsPerOp: summarize(a.allocs)})
	}
	return out2
}

// runGoBench runs `go test -run '^$' -bench pattern -benchmem` on one
// package of the provider's module and parses the results. A package without
// matching benchmarks gives no results and no error: the report then shows
// the figure as not measured.
func runGoBench(ctx context.Context, root, pkg, pattern string, count int, benchtime, logPath string) ([]MicroBench, error) {
	// An explicit -timeout, as in every go test of the project: a hung
	// benchmark fails with its stack, not at Go's default of 10 minutes.
	args := []string{"test", "-run", "^$", "-timeout", "20m", "-bench", pattern, "-benchmem", "-count", strconv.Itoa(count)}
	if benchtime != "" {
		args = append(args, "-benchtime", benchtime)
	}
	args = append(args, pkg)
	cmd := groupCommand(ctx, "go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(logPath, out, 0o644)
	if ctx.Err() != nil {
		return nil, errInterrupted
	}
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, lastLines(string(out), 30))
	}
	return parseBenchOutput(pkg, string(out)), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// findBench returns the benchmark of that name, if measured.
func findBench(all []MicroBench, name string) (MicroBench, bool) {
	i := slices.IndexFunc(all, func(b MicroBench) bool { return b.Name == name })
	if i < 0 {
		return MicroBench{}, false
	}
	return all[i], true
}
