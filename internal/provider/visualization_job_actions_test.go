package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

func init() {
	exampleTests["actions/modelarts_visualization_job_stop/action.tf"] = exampleTest{run: testStopActionExample}
	exampleTests["actions/modelarts_visualization_job_restart/action.tf"] = exampleTest{run: testRestartActionExample}
}

// actionEnv is an emulator with a running clock, so that a stop passes
// through KILLING and a restart through INIT and WAITING, as progress.
func actionEnv(t *testing.T, jobs ...emulator.Job) *testEnv {
	t.Helper()
	env, _ := startTestEnv(t, emulator.Config{
		Now: time.Now, StopDelay: 300 * time.Millisecond, StartDelay: 300 * time.Millisecond,
	}, jobs, false)
	return env
}

// expectStatus fails the test unless the emulator holds job id in status.
func expectStatus(t *testing.T, env *testEnv, id int64, want int64) {
	t.Helper()
	j, ok := env.emu.Job(id)
	switch {
	case !ok:
		t.Errorf("job %d does not exist", id)
	case j.Status != want:
		t.Errorf("job %d is in status %d %s, want %d %s", id, j.Status, statusName(j.Status), want, statusName(want))
	}
}

// TestVisualizationJobActions_invoke runs `terraform apply -invoke=...` for
// each action: stop and restart with progress, a stop whose answer is lost
// (the job is read before anything is sent again), a restart that ModelArts
// refuses, a job that does not exist and a restart without waiting.
// terraform-plugin-testing has no step for -invoke, so this drives the CLI.
func TestVisualizationJobActions_invoke(t *testing.T) {
	bin := useTerraform114(t, "actions")
	env := actionEnv(t, seedRunning, seedDocs)
	cli := newCLIRunner(t, bin)
	cli.write("main.tf", env.providerBlock("aksk")+`
action "modelarts_visualization_job_stop" "tb" {
  config {
    visualization_id = "8992"
  }
}
action "modelarts_visualization_job_restart" "tb" {
  config {
    visualization_id = "8992"
    timeouts {
      invoke = "2m"
    }
  }
}
action "modelarts_visualization_job_stop" "missing" {
  config {
    visualization_id = "4040"
  }
}
action "modelarts_visualization_job_restart" "docs" {
  config {
    visualization_id = "197"
    wait             = false
  }
}
`)
	invoke := func(name string) (string, error) {
		return cli.tryRun("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action."+name)
	}
	mustInvoke := func(name string, wantOutput ...string) {
		t.Helper()
		out, err := invoke(name)
		if err != nil {
			t.Fatalf("invoking %s: %v\n%s", name, err, out)
		}
		for _, want := range wantOutput {
			if !strings.Contains(out, want) {
				t.Errorf("invoking %s: the output lacks %q:\n%s", name, want, out)
			}
		}
	}
	mustFail := func(name string, pattern string) {
		t.Helper()
		out, err := invoke(name)
		if err == nil {
			t.Fatalf("invoking %s succeeded, want an error matching %s:\n%s", name, pattern, out)
		}
		if !errRe(pattern).MatchString(out) {
			t.Errorf("invoking %s: the output does not match %s:\n%s", name, pattern, out)
		}
	}

	t.Run("stop", func(t *testing.T) {
		mustInvoke("modelarts_visualization_job_stop.tb",
			"visualization job 8992 is JOBSTAT_KILLING", "visualization job 8992 is JOBSTAT_CANCELED")
		expectStatus(t, env, 8992, emulator.StatusCanceled)
	})
	t.Run("restart", func(t *testing.T) {
		mustInvoke("modelarts_visualization_job_restart.tb", "visualization job 8992 is JOBSTAT_RUNNING")
		expectStatus(t, env, 8992, emulator.StatusRunning)
	})
	t.Run("lost answer", func(t *testing.T) {
		// ModelArts stops the job, then the connection breaks before the
		// answer: the action reads the job, sees it stopping, and does not
		// send the stop again.
		env.emu.ResetRequests()
		env.emu.AddFault(emulator.Fault{Kind: emulator.FaultResetAfter, Op: "stop", Times: 1})
		defer env.emu.ClearFaults()
		mustInvoke("modelarts_visualization_job_stop.tb", "visualization job 8992 is JOBSTAT_CANCELED")
		expectStatus(t, env, 8992, emulator.StatusCanceled)
		if n := env.emu.RequestCount("stop"); n != 1 {
			t.Errorf("%d stop requests, want 1: a lost answer must be checked before resending", n)
		}
	})
	t.Run("refused", func(t *testing.T) {
		env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "restart", Status: 400, Code: "ModelArts.0105"})
		defer env.emu.ClearFaults()
		mustFail("modelarts_visualization_job_restart.tb",
			`Unable to Restart Visualization Job.*ModelArts refused to restart the job in status 13 JOBSTAT_CANCELED`)
		expectStatus(t, env, 8992, emulator.StatusCanceled)
	})
	t.Run("missing", func(t *testing.T) {
		mustFail("modelarts_visualization_job_stop.missing",
			`Unable to Stop Visualization Job.*visualization job "4040" does not exist`)
	})
	t.Run("no wait", func(t *testing.T) {
		env.emu.ResetRequests()
		mustInvoke("modelarts_visualization_job_restart.docs", "restart done")
		if n := env.emu.RequestCount("restart"); n != 1 {
			t.Errorf("%d restart requests, want 1", n)
		}
		if j, _ := env.emu.Job(197); statusIsStopped(j.Status) {
			t.Errorf("job 197 is still %s after the restart", statusName(j.Status))
		}
	})
	t.Run("invalid id", func(t *testing.T) {
		cli.write("bad.tf", `
action "modelarts_visualization_job_stop" "bad" {
  config {
    visualization_id = "08992"
  }
}
`)
		defer cli.write("bad.tf", "")
		mustFail("modelarts_visualization_job_stop.bad", `Invalid Visualization Job ID.*leading zeros`)
	})
}

