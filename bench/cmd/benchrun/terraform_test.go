package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestWorkspaceHCL_sameShapeForEveryVariant(t *testing.T) {
	for _, v := range []Variant{Ours, Baseline, Floor} {
		hcl := workspaceHCL(v, 1000, "http://127.0.0.1:1234")
		if !strings.Contains(hcl, "count") || !strings.Contains(hcl, "= 1000\n") ||
			!strings.Contains(hcl, "tostring(10001 + count.index)") {
			t.Errorf("%s does not iterate 1000 seeded IDs with count:\n%s", v, hcl)
		}
		if strings.Contains(hcl, "for_each") {
			t.Errorf("%s uses for_each, which is quadratic in Terraform core:\n%s", v, hcl)
		}
	}
	ours := workspaceHCL(Ours, 1, "http://127.0.0.1:1234")
	for _, want := range []string{`source = "tf-modelarts/modelarts"`, `endpoints  = { modelarts = "http://127.0.0.1:1234" }`,
		`access_key = "EMULATORACCESSKEY"`, `project_id = "0123456789abcdef0123456789abcdef"`, `data "modelarts_visualization_job"`} {
		if !strings.Contains(ours, want) {
			t.Errorf("ours lacks %s:\n%s", want, ours)
		}
	}
	base := workspaceHCL(Baseline, 1, "http://127.0.0.1:1234")
	if !strings.Contains(base, `token      = "emulator-static-token"`) || !strings.Contains(base, `data "baseline_visualization_job"`) {
		t.Errorf("baseline:\n%s", base)
	}
	if floor := workspaceHCL(Floor, 1, ""); strings.Contains(floor, "provider") || !strings.Contains(floor, `resource "terraform_data"`) {
		t.Errorf("the floor must need no provider:\n%s", floor)
	}
}

// The generated configurations are what `terraform fmt` would write, which
// also proves they parse. (The CLI configuration is HCL 1, which fmt does not
// read; every plan of the benchmark parses it.)
func TestWorkspaceHCL_isCanonicalHCL(t *testing.T) {
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			t.Skip("no Terraform CLI")
		}
	}
	for _, v := range []Variant{Ours, Baseline, Floor} {
		cmd := exec.Command(tf, "fmt", "-check", "-")
		cmd.Stdin = strings.NewReader(workspaceHCL(v, 3, "http://127.0.0.1:1"))
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(t.TempDir(), "none"), "CHECKPOINT_DISABLE=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: terraform fmt -check: %v\n%s", v, err, out)
		}
	}
}

func TestCLIConfig_overridesBothProviders(t *testing.T) {
	cli := cliConfig("/w/ours", "/w/base")
	for _, want := range []string{`"tf-modelarts/modelarts" = "/w/ours"`, `"bench/baseline" = "/w/base"`, "direct {}"} {
		if !strings.Contains(cli, want) {
			t.Errorf("missing %s in\n%s", want, cli)
		}
	}
}

func TestTfEnv_dropsWhatWouldChangeTheMeasurement(t *testing.T) {
	t.Setenv("HW_ACCESS_KEY", "leak")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_REATTACH_PROVIDERS", "{}")
	env := tfEnv("/w/rc", "/w/tmp", "EXTRA=1")
	joined := "\n" + strings.Join(env, "\n") + "\n"
	for _, bad := range []string{"\nHW_ACCESS_KEY=", "\nTF_LOG=", "\nTF_REATTACH_PROVIDERS="} {
		if strings.Contains(joined, bad) {
			t.Errorf("environment keeps %s", strings.TrimSpace(bad))
		}
	}
	for _, want := range []string{"\nTF_CLI_CONFIG_FILE=/w/rc\n", "\nCHECKPOINT_DISABLE=1\n", "\nTMPDIR=/w/tmp\n", "\nEXTRA=1\n"} {
		if !strings.Contains(joined, want) {
			t.Errorf("environment lacks %s", strings.TrimSpace(want))
		}
	}
}

func TestSeedJSON_consecutiveIDsTheWorkspacesRead(t *testing.T) {
	var jobs []struct {
		JobID  int64  `json:"job_id"`
		Status int64  `json:"status"`
		Name   string `json:"job_name"`
	}
	if err := json.Unmarshal(seedJSON(1000), &jobs); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1000 || jobs[0].JobID != firstJobID || jobs[999].JobID != firstJobID+999 {
		t.Fatalf("got %d jobs from %d to %d", len(jobs), jobs[0].JobID, jobs[len(jobs)-1].JobID)
	}
	for _, j := range jobs {
		if len(j.Name) > 20 {
			t.Fatalf("job name %q is longer than the API's 20 characters", j.Name)
		}
	}
}

// fakeTerraform writes a script that stands in for the CLI: it records its
// arguments, burns a little CPU in a child it waits for, and exits with code.
func fakeTerraform(t *testing.T, code int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "terraform")
	script := "#!/bin/sh\necho \"args: $*\"\nsh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done'\nexit " + strconv.Itoa(code) + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlannerPlan_wallAndCPUIncludingChildren(t *testing.T) {
	dir := t.TempDir()
	p := &planner{tf: fakeTerraform(t, 0), work: dir, cliConf: "/none", tmpDir: dir}
	got, err := p.plan(context.Background(), dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got.Wall <= 0 || got.CPU <= 0 {
		t.Fatalf("wall %v, cpu %v: both must be measured (the CPU is spent in a waited-for child)", got.Wall, got.CPU)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "plan.log"))
	if !strings.Contains(string(log), "plan -input=false -lock=false -no-color -parallelism=7") {
		t.Fatalf("terraform ran with %s", log)
	}
}

func TestPlannerPlan_failureCarriesTheLogTail(t *testing.T) {
	dir := t.TempDir()
	p := &planner{tf: fakeTerraform(t, 1), work: dir, cliConf: "/none", tmpDir: dir}
	_, err := p.plan(context.Background(), dir, 10)
	if err == nil || !strings.Contains(err.Error(), "args: -chdir="+dir) {
		t.Fatalf("err = %v, want the plan's output in it", err)
	}
}
