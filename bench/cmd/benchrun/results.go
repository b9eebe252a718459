package main

import (
	"fmt"
	"time"
)

// formatVersion is bumped when results.json changes shape.
const formatVersion = 1

// Results is everything one `make bench` measured; results.json is its JSON
// form and results.md is rendered from that JSON alone.
type Results struct {
	FormatVersion   int       `json:"format_version"`
	Quick           bool      `json:"quick"`
	Rounds          int       `json:"rounds"`         // of figure 2 (figure 3: runs)
	ScalingRounds   int       `json:"scaling_rounds"` // of figure 1
	Machine         Machine   `json:"machine"`
	StartedAt       time.Time `json:"started_at"`
	DurationSeconds float64   `json:"duration_seconds"`

	Scaling  []ScalingPoint  `json:"plan_scaling"`
	Latency  *LatencyFigure  `json:"latency_hiding,omitempty"`
	Throttle *ThrottleFigure `json:"throttled_throughput,omitempty"`
	Process  *ProcessFigure  `json:"provider_process,omitempty"`
	Micro    []MicroBench    `json:"micro_benchmarks"`

	Targets []Target `json:"targets"`
	Notes   []string `json:"notes,omitempty"`
}

// Machine describes where the figures were measured.
type Machine struct {
	NProc     int     `json:"nproc"`
	CPU       string  `json:"cpu"`
	OS        string  `json:"os"`
	Go        string  `json:"go_version"`
	Terraform string  `json:"terraform_version"`
	Commit    string  `json:"commit"`
	LoadAvg   float64 `json:"load_average_1m_at_start"`
	Date      string  `json:"date"`
}

// ScalingPoint is figure 1 at one N: wall times of `terraform plan` in
// seconds, measured in interleaved rounds.
type ScalingPoint struct {
	N        int   `json:"n"`
	Ours     Stats `json:"ours_seconds"`
	Baseline Stats `json:"baseline_seconds"`
	Floor    Stats `json:"floor_seconds"`
	// PerItemMs is the marginal cost of one more data source (resource for
	// the floor) in milliseconds: (median at N - median at 1) / (N - 1).
	// Absent at N = 1.
	PerItemMs map[Variant]float64 `json:"per_item_ms,omitempty"`
	// RatioBaseline and RatioFloor are ours divided by the other variant,
	// round by round (the runs of one round ran back to back).
	RatioBaseline Stats `json:"ratio_ours_baseline"`
	RatioFloor    Stats `json:"ratio_ours_floor"`
	// CPU is the user+system time of terraform and the provider per plan.
	CPU *CPUFigures `json:"cpu_seconds,omitempty"`
	// LogsOn, at the largest N only, repeats ours and the baseline with
	// the SDK's trace logging back on (TF_LOG_SDK*=TRACE): a diagnostic, not a
	// figure of the issue.
	LogsOn *LogsOnArms `json:"sdk_logs_on,omitempty"`
}

// CPUFigures are the CPU seconds (user+system, terraform and the provider
// it reaped) of the same plans as the wall times beside them.
type CPUFigures struct {
	Ours          Stats `json:"ours"`
	Baseline      Stats `json:"baseline"`
	Floor         Stats `json:"floor"`
	RatioBaseline Stats `json:"ratio_ours_baseline"`
}

// LogsOnArms are the diagnostic arms of figure 1.
type LogsOnArms struct {
	Ours          Stats `json:"ours_seconds"`
	Baseline      Stats `json:"baseline_seconds"`
	RatioBaseline Stats `json:"ratio_ours_baseline"`
	// RatioOurs is ours with the logging off divided by ours by default,
	// round by round: the share of the plan that logging does not cost.
	RatioOurs Stats `json:"ratio_to_ours_default"`
}

// LatencyFigure is figure 2: every emulator answer delayed by LatencyMs.
type LatencyFigure struct {
	N             int   `json:"n"`
	Parallelism   int   `json:"parallelism"`
	LatencyMs     int   `json:"latency_ms"`
	Ours          Stats `json:"ours_seconds"`
	Baseline      Stats `json:"baseline_seconds"`
	OursNoLatency Stats `json:"ours_no_latency_seconds"`
	RatioBaseline Stats `json:"ratio_ours_baseline"`
	// CPU are the CPU seconds of the two arms under latency.
	CPU *CPUFigures `json:"cpu_seconds,omitempty"`
	// IdealSeconds is N/parallelism x latency + the median of
	// OursNoLatency: perfect latency hiding on top of our own cost.
	IdealSeconds float64 `json:"ideal_seconds"`
	RatioIdeal   float64 `json:"ratio_ours_ideal"`
}