// jobIDFromState returns the job ID of a resource in the state.
func jobIDFromState(s *terraform.State, addr string) (int64, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return 0, fmt.Errorf("%s is not in the state", addr)
	}
	return strconv.ParseInt(rs.Primary.ID, 10, 64)
}

func checkJobStatus(env *testEnv, addr string, want int64) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := jobIDFromState(s, addr)
		if err != nil {
			return err
		}
		j, ok := env.emu.Job(id)
		if !ok {
			return fmt.Errorf("job %d does not exist", id)
		}
		if j.Status != want {
			return fmt.Errorf("job %d is in status %d %s, want %d %s", id, j.Status, statusName(j.Status), want, statusName(want))
		}
		return nil
	}
}

// TestVisualizationJobActions_trigger runs the actions from a resource's
// lifecycle { action_trigger }, next to a modelarts_visualization_job whose
// running is unset: after the stop the next plan is empty (the provider
// does not manage the run state, so it does not undo the action). Then a
// restart, a stop whose answer is lost and a refused restart.
func TestVisualizationJobActions_trigger(t *testing.T) {
	useTerraform114(t, "actions")
	env := actionEnv(t)
	job := env.providerBlock("aksk") + `
resource "modelarts_visualization_job" "tb" {
  job_name  = "action-tb"
  train_url = "/ml-bucket/action/train/"
}
action "modelarts_visualization_job_stop" "tb" {
  config {
    visualization_id = modelarts_visualization_job.tb.id
  }
}
action "modelarts_visualization_job_restart" "tb" {
  config {
    visualization_id = modelarts_visualization_job.tb.id
  }
}
`
	trigger := func(name, act string) string {
		return fmt.Sprintf(`
resource "terraform_data" %q {
  input = %q
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.modelarts_visualization_job_%s.tb]
    }
  }
}
`, name, name, act)
	}
	emptyAfterApply := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{
				Config:           job + trigger("stopped", "stop"),
				Check:            checkJobStatus(env, "modelarts_visualization_job.tb", emulator.StatusCanceled),
				ConfigPlanChecks: emptyAfterApply,
			},
			{
				Config:           job + trigger("stopped", "stop") + trigger("restarted", "restart"),
				Check:            checkJobStatus(env, "modelarts_visualization_job.tb", emulator.StatusRunning),
				ConfigPlanChecks: emptyAfterApply,
			},
			{
				PreConfig: func() {
					env.emu.ResetRequests()
					env.emu.AddFault(emulator.Fault{Kind: emulator.FaultResetAfter, Op: "stop", Times: 1})
				},
				Config: job + trigger("stopped", "stop") + trigger("restarted", "restart") + trigger("stopped_again", "stop"),
				Check: resource.ComposeTestCheckFunc(
					checkJobStatus(env, "modelarts_visualization_job.tb", emulator.StatusCanceled),
					func(*terraform.State) error {
						if n := env.emu.RequestCount("stop"); n != 1 {
							return fmt.Errorf("%d stop requests, want 1: a lost answer must be checked before resending", n)
						}
						return nil
					}),
				ConfigPlanChecks: emptyAfterApply,
			},
			{
				PreConfig: func() {
					env.emu.ClearFaults()
					env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "restart", Status: 400, Code: "ModelArts.0105"})
				},
				Config: job + trigger("stopped", "stop") + trigger("restarted", "restart") +
					trigger("stopped_again", "stop") + trigger("refused", "restart"),
				ExpectError: regexp.MustCompile(`(?s)Unable to Restart Visualization Job.*ModelArts refused to restart\s+the\s+job\s+in\s+status\s+13\s+JOBSTAT_CANCELED`),
			},
		},
	})
}

