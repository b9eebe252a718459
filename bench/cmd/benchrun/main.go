// Command benchrun is `make bench`: it builds the provider, the baseline
// provider and the emulator, measures the five figures of the performance
// issue side by side with their baselines, and writes results.json,
// results.md (rendered from the JSON) and plan_scaling.png.
//
//	benchrun -root .. -out .            # what bench/run.sh runs
//	benchrun -render results.json       # redraw results.md and the chart only
//
// Environment: TF_ACC_TERRAFORM_PATH names the Terraform CLI (scripts/tfenv.sh
// sets it); BENCH_QUICK=1 makes a smoke run with one round per figure;
// BENCH_ROUNDS=n sets the rounds of figures 1 to 3; BENCH_KEEP=1 keeps the work directory.
// Every process it starts is stopped when it exits, on error or signal too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// settings are the knobs of one run.
type settings struct {
	root, out, tf, providerHost string
	quick, keep                 bool
	scalingRounds               int // rounds of figure 1
	rounds                      int // rounds of figure 2
	throttleRuns                int
	startupRuns                 int
	rssRuns                     int
	microCount                  int
	benchtime                   string
	ns                          []int
	latencyN, throttleN         int
	parallelism                 int
	latency                     time.Duration
	rate                        float64
}

func defaultSettings() settings {
	return settings{
		// Figure 1 gets two rounds more than the minimum of five: its
		// N=1000 ratio is the headline, and on a shared 2-core machine one
		// plan of 1000 data sources varies by tens of percent.
		scalingRounds: 7, rounds: 5, throttleRuns: 5, startupRuns: 21, rssRuns: 3, microCount: 5,
		ns: []int{1, 100, 1000}, latencyN: 200, throttleN: 300, parallelism: 10,
		latency: 50 * time.Millisecond, rate: 20,
		// Half the default benchtime keeps figure 5 under a minute on a
		// busy machine; five counts still give a median.
		benchtime: "500ms",
	}
}

// applyEnv reads BENCH_QUICK, BENCH_ROUNDS and BENCH_KEEP.
func (s *settings) applyEnv(getenv func(string) string) error {
	if v := getenv("BENCH_QUICK"); v != "" && v != "0" {
		s.quick = true
		s.scalingRounds, s.rounds, s.throttleRuns, s.startupRuns, s.rssRuns, s.microCount = 1, 1, 1, 5, 1, 1
		s.benchtime = "100ms"
	}
	if v := getenv("BENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("BENCH_ROUNDS=%q is not a positive integer", v)
		}
		s.scalingRounds, s.rounds, s.throttleRuns = n, n, n
	}
	s.keep = getenv("BENCH_KEEP") == "1"
	return nil
}

type logger struct{ w io.Writer }

