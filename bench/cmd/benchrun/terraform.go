package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Variant is one of the three configurations measured side by side.
type Variant string

// The variants of a plan-scaling round.
const (
	Ours     Variant = "ours"     // N modelarts_visualization_job data sources
	Baseline Variant = "baseline" // N baseline_visualization_job data sources
	Floor    Variant = "floor"    // N terraform_data resources (Terraform alone)
)

// The emulator's default identity: public test values, not secrets.
const (
	projectID  = "0123456789abcdef0123456789abcdef"
	region     = "eu-de"
	accessKey  = "EMULATORACCESSKEY"
	secretKey  = "emulator-secret-key"
	readyToken = "emulator-static-token"

	oursSource     = "tf-modelarts/modelarts"
	baselineSource = "bench/baseline"
	firstJobID     = 10001
)

// seedJSON is the emulator seed file: n jobs with consecutive IDs from
// firstJobID, a mix of statuses so the mapping sees more than one shape.
func seedJSON(n int) []byte {
	var b strings.Builder
	b.WriteString("[\n")
	statuses := []int{8, 13, 10, 3}
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  {"job_id": %d, "job_name": "bench-%d", "job_desc": "benchmark job %d", "status": %d, `+
			`"create_time": %d, "duration": %d, "train_url": "/bench-bucket/run-%d/"}`,
			firstJobID+i, i, i, statuses[i%len(statuses)], 1717578000000+int64(i)*1000, int64(i)*60000, i)
	}
	b.WriteString("\n]\n")
	return []byte(b.String())
}

// workspaceHCL is the configuration of one variant reading n jobs from the
// emulator at url. All three variants have the same shape, count = n with
// the job ID computed from count.index, so they differ only in what each
// instance is. Not for_each: Terraform evaluates a for_each set once per
// instance, which makes a plan of 1000 instances quadratic (tens of seconds
// for the floor alone) and would measure that instead of the providers.
func workspaceHCL(v Variant, n int, url string) string {
	var b strings.Builder
	q := strconv.Quote
	switch v {
	case Ours:
		fmt.Fprintf(&b, "terraform {\n  required_providers {\n    modelarts = { source = %s }\n  }\n}\n\n", q(oursSource))
		fmt.Fprintf(&b, "provider \"modelarts\" {\n  region     = %s\n  project_id = %s\n  access_key = %s\n  secret_key = %s\n  endpoints  = { modelarts = %s }\n}\n\n",
			q(region), q(projectID), q(accessKey), q(secretKey), q(url))
		b.WriteString("data \"modelarts_visualization_job\" \"job\" {\n")
	case Baseline:
		fmt.Fprintf(&b, "terraform {\n  required_providers {\n    baseline = { source = %s }\n  }\n}\n\n", q(baselineSource))
		fmt.Fprintf(&b, "provider \"baseline\" {\n  endpoint   = %s\n  project_id = %s\n  token      = %s\n}\n\n",
			q(url), q(projectID), q(readyToken))
		b.WriteString("data \"baseline_visualization_job\" \"job\" {\n")
	case Floor:
		b.WriteString("resource \"terraform_data\" \"job\" {\n")
	}
	if v == Floor {
		fmt.Fprintf(&b, "  count = %d\n  input = tostring(%d + count.index)\n}\n", n, firstJobID)
	} else {
		fmt.Fprintf(&b, "  count            = %d\n  visualization_id = tostring(%d + count.index)\n}\n", n, firstJobID)
	}
	return b.String()
}

// cliConfig is the TF_CLI_CONFIG_FILE that points both providers at the
// freshly built binaries: dev_overrides, so no `terraform init` and no
// registry.
func cliConfig(oursDir, baselineDir string) string {
	q := strconv.Quote
	return fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %s = %s\n    %s = %s\n  }\n  direct {}\n}\n",
		q(oursSource), q(oursDir), q(baselineSource), q(baselineDir))
}

// tfEnv is the environment of every terraform run: the caller's, minus
// anything that would change what is measured (credentials the provider
// would pick up, logging, a reattach left over), plus the CLI config.
func tfEnv(cliConfigPath, tmpDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "HW_"), strings.HasPrefix(k, "OS_"), strings.HasPrefix(k, "TF_LOG"),
			k == "TF_REATTACH_PROVIDERS", k == "TF_CLI_CONFIG_FILE", k == "TF_CLI_ARGS", strings.HasPrefix(k, "TF_CLI_ARGS_"),
			k == "TF_DATA_DIR", k == "TF_PLUGIN_CACHE_DIR", k == "TMPDIR":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+cliConfigPath, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TMPDIR="+tmpDir)
	return append(env, extra...)
}

// planner runs terraform plan in prepared workspaces.
type planner struct {
	tf      string
	work    string
	cliConf string
	tmpDir  string
}

// workspace writes the configuration of a variant into its own directory
// (named by key) and returns the directory.
func (p *planner) workspace(key string, v Variant, n int, url string) (string, error) {
	dir := filepath.Join(p.work, "ws", key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(workspaceHCL(v, n, url)), 0o644)
}

// planTime is what one plan cost.
type planTime struct {
	// Wall is from starting the terraform process to its exit, so it
	// includes starting the provider, which is part of what a user waits
	// for.
	Wall time.Duration
	// CPU is the user and system time of terraform and of the providers it
	// started and reaped (wait4 counts waited-for descendants). Unlike the
	// wall time it hardly moves with the machine's load, so it shows what
	// each variant costs when other jobs share the cores.
	CPU time.Duration
}

// plan runs one `terraform plan` in dir.
func (p *planner) plan(ctx context.Context, dir string, parallelism int, extraEnv ...string) (planTime, error) {
	logPath := filepath.Join(dir, "plan.log")
	out, err := os.Create(logPath)
	if err != nil {
		return planTime{}, err
	}
	defer out.Close()
	cmd := groupCommand(ctx, p.tf, "-chdir="+dir, "plan", "-input=false", "-lock=false", "-no-color",
		"-parallelism="+strconv.Itoa(parallelism))
	cmd.Env = tfEnv(p.cliConf, p.tmpDir, extraEnv...)
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return planTime{}, errInterrupted
	case ctx.Err() != nil:
		return planTime{}, fmt.Errorf("terraform plan in %s: %w\n%s", dir, ctx.Err(), tail(logPath, 30))
	}
	if err != nil {
		return planTime{}, fmt.Errorf("terraform plan in %s: %w\n%s", dir, err, tail(logPath, 30))
	}
	return planTime{Wall: wall, CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}