func testStopActionExample(t *testing.T, path string) {
	useTerraform114(t, "actions")
	env := actionEnv(t, seedRunning)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + readExample(t, path),
			Check: resource.ComposeTestCheckFunc(
				checkJobStatus(env, "modelarts_visualization_job.experiment", emulator.StatusCanceled),
				func(*terraform.State) error {
					// The -invoke action is not run by an apply.
					if j, _ := env.emu.Job(8992); j.Status != emulator.StatusRunning {
						return fmt.Errorf("job 8992 is %s: only -invoke may stop it", statusName(j.Status))
					}
					return nil
				}),
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		}},
	})
	bin := terraform114Path(t)
	cli := newCLIRunner(t, bin)
	cli.write("main.tf", env.providerBlock("aksk")+readExample(t, path))
	cli.run("apply", "-auto-approve", "-input=false", "-invoke=action.modelarts_visualization_job_stop.tensorboard")
	expectStatus(t, env, 8992, emulator.StatusCanceled)
}

func testRestartActionExample(t *testing.T, path string) {
	bin := useTerraform114(t, "actions")
	env := actionEnv(t, emulator.Job{JobID: 8991, JobName: "yolov5-tb", Status: emulator.StatusCanceled,
		CreateTime: 1717491600000, TrainURL: "/ml-bucket/yolov5/train/"})
	cli := newCLIRunner(t, bin)
	cli.write("main.tf", env.providerBlock("aksk")+readExample(t, path))
	out := cli.run("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.modelarts_visualization_job_restart.tensorboard")
	if !strings.Contains(out, "visualization job 8991 is JOBSTAT_RUNNING") {
		t.Errorf("the restart reported no progress to RUNNING:\n%s", out)
	}
	expectStatus(t, env, 8991, emulator.StatusRunning)
	// Restarting a running job is success, and so is not waiting.
	cli.run("apply", "-auto-approve", "-input=false", "-invoke=action.modelarts_visualization_job_restart.no_wait")
	expectStatus(t, env, 8991, emulator.StatusRunning)
}