// ThrottleFigure is figure 3: the emulator allows RatePerSecond requests a
// second (burst of the same size) and answers 429 with Retry-After beyond.
type ThrottleFigure struct {
	N             int      `json:"n"`
	Parallelism   int      `json:"parallelism"`
	RatePerSecond float64  `json:"rate_per_second"`
	Wall          Stats    `json:"wall_seconds"`
	Runs          int      `json:"runs"`
	FailedRuns    int      `json:"failed_runs"`
	Failures      []string `json:"failures,omitempty"`
	// Throttled and Requests are the emulator's 429 answers and all its
	// answers, per run (from its request log).
	Throttled []int `json:"throttled_429_per_run"`
	Requests  []int `json:"requests_per_run"`
	// MinSeconds is N/R, the time the rate limit alone imposes.
	MinSeconds float64 `json:"n_over_r_seconds"`
	Ratio      float64 `json:"ratio_to_n_over_r"`
}

// ProcessFigure is figure 4.
type ProcessFigure struct {
	SizeBytes                 int64 `json:"size_bytes"`
	SizeStrippedBytes         int64 `json:"size_stripped_bytes"`
	BaselineSizeBytes         int64 `json:"baseline_size_bytes"`
	BaselineSizeStrippedBytes int64 `json:"baseline_size_stripped_bytes"`
	// StartHandshakeMs is the time from exec to the go-plugin handshake
	// line, StartSchemaMs to the first GetProviderSchema answer.
	StartHandshakeMs      Stats `json:"start_handshake_ms"`
	StartSchemaMs         Stats `json:"start_schema_ms"`
	BaselineStartSchemaMs Stats `json:"baseline_start_schema_ms"`
	PeakRSSBytes          Stats `json:"peak_rss_bytes"`
	BaselinePeakRSSBytes  Stats `json:"baseline_peak_rss_bytes"`
	PeakRSSN              int   `json:"peak_rss_n"`
	// StderrBytes is what the provider wrote to stderr (its log stream,
	// which Terraform reads and parses) during the attached plan.
	StderrBytes         Stats `json:"stderr_bytes"`
	BaselineStderrBytes Stats `json:"baseline_stderr_bytes"`
}

// Target is one goal of the issue with its measured value.
type Target struct {
	Figure   string  `json:"figure"`
	What     string  `json:"what"`
	Goal     string  `json:"goal"`
	Value    float64 `json:"value"`
	Display  string  `json:"display"`
	Result   string  `json:"result"` // PASS, MISS or N/A (not measured)
	MissedBy string  `json:"missed_by,omitempty"`
}

// judge fills Result and MissedBy. The target holds when value <= limit
// (value < limit when strict); a figure that was not measured is N/A, never
// a pass.
func judge(t Target, measured bool, limit float64, strict bool) Target {
	switch {
	case !measured:
		t.Result, t.Display = "N/A", "not measured"
	case t.Value < limit || (!strict && t.Value == limit):
		t.Result = "PASS"
	default:
		t.Result = "MISS"
		if t.Value == limit {
			t.MissedBy = "at the limit"
		} else if limit > 0 {
			t.MissedBy = fmt.Sprintf("%+.1f%%", (t.Value/limit-1)*100)
		} else {
			t.MissedBy = fmt.Sprintf("%g over", t.Value-limit)
		}
	}
	return t
}

const mb = 1e6

