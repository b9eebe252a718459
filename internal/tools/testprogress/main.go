// Command testprogress turns the output of `go test -json` into one line per
// finished package and per finished top-level test that took a while (or
// failed), prints the whole output of every failed test, and closes with the
// slowest tests. make test pipes its go test runs through it, so a run of
// several minutes shows its progress as it goes.
//
//	go test -json ./... | testprogress [-min 1s] [-slowest 3]
//
// It exits with status 1 when a test or a package failed (or the input held
// no test result at all), so a pipeline with pipefail fails as go test does.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64 // seconds
	Output     string
}

// result is a finished top-level test.
type result struct {
	name    string // package and test
	elapsed time.Duration
}

type formatter struct {
	out     io.Writer
	min     time.Duration
	slowest int

	// output holds what each running test (key package + " " + test,
	// subtests included) and each package (key package) printed, until it
	// passes; order lists the keys as they appeared.
	output   map[string]*strings.Builder
	order    []string
	finished []result
	tests    map[string]int // pass, fail, skip counts
	failed   []string
	packages int
}

func newFormatter(out io.Writer, minElapsed time.Duration, slowest int) *formatter {
	return &formatter{
		out: out, min: minElapsed, slowest: slowest,
		output: map[string]*strings.Builder{}, tests: map[string]int{},
	}
}

// topLevel returns the top-level test of a (sub)test name.
func topLevel(test string) string {
	name, _, _ := strings.Cut(test, "/")
	return name
}

func (f *formatter) buffer(key, text string) {
	b := f.output[key]
	if b == nil {
		b = &strings.Builder{}
		f.output[key] = b
		f.order = append(f.order, key)
	}
	b.WriteString(text)
}

// flush prints and forgets the output of key and, in the order it came, of
// every subtest of key that is still held (the passing ones are gone).
func (f *formatter) flush(key string) {
	kept := f.order[:0]
	for _, k := range f.order {
		b, held := f.output[k]
		switch {
		case !held:
		case k == key || strings.HasPrefix(k, key+"/"):
			fmt.Fprint(f.out, b.String())
			delete(f.output, k)
		default:
			kept = append(kept, k)
		}
	}
	f.order = kept
}

// forget drops the output of key and of its subtests.
func (f *formatter) forget(key string) {
	for k := range f.output {
		if k == key || strings.HasPrefix(k, key+"/") {
			delete(f.output, k)
		}
	}
}

func (f *formatter) handle(e event) {
	elapsed := time.Duration(e.Elapsed * float64(time.Second)).Round(100 * time.Millisecond)
	switch {
	case e.Action == "build-output":
		fmt.Fprint(f.out, e.Output)
	case e.Action == "build-fail":
		f.failed = append(f.failed, e.ImportPath+" (build)")
	case e.Test == "" && e.Action == "output":
		f.buffer(e.Package, e.Output)
	case e.Test == "":
		f.finishPackage(e, elapsed)
	case e.Action == "output":
		f.buffer(e.Package+" "+e.Test, e.Output)
	case (e.Action == "pass" || e.Action == "skip") && e.Test != topLevel(e.Test):
		f.forget(e.Package + " " + e.Test)
	case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
		if e.Test != topLevel(e.Test) {
			return // a failed subtest: its output waits for its top-level test
		}
		f.finishTest(e, elapsed)
	}
}

func (f *formatter) finishTest(e event, elapsed time.Duration) {
	key := e.Package + " " + e.Test
	f.tests[e.Action]++
	f.finished = append(f.finished, result{name: key, elapsed: elapsed})
	switch {
	case e.Action == "fail":
		f.failed = append(f.failed, key)
		f.flush(key)
		fmt.Fprintf(f.out, "FAIL  %7s  %s\n", elapsed, key)
	case elapsed >= f.min:
		f.forget(key)
		fmt.Fprintf(f.out, "%-4s  %7s  %s\n", map[string]string{"pass": "ok", "skip": "skip"}[e.Action], elapsed, key)
	default:
		f.forget(key)
	}
}

func (f *formatter) finishPackage(e event, elapsed time.Duration) {
	switch e.Action {
	case "pass":
		f.packages++
		delete(f.output, e.Package)
		fmt.Fprintf(f.out, "ok    %7s  %s\n", elapsed, e.Package)
	case "skip":
		f.packages++
		delete(f.output, e.Package)
	case "fail":
		f.packages++
		f.failed = append(f.failed, e.Package)
		// Output outside any test (a panic, a TestMain failure, a timeout),
		// then that of tests that never finished, e.g. the one that timed out.
		f.flush(e.Package)
		for _, key := range slices.Clone(f.order) {
			if strings.HasPrefix(key, e.Package+" ") {
				f.flush(key)
			}
		}
		fmt.Fprintf(f.out, "FAIL  %7s  %s\n", elapsed, e.Package)
	}
}

// summary prints the counts and the slowest tests; it reports whether the
// run succeeded.
func (f *formatter) summary() bool {
	slices.SortStableFunc(f.finished, func(a, b result) int { return cmp.Compare(b.elapsed, a.elapsed) })
	fmt.Fprintf(f.out, "\n%d packages, %d tests passed, %d skipped, %d failed\n",
		f.packages, f.tests["pass"], f.tests["skip"], f.tests["fail"])
	if n := min(f.slowest, len(f.finished)); n > 0 {
		fmt.Fprintln(f.out, "slowest:")
		for _, r := range f.finished[:n] {
			fmt.Fprintf(f.out, "  %7s  %s\n", r.elapsed, r.name)
		}
	}
	if len(f.failed) > 0 {
		fmt.Fprintf(f.out, "FAILED: %s\n", strings.Join(f.failed, ", "))
		return false
	}
	if f.packages == 0 {
		fmt.Fprintln(f.out, "FAILED: no test result in the input (is it `go test -json`?)")
		return false
	}
	return true
}

// run formats in, which is `go test -json` output; a line that is not JSON
// (go test prints some errors before any event) is copied through.
func run(in io.Reader, f *formatter) (bool, error) {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for scanner.Scan() {
		line := scanner.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(f.out, "%s\n", line)
			continue
		}
		f.handle(e)
	}
	if err := scanner.Err(); err != nil {
		return false, err
	}
	return f.summary(), nil
}

func main() {
	minElapsed := flag.Duration("min", time.Second, "print a line for each passing top-level test that took at least this long")
	slowest := flag.Int("slowest", 3, "list this many of the slowest tests at the end")
	flag.Parse()
	ok, err := run(os.Stdin, newFormatter(os.Stdout, *minElapsed, *slowest))
	if err != nil {
		fmt.Fprintln(os.Stderr, "testprogress:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}
