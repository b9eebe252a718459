package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// bench holds what the figures share: built binaries, running emulators and
// the results being filled in.
type bench struct {
	s    settings
	log  logger
	ps   *procSet
	work string
	tmp  string
	res  *Results

	oursBin, oursStripped, baselineBin, baselineStripped, emulatorBin string
	cliConf                                                           string
	plain, slow, throttle                                             *emulator
	p                                                                 *planner
}

// setup builds the three binaries, seeds and starts the emulators and writes
// the CLI configuration.
func (b *bench) setup(ctx context.Context) error {
	b.tmp = filepath.Join(b.work, "tmp")
	oursDir := filepath.Join(b.work, "plugins", "ours")
	baseDir := filepath.Join(b.work, "plugins", "baseline")
	for _, d := range []string{b.tmp, oursDir, baseDir, filepath.Join(b.work, "stripped"), filepath.Join(b.work, "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	b.oursBin = filepath.Join(oursDir, "terraform-provider-modelarts")
	b.oursStripped = filepath.Join(b.work, "stripped", "terraform-provider-modelarts")
	b.baselineBin = filepath.Join(baseDir, "terraform-provider-baseline")
	b.baselineStripped = filepath.Join(b.work, "stripped", "terraform-provider-baseline")
	b.emulatorBin = filepath.Join(b.work, "bin", "modelarts-emulator")
	benchDir := filepath.Join(b.s.root, "bench")

	const version = "-X main.version=bench"
	builds := []struct{ dir, out, ldflags, pkg string }{
		{b.s.root, b.oursBin, version, "."},
		{b.s.root, b.oursStripped, "-s -w " + version, "."},
		{b.s.root, b.emulatorBin, "", "./cmd/modelarts-emulator"},
		{benchDir, b.baselineBin, "", "./baseline"},
		{benchDir, b.baselineStripped, "-s -w", "./baseline"},
	}
	t0 := time.Now()
	for _, bl := range builds {
		cmd := groupCommand(ctx, "go", "build", "-trimpath", "-ldflags", bl.ldflags, "-o", bl.out, bl.pkg)
		cmd.Dir = bl.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s in %s: %w\n%s", bl.pkg, bl.dir, err, out)
		}
	}
	b.log.printf("built the providers and the emulator in %.0f s", time.Since(t0).Seconds())

	maxN := max(b.s.latencyN, b.s.throttleN)
	for _, n := range b.s.ns {
		maxN = max(maxN, n)
	}
	seed := filepath.Join(b.work, "seed.json")
	if err := os.WriteFile(seed, seedJSON(maxN), 0o644); err != nil {
		return err
	}
	var err error
	if b.plain, err = startEmulator(ctx, b.ps, b.emulatorBin, seed, filepath.Join(b.work, "emulator-plain.log"), "-quiet"); err != nil {
		return err
	}
	if b.slow, err = startEmulator(ctx, b.ps, b.emulatorBin, seed, filepath.Join(b.work, "emulator-latency.log"),
		"-quiet", "-latency", b.s.latency.String()); err != nil {
		return err
	}
	if b.throttle, err = startEmulator(ctx, b.ps, b.emulatorBin, seed, filepath.Join(b.work, "emulator-throttle.log"),
		"-rate-limit", fmt.Sprint(b.s.rate)); err != nil {
		return err
	}
	b.log.printf("emulators: plain %s, +%s latency %s, %g req/s %s", b.plain.URL, b.s.latency, b.slow.URL, b.s.rate, b.throttle.URL)

	b.cliConf = filepath.Join(b.work, "terraformrc")
	if err := os.WriteFile(b.cliConf, []byte(cliConfig(oursDir, baseDir)), 0o644); err != nil {
		return err
	}
	b.p = &planner{tf: b.s.tf, work: b.work, cliConf: b.cliConf, tmpDir: b.tmp}
	return nil
}

// planTimeout bounds one plan so a hung provider cannot hang `make bench`.
const planTimeout = 5 * time.Minute

func (b *bench) plan(ctx context.Context, dir string, parallelism int, env ...string) (planTime, error) {
	ctx, cancel := context.WithTimeout(ctx, planTimeout)
	defer cancel()
	return b.p.plan(ctx, dir, parallelism, env...)
}

// sdkLogsOn turns the trace logging of terraform-plugin-go and the framework
// back on. Both providers switch it off when no TF_LOG* variable is set
// (main.go), since Terraform would parse every RPC's TRACE line only to drop
// it; the diagnostic arms of figure 1 use this to show what that saves.
var sdkLogsOn = []string{"TF_LOG_SDK=TRACE", "TF_LOG_SDK_PROTO=TRACE", "TF_LOG_SDK_FRAMEWORK=TRACE", "TF_LOG_PROVIDER=TRACE"}

// Diagnostic arms of figure 1 at the largest N.
const (
	oursLogsOn     Variant = "ours-sdk-logs-on"
	baselineLogsOn Variant = "baseline-sdk-logs-on"
)

// scaling is figure 1: N data sources of each variant, in rounds; within a
// round every N runs all variants back to back in rotating order. At the
// largest N two diagnostic arms join: ours and the baseline with the SDK's
// trace logging off.
func (b *bench) scaling(ctx context.Context) error {
	variants := []Variant{Ours, Baseline, Floor}
	largest := b.s.ns[len(b.s.ns)-1]
	dirs := map[int]map[Variant]string{}
	for _, n := range b.s.ns {
		dirs[n] = map[Variant]string{}
		for _, v := range variants {
			d, err := b.p.workspace(fmt.Sprintf("scale-%s-%d", v, n), v, n, b.plain.URL)
			if err != nil {
				return err
			}
			dirs[n][v] = d
		}
	}
	dirs[largest][oursLogsOn], dirs[largest][baselineLogsOn] = dirs[largest][Ours], dirs[largest][Baseline]
	env := map[Variant][]string{oursLogsOn: sdkLogsOn, baselineLogsOn: sdkLogsOn}
	// One untimed plan of each variant warms the page cache and fails fast
	// on a broken setup.
	for _, v := range variants {
		if _, err := b.plan(ctx, dirs[b.s.ns[0]][v], b.s.parallelism); err != nil {
			return fmt.Errorf("warm-up of %s: %w", v, err)
		}
	}
	runs, cpu := map[int]map[Variant][]float64{}, map[int]map[Variant][]float64{}
	for _, n := range b.s.ns {
		runs[n], cpu[n] = map[Variant][]float64{}, map[Variant][]float64{}
	}
	for r := range b.s.scalingRounds {
		for _, n := range b.s.ns {
			arms := variants
			if n == largest {
				arms = append(slices.Clone(variants), oursLogsOn, baselineLogsOn)
			}
			var line []string
			for _, v := range rotate(arms, r) {
				t, err := b.plan(ctx, dirs[n][v], b.s.parallelism, env[v]...)
				if err != nil {
					return fmt.Errorf("%s at N=%d: %w", v, n, err)
				}
				runs[n][v] = append(runs[n][v], t.Wall.Seconds())
				cpu[n][v] = append(cpu[n][v], t.CPU.Seconds())
				line = append(line, fmt.Sprintf("%s %.2fs (cpu %.2fs)", v, t.Wall.Seconds(), t.CPU.Seconds()))
			}
			b.log.printf("round %d/%d N=%d: %s", r+1, b.s.scalingRounds, n, strings.Join(line, ", "))
		}
	}
	for _, n := range b.s.ns {
		rn, cn := runs[n], cpu[n]
		p := ScalingPoint{
			N: n, Ours: summarize(rn[Ours]), Baseline: summarize(rn[Baseline]), Floor: summarize(rn[Floor]),
			RatioBaseline: summarize(pairedRatios(rn[Ours], rn[Baseline])),
			RatioFloor:    summarize(pairedRatios(rn[Ours], rn[Floor])),
			CPU: &CPUFigures{Ours: summarize(cn[Ours]), Baseline: summarize(cn[Baseline]), Floor: summarize(cn[Floor]),
				RatioBaseline: summarize(pairedRatios(cn[Ours], cn[Baseline]))},
		}
		if n == largest {
			p.LogsOn = &LogsOnArms{
				Ours: summarize(rn[oursLogsOn]), Baseline: summarize(rn[baselineLogsOn]),
				RatioBaseline: summarize(pairedRatios(rn[oursLogsOn], rn[baselineLogsOn])),
				RatioOurs:     summarize(pairedRatios(rn[oursLogsOn], rn[Ours])),
			}
		}
		b.res.Scaling = append(b.res.Scaling, p)
	}
	return nil
}

// latencyHiding is figure 2: the same N under +latency for ours and the
// baseline, and ours without latency for the ideal, interleaved.
func (b *bench) latencyHiding(ctx context.Context) error {
	n, par := b.s.latencyN, b.s.parallelism
	type arm struct {
		name string
		dir  string
	}
	var arms []arm
	for _, a := range []struct {
		name string
		v    Variant
		url  string
	}{
		{"ours+latency", Ours, b.slow.URL},
		{"baseline+latency", Baseline, b.slow.URL},
		{"ours", Ours, b.plain.URL},
	} {
		d, err := b.p.workspace("latency-"+a.name, a.v, n, a.url)
		if err != nil {
			return err
		}
		arms = append(arms, arm{a.name, d})
	}
	runs, cpu := map[string][]float64{}, map[string][]float64{}
	for r := range b.s.rounds {
		var line []string
		for _, a := range rotate(arms, r) {
			t, err := b.plan(ctx, a.dir, par)
			if err != nil {
				return fmt.Errorf("%s: %w", a.name, err)
			}
			runs[a.name] = append(runs[a.name], t.Wall.Seconds())
			cpu[a.name] = append(cpu[a.name], t.CPU.Seconds())
			line = append(line, fmt.Sprintf("%s %.2fs (cpu %.2fs)", a.name, t.Wall.Seconds(), t.CPU.Seconds()))
		}
		b.log.printf("round %d/%d N=%d: %s", r+1, b.s.rounds, n, strings.Join(line, ", "))
	}
	f := &LatencyFigure{N: n, Parallelism: par, LatencyMs: int(b.s.latency / time.Millisecond),
		Ours: summarize(runs["ours+latency"]), Baseline: summarize(runs["baseline+latency"]),
		OursNoLatency: summarize(runs["ours"]),
		RatioBaseline: summarize(pairedRatios(runs["ours+latency"], runs["baseline+latency"])),
		CPU: &CPUFigures{Ours: summarize(cpu["ours+latency"]), Baseline: summarize(cpu["baseline+latency"]),
			RatioBaseline: summarize(pairedRatios(cpu["ours+latency"], cpu["baseline+latency"]))},
	}
	f.IdealSeconds = float64(n)/float64(par)*b.s.latency.Seconds() + f.OursNoLatency.Median
	f.RatioIdeal = ratio(f.Ours.Median, f.IdealSeconds)
	b.res.Latency = f
	return nil
}

// throttled is figure 3: ours against the rate-limited emulator. A failed
// plan is a figure (it counts), not an error of the benchmark.
func (b *bench) throttled(ctx context.Context) error {
	n, par := b.s.throttleN, b.s.parallelism
	dir, err := b.p.workspace("throttle", Ours, n, b.throttle.URL)
	if err != nil {
		return err
	}
	f := &ThrottleFigure{N: n, Parallelism: par, RatePerSecond: b.s.rate, MinSeconds: float64(n) / b.s.rate}
	_, offset, err := countStatuses(b.throttle.Log, 0)
	if err != nil {
		return err
	}
	var walls []float64
	for r := range b.s.throttleRuns {
		// The token bucket holds one second of requests: a pause longer
		// than that gives every run the same full bucket to start with.
		select {
		case <-time.After(1500 * time.Millisecond):
		case <-ctx.Done():
			return errInterrupted
		}
		t, err := b.plan(ctx, dir, par)
		if errors.Is(err, errInterrupted) {
			return err
		}
		time.Sleep(100 * time.Millisecond) // the emulator logs after answering
		var counts map[int]int
		counts, offset, _ = countStatuses(b.throttle.Log, offset)
		total := 0
		for _, c := range counts {
			total += c
		}
		f.Runs++
		f.Throttled = append(f.Throttled, counts[429])
		f.Requests = append(f.Requests, total)
		if err != nil {
			f.FailedRuns++
			f.Failures = append(f.Failures, lastLines(err.Error(), 8))
			b.log.printf("run %d/%d: FAILED after %d requests (%d throttled)", r+1, b.s.throttleRuns, total, counts[429])
			continue
		}
		walls = append(walls, t.Wall.Seconds())
		b.log.printf("run %d/%d: %.2fs, %d requests, %d answered 429", r+1, b.s.throttleRuns, t.Wall.Seconds(), total, counts[429])
	}
	f.Wall = summarize(walls)
	f.Ratio = ratio(f.Wall.Median, f.MinSeconds)
	b.res.Throttle = f
	return nil
}

// startup is figure 4 without the RSS: sizes and time to serve the schema.
func (b *bench) startup(ctx context.Context) error {
	f := b.process()
	var err error
	for _, sz := range []struct {
		path string
		dst  *int64
	}{
		{b.oursBin, &f.SizeBytes}, {b.oursStripped, &f.SizeStrippedBytes},
		{b.baselineBin, &f.BaselineSizeBytes}, {b.baselineStripped, &f.BaselineSizeStrippedBytes},
	} {
		st, e := os.Stat(sz.path)
		if e != nil {
			return e
		}
		*sz.dst = st.Size()
	}
	env := tfEnv(b.cliConf, b.tmp)
	var hs, schema, baseSchema []float64
	// One untimed start of each loads the binaries into the page cache, as
	// they are on any plan after the first.
	if _, err = measureStartup(ctx, b.oursBin, env); err != nil {
		return err
	}
	if _, err = measureStartup(ctx, b.baselineBin, env); err != nil {
		return err
	}
	for range b.s.startupRuns {
		st, err := measureStartup(ctx, b.oursBin, env)
		if err != nil {
			return err
		}
		hs = append(hs, ms(st.Handshake))
		schema = append(schema, ms(st.Schema))
		bst, err := measureStartup(ctx, b.baselineBin, env)
		if err != nil {
			return err
		}
		baseSchema = append(baseSchema, ms(bst.Schema))
	}
	f.StartHandshakeMs, f.StartSchemaMs, f.BaselineStartSchemaMs = summarize(hs), summarize(schema), summarize(baseSchema)
	b.log.printf("size %.1f MB (stripped %.1f MB); start to schema %.1f ms (baseline %.1f ms)",
		float64(f.SizeBytes)/mb, float64(f.SizeStrippedBytes)/mb, f.StartSchemaMs.Median, f.BaselineStartSchemaMs.Median)
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (b *bench) process() *ProcessFigure {
	if b.res.Process == nil {
		b.res.Process = &ProcessFigure{}
	}
	return b.res.Process
}

// peakRSS is the rest of figure 4: each provider runs in debug mode, Terraform
// attaches to it for the largest plan, and its VmHWM is read afterwards.
func (b *bench) peakRSS(ctx context.Context) error {
	n := b.s.ns[len(b.s.ns)-1]
	f := b.process()
	f.PeakRSSN = n
	dirs := map[Variant]string{}
	for _, v := range []Variant{Ours, Baseline} {
		d, err := b.p.workspace(fmt.Sprintf("scale-%s-%d", v, n), v, n, b.plain.URL)
		if err != nil {
			return err
		}
		dirs[v] = d
	}
	bins := map[Variant]string{Ours: b.oursBin, Baseline: b.baselineBin}
	rss, logs := map[Variant][]float64{}, map[Variant][]float64{}
	for r := range b.s.rssRuns {
		for _, v := range rotate([]Variant{Ours, Baseline}, r) {
			dp, err := startDebug(ctx, b.ps, bins[v], tfEnv(b.cliConf, b.tmp), b.s.providerHost)
			if err != nil {
				return err
			}
			before := dp.stderrBytes()
			_, err = b.plan(ctx, dirs[v], b.s.parallelism, "TF_REATTACH_PROVIDERS="+dp.Reattach)
			peak, rerr := dp.peakRSS()
			b.ps.stop(dp.cmd)
			logs[v] = append(logs[v], float64(dp.stderrBytes()-before))
			if err != nil {
				return fmt.Errorf("%s attached: %w", v, err)
			}
			if rerr != nil {
				return rerr
			}
			rss[v] = append(rss[v], float64(peak))
			b.log.printf("run %d/%d: %s peak RSS %.1f MB, %.1f MB written to stderr", r+1, b.s.rssRuns, v, float64(peak)/mb, logs[v][len(logs[v])-1]/mb)
		}
	}
	f.PeakRSSBytes, f.BaselinePeakRSSBytes = summarize(rss[Ours]), summarize(rss[Baseline])
	f.StderrBytes, f.BaselineStderrBytes = summarize(logs[Ours]), summarize(logs[Baseline])
	return nil
}

// micro is figure 5: the client's and the emulator's Go benchmarks.
func (b *bench) micro(ctx context.Context) error {
	var errs []string
	for _, m := range []struct{ pkg, pattern string }{
		{"./internal/client/", "."},
		{"./internal/emulator/", "^BenchmarkGet$"},
	} {
		logPath := filepath.Join(b.work, "gotest-"+strings.Trim(filepath.Base(m.pkg), "/")+".log")
		got, err := runGoBench(ctx, b.s.root, m.pkg, m.pattern, b.s.microCount, b.s.benchtime, logPath)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if len(got) == 0 {
			b.res.Notes = append(b.res.Notes, fmt.Sprintf("%s has no benchmark matching %s yet", m.pkg, m.pattern))
		}
		for _, g := range got {
			b.log.printf("%s %s: %.0f ns/op, %.0f allocs/op", g.Package, g.Name, g.NsPerOp.Median, g.AllocsPerOp.Median)
		}
		b.res.Micro = append(b.res.Micro, got...)
	}
	for _, want := range []string{"BenchmarkSign", "BenchmarkGetVisualizationJob", "BenchmarkDecodeListPage1000", "BenchmarkGet"} {
		if !slices.ContainsFunc(b.res.Micro, func(m MicroBench) bool {
			return m.Name == want || strings.HasPrefix(m.Name, want+"/")
		}) {
			b.res.Notes = append(b.res.Notes, want+" was not found: its figure is not measured")
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}