// evaluate judges every goal of the issue against the figures.
func (r *Results) evaluate() {
	var ts []Target

	p := r.scalingAt(1000)
	if p == nil {
		p = &ScalingPoint{N: 1000}
	}
	ts = append(ts, judge(Target{Figure: "1 plan scaling", What: "plan time ours / baseline at N=1000",
		Goal: "<= 1.10", Value: p.RatioBaseline.Median, Display: fmt.Sprintf("%.3f", p.RatioBaseline.Median)},
		p.RatioBaseline.measured(), 1.10, false))
	floor := Target{Figure: "1 plan scaling", What: "plan time ours / floor at N=1000 (context)",
		Goal: "(none)", Value: p.RatioFloor.Median, Display: fmt.Sprintf("%.3f", p.RatioFloor.Median), Result: "info"}
	if !p.RatioFloor.measured() {
		floor.Display, floor.Result = "not measured", "N/A"
	}
	ts = append(ts, floor)
	ts = append(ts, cpuInfo("1 plan scaling", "CPU seconds ours / baseline at N=1000 (context)", p.CPU))

	l := r.Latency
	if l == nil {
		l = &LatencyFigure{N: 200, LatencyMs: 50, Parallelism: 10}
	}
	ts = append(ts, judge(Target{Figure: "2 latency hiding", What: fmt.Sprintf("ours / baseline, N=%d, +%d ms per answer, -parallelism=%d", l.N, l.LatencyMs, l.Parallelism),
		Goal: "<= 1.10", Value: l.RatioBaseline.Median, Display: fmt.Sprintf("%.3f", l.RatioBaseline.Median)},
		l.RatioBaseline.measured(), 1.10, false))
	ts = append(ts, judge(Target{Figure: "2 latency hiding", What: fmt.Sprintf("ours / (N/%d x %d ms + ours without latency = %.2f s)", l.Parallelism, l.LatencyMs, l.IdealSeconds),
		Goal: "<= 1.20", Value: l.RatioIdeal, Display: fmt.Sprintf("%.3f (%.2f s)", l.RatioIdeal, l.Ours.Median)},
		l.Ours.measured() && l.OursNoLatency.measured(), 1.20, false))
	ts = append(ts, cpuInfo("2 latency hiding", "CPU seconds ours / baseline under latency (context)", l.CPU))

	th := r.Throttle
	if th == nil {
		th = &ThrottleFigure{N: 300, RatePerSecond: 20, Parallelism: 10}
	}
	ts = append(ts, judge(Target{Figure: "3 throttled", What: fmt.Sprintf("failed plans, N=%d at %g requests/s", th.N, th.RatePerSecond),
		Goal: "0", Value: float64(th.FailedRuns), Display: fmt.Sprintf("%d of %d", th.FailedRuns, th.Runs)},
		th.Runs > 0, 0, false))
	ts = append(ts, judge(Target{Figure: "3 throttled", What: fmt.Sprintf("wall / (N/R = %.1f s)", th.MinSeconds),
		Goal: "<= 1.15", Value: th.Ratio, Display: fmt.Sprintf("%.3f (%.2f s)", th.Ratio, th.Wall.Median)},
		th.Wall.measured(), 1.15, false))

	pr := r.Process
	if pr == nil {
		pr = &ProcessFigure{}
	}
	ts = append(ts, judge(Target{Figure: "4 process", What: "binary size, stripped (-s -w)",
		Goal: "< 30 MB", Value: float64(pr.SizeStrippedBytes) / mb, Display: fmt.Sprintf("%.1f MB", float64(pr.SizeStrippedBytes)/mb)},
		pr.SizeStrippedBytes > 0, 30, true))
	ts = append(ts, judge(Target{Figure: "4 process", What: "start to serving the schema (GetProviderSchema answered)",
		Goal: "< 50 ms", Value: pr.StartSchemaMs.Median, Display: fmt.Sprintf("%.1f ms (baseline %.1f ms)", pr.StartSchemaMs.Median, pr.BaselineStartSchemaMs.Median)},
		pr.StartSchemaMs.measured(), 50, true))
	ts = append(ts, judge(Target{Figure: "4 process", What: fmt.Sprintf("peak RSS of the provider during the N=%d plan", pr.PeakRSSN),
		Goal: "< 60 MB", Value: pr.PeakRSSBytes.Median / mb, Display: fmt.Sprintf("%.1f MB (baseline %.1f MB)", pr.PeakRSSBytes.Median/mb, pr.BaselinePeakRSSBytes.Median/mb)},
		pr.PeakRSSBytes.measured(), 60, true))

	// The child-server variant serves from another process, so its
	// allocs/op are the client's alone; the plain name is the fallback for
	// a benchmark without sub-benchmarks.
	name := "BenchmarkGetVisualizationJob/child-server"
	b, ok := findBench(r.Micro, name)
	if !ok {
		name = "BenchmarkGetVisualizationJob"
		b, _ = findBench(r.Micro, name)
	}
	ts = append(ts, judge(Target{Figure: "5 micro", What: "allocs per signed GET + decode (" + name + ")",
		Goal: "< 60", Value: b.AllocsPerOp.Median, Display: fmt.Sprintf("%.0f", b.AllocsPerOp.Median)},
		b.AllocsPerOp.measured(), 60, true))
	r.Targets = ts
}

// cpuInfo is the context row of a CPU-time ratio: the same comparison as
// the wall-time target beside it, in a measure the machine's load hardly
// moves.
func cpuInfo(figure, what string, c *CPUFigures) Target {
	t := Target{Figure: figure, What: what, Goal: "(none)", Result: "info"}
	if c == nil || !c.RatioBaseline.measured() {
		t.Display, t.Result = "not measured", "N/A"
		return t
	}
	t.Value = c.RatioBaseline.Median
	t.Display = fmt.Sprintf("%.3f", c.RatioBaseline.Median)
	return t
}

func (r *Results) scalingAt(n int) *ScalingPoint {
	for i := range r.Scaling {
		if r.Scaling[i].N == n {
			return &r.Scaling[i]
		}
	}
	return nil
}

// fillPerItem computes the marginal per-item costs from the N=1 point.
func (r *Results) fillPerItem() {
	one := r.scalingAt(1)
	if one == nil {
		return
	}
	for i := range r.Scaling {
		p := &r.Scaling[i]
		if p.N <= 1 {
			continue
		}
		d := float64(p.N - 1)
		p.PerItemMs = map[Variant]float64{
			Ours:     (p.Ours.Median - one.Ours.Median) / d * 1000,
			Baseline: (p.Baseline.Median - one.Baseline.Median) / d * 1000,
			Floor:    (p.Floor.Median - one.Floor.Median) / d * 1000,
		}
	}
}