func (l logger) printf(format string, args ...any) {
	fmt.Fprintf(l.w, "bench: "+format+"\n", args...)
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s := defaultSettings()
	fs.StringVar(&s.root, "root", "..", "root of the provider's repository")
	fs.StringVar(&s.out, "out", ".", "directory for results.json, results.md and the chart")
	render := fs.String("render", "", "only render results.md and the chart from this results.json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := logger{stderr}
	if *render != "" {
		return renderFrom(*render, filepath.Dir(*render))
	}
	if err := s.applyEnv(os.Getenv); err != nil {
		return err
	}
	var err error
	if s.root, err = filepath.Abs(s.root); err != nil {
		return err
	}
	if s.out, err = filepath.Abs(s.out); err != nil {
		return err
	}
	s.tf = os.Getenv("TF_ACC_TERRAFORM_PATH")
	if s.tf == "" {
		if s.tf, err = exec.LookPath("terraform"); err != nil {
			return errors.New("no Terraform CLI: set TF_ACC_TERRAFORM_PATH (make bench does, through scripts/tfenv.sh)")
		}
	}
	s.providerHost = os.Getenv("TF_ACC_PROVIDER_HOST")
	if s.providerHost == "" {
		s.providerHost = "registry.terraform.io"
	}

	started := time.Now()
	work, err := os.MkdirTemp("", "modelarts-bench.")
	if err != nil {
		return err
	}
	if s.keep {
		log.printf("keeping the work directory %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	ps := newProcSet()
	defer ps.stopAll()

	b := &bench{s: s, log: log, ps: ps, work: work,
		res: &Results{FormatVersion: formatVersion, Quick: s.quick, Rounds: s.rounds, ScalingRounds: s.scalingRounds, StartedAt: started.UTC().Truncate(time.Second)}}
	if err := b.setup(ctx); err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	b.res.Machine = machineInfo(ctx, s, b.cliConf, b.tmp)

	// Each figure that fails is noted and the others still run: a partial
	// table says more than none. An interrupt stops everything.
	var failed []string
	for _, f := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"provider startup", b.startup},
		{"plan scaling", b.scaling},
		{"latency hiding", b.latencyHiding},
		{"throttled throughput", b.throttled},
		{"peak RSS", b.peakRSS},
		{"micro-benchmarks", b.micro},
	} {
		t0 := time.Now()
		log.printf("== %s", f.name)
		err := f.fn(ctx)
		if ctx.Err() != nil {
			return errInterrupted
		}
		if err != nil {
			log.printf("%s failed: %v", f.name, err)
			b.res.Notes = append(b.res.Notes, fmt.Sprintf("%s failed: %s", f.name, oneLine(err.Error(), 600)))
			failed = append(failed, f.name)
		}
		log.printf("   %s took %.0f s", f.name, time.Since(t0).Seconds())
	}
	ps.stopAll()

	b.res.DurationSeconds = time.Since(started).Seconds()
	b.res.fillPerItem()
	b.res.evaluate()
	if err := writeResults(b.res, s.out); err != nil {
		return err
	}
	log.printf("wrote %s, %s and %s in %.0f s", filepath.Join(s.out, "results.json"), filepath.Join(s.out, "results.md"),
		filepath.Join(s.out, chartFile), b.res.DurationSeconds)
	for _, t := range b.res.Targets {
		log.printf("%-5s %-16s %s: %s (target %s)", t.Result, t.Figure, t.What, t.Display, t.Goal)
	}
	if len(failed) > 0 {
		return fmt.Errorf("figures failed: %s (see the notes in results.md)", strings.Join(failed, ", "))
	}
	return nil
}

// writeResults writes results.json, then renders results.md and the chart
// from the JSON as read back, so the two can never disagree.
func writeResults(r *Results, out string) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(out, "results.json")
	if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
		return err
	}
	return renderFrom(path, out)
}

// renderFrom renders results.md and the chart from a results.json.
func renderFrom(jsonPath, out string) error {
	js, err := os.ReadFile(jsonPath)
	if err != nil {
		return err
	}
	var r Results
	if err := json.Unmarshal(js, &r); err != nil {
		return fmt.Errorf("%s: %w", jsonPath, err)
	}
	if err := os.WriteFile(filepath.Join(out, "results.md"), []byte(renderMarkdown(&r)), 0o644); err != nil {
		return err
	}
	if len(r.Scaling) == 0 {
		return nil
	}
	return writeChart(&r, filepath.Join(out, chartFile))
}

// machineInfo describes the machine; a detail it cannot find stays empty.
func machineInfo(ctx context.Context, s settings, cliConf, tmp string) Machine {
	m := Machine{NProc: runtime.NumCPU(), Date: time.Now().UTC().Format(time.RFC3339)}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	m.OS = runtime.GOOS + "/" + runtime.GOARCH
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS += ", Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			m.LoadAvg, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	first := func(cmd *exec.Cmd) string {
		out, err := cmd.Output()
		if err != nil {
			return ""
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return strings.TrimSpace(line)
	}
	m.Go = first(exec.CommandContext(ctx, "go", "env", "GOVERSION"))
	tf := exec.CommandContext(ctx, s.tf, "version")
	tf.Env = tfEnv(cliConf, tmp)
	m.Terraform = first(tf)
	m.Commit = first(exec.CommandContext(ctx, "git", "-C", s.root, "describe", "--always", "--dirty"))
	return m
}
