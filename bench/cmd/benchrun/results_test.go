package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleResults() *Results {
	r := &Results{FormatVersion: formatVersion, Rounds: 5, Machine: Machine{NProc: 2, Go: "go1.26", Terraform: "Terraform v1.11.4"}}
	for _, n := range []int{1, 100, 1000} {
		f := float64(n)
		r.Scaling = append(r.Scaling, ScalingPoint{N: n,
			Ours:          summarize([]float64{0.2 + f*0.005, 0.21 + f*0.005, 0.19 + f*0.005}),
			Baseline:      summarize([]float64{0.2 + f*0.004, 0.2 + f*0.004, 0.2 + f*0.004}),
			Floor:         summarize([]float64{0.05 + f*0.002, 0.05 + f*0.002, 0.05 + f*0.002}),
			RatioBaseline: summarize([]float64{1.2, 1.25, 1.22}),
			RatioFloor:    summarize([]float64{2.4, 2.5, 2.45}),
			CPU: &CPUFigures{Ours: summarize([]float64{f * 0.004}), Baseline: summarize([]float64{f * 0.0035}),
				Floor: summarize([]float64{f * 0.001}), RatioBaseline: summarize([]float64{1.143})},
		})
	}
	r.Scaling[2].LogsOn = &LogsOnArms{Ours: summarize([]float64{3}), Baseline: summarize([]float64{2.9}),
		RatioBaseline: summarize([]float64{1.03}), RatioOurs: summarize([]float64{0.6})}
	r.Latency = &LatencyFigure{N: 200, Parallelism: 10, LatencyMs: 50, Ours: summarize([]float64{2.0}),
		Baseline: summarize([]float64{2.0}), OursNoLatency: summarize([]float64{1.0}), RatioBaseline: summarize([]float64{1.0}),
		IdealSeconds: 2.0, RatioIdeal: 1.0}
	r.Throttle = &ThrottleFigure{N: 300, Parallelism: 10, RatePerSecond: 20, Runs: 2, FailedRuns: 1,
		Failures: []string{"plan `failed`"}, Wall: summarize([]float64{16}), MinSeconds: 15, Ratio: 16.0 / 15}
	r.Process = &ProcessFigure{SizeStrippedBytes: 19e6, StartSchemaMs: summarize([]float64{10}), PeakRSSBytes: summarize([]float64{80e6}), PeakRSSN: 1000}
	r.Micro = parseBenchOutput("./internal/client/", sampleBenchOutput)
	r.fillPerItem()
	r.evaluate()
	return r
}

func targetByWhat(t *testing.T, r *Results, prefix string) Target {
	t.Helper()
	for _, x := range r.Targets {
		if strings.HasPrefix(x.What, prefix) {
			return x
		}
	}
	t.Fatalf("no target %q in %+v", prefix, r.Targets)
	return Target{}
}

func TestEvaluate_passMissAndByHowMuch(t *testing.T) {
	r := sampleResults()
	for prefix, want := range map[string]string{
		"plan time ours / baseline at N=1000": "MISS",
		"ours / baseline, N=200":              "PASS",
		"failed plans":                        "MISS",
		"wall / (N/R":                         "PASS",
		"binary size":                         "PASS",
		"start to serving":                    "PASS",
		"peak RSS":                            "MISS",
		"allocs per signed GET":               "MISS", // median 60 is not under 60
	} {
		if got := targetByWhat(t, r, prefix); got.Result != want {
			t.Errorf("%s: %s (%s), want %s", prefix, got.Result, got.Display, want)
		}
	}
	if got := targetByWhat(t, r, "plan time ours / baseline").MissedBy; got != "+10.9%" {
		t.Errorf("ratio 1.22 against 1.10 missed by %q, want +10.9%%", got)
	}
	if got := targetByWhat(t, r, "peak RSS").MissedBy; got != "+33.3%" {
		t.Errorf("80 MB against 60 MB missed by %q", got)
	}
}

func TestEvaluate_unmeasuredIsNeverAPass(t *testing.T) {
	r := &Results{}
	r.evaluate()
	if len(r.Targets) == 0 {
		t.Fatal("no targets")
	}
	for _, x := range r.Targets {
		if x.Result == "PASS" {
			t.Errorf("%s passes without a measurement", x.What)
		}
	}
}

func TestFillPerItem_marginalCostFromNEqualsOne(t *testing.T) {
	r := sampleResults()
	got := r.scalingAt(1000).PerItemMs[Ours]
	// (0.2+5 - (0.2+0.005)) / 999 s = 5 ms
	if got < 4.999 || got > 5.001 {
		t.Fatalf("per item %v ms, want 5", got)
	}
	if r.scalingAt(1).PerItemMs != nil {
		t.Fatal("N=1 has no marginal cost")
	}
}

func TestJudge_strictLimit(t *testing.T) {
	if judge(Target{Value: 60}, true, 60, true).Result != "MISS" {
		t.Fatal("60 allocs is not under 60")
	}
	if judge(Target{Value: 1.1}, true, 1.1, false).Result != "PASS" {
		t.Fatal("1.1 is <= 1.1")
	}
}

// writeResults renders results.md and the chart from results.json read
// back, so everything in the table must survive the JSON round trip.
func TestWriteResults_markdownAndChartFromJSON(t *testing.T) {
	dir := t.TempDir()
	r := sampleResults()
	if err := writeResults(r, dir); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Results
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Targets) != len(r.Targets) || back.Scaling[2].PerItemMs[Baseline] == 0 {
		t.Fatalf("JSON lost figures: %+v", back)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1 plan scaling | plan time ours / baseline at N=1000 | <= 1.10 | 1.220 | **MISS** (by +10.9%) |", "**MISS** (at the limit)",
		"![plan time against N](plan_scaling.png)", "| 1000 | 5.20 [5.19–5.21] |", "failure: `plan 'failed'`", "BenchmarkGetVisualizationJob/child-server",
		"| ours, SDK logs on | 3.00 | 1.030 | 0.600 |", "| 1000 | 4.00 | 3.50 | 1.00 | 1.143 |"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	png, err := os.ReadFile(filepath.Join(dir, chartFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10000 {
		t.Fatalf("chart is not a drawn PNG (%d bytes)", len(png))
	}
}

func TestApplyEnv_quickAndRounds(t *testing.T) {
	s := defaultSettings()
	env := map[string]string{"BENCH_QUICK": "1"}
	if err := s.applyEnv(func(k string) string { return env[k] }); err != nil || !s.quick || s.rounds != 1 || s.scalingRounds != 1 {
		t.Fatalf("quick: %+v %v", s, err)
	}
	s = defaultSettings()
	env = map[string]string{"BENCH_ROUNDS": "7"}
	if err := s.applyEnv(func(k string) string { return env[k] }); err != nil || s.rounds != 7 || s.scalingRounds != 7 || s.throttleRuns != 7 || s.quick {
		t.Fatalf("rounds: %+v %v", s, err)
	}
	env = map[string]string{"BENCH_ROUNDS": "0"}
	if err := s.applyEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("BENCH_ROUNDS=0 accepted")
	}
}
