package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

const resourceAddr = "modelarts_visualization_job.tb"

// newLiveTestEnv is an emulator whose clock runs, with short lifecycle
// delays, for tests that create, stop and restart jobs.
func newLiveTestEnv(t *testing.T, cfg emulator.Config) *testEnv {
	t.Helper()
	if cfg.StartDelay == 0 {
		cfg.StartDelay = 100 * time.Millisecond
	}
	if cfg.StopDelay == 0 {
		cfg.StopDelay = 100 * time.Millisecond
	}
	cfg.Now = time.Now
	return newTestEnv(t, cfg)
}

func jobResourceConfig(args ...string) string {
	return "resource \"modelarts_visualization_job\" \"tb\" {\n  " + strings.Join(args, "\n  ") + "\n}\n"
}

func resAttr(name string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(resourceAddr, tfjsonpath.New(name), v)
}

// checkOnlySeedsLeft fails when a job created by the test outlived its destroy.
func (e *testEnv) checkOnlySeedsLeft(*terraform.State) error {
	for _, j := range e.emu.Jobs() {
		if j.JobID != seedRunning.JobID && j.JobID != seedDocs.JobID {
			return fmt.Errorf("job %d (%s) still exists after destroy", j.JobID, j.JobName)
		}
	}
	return nil
}

func TestVisualizationJobResource_lifecycle(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	base := []string{`job_name = "tb-lifecycle"`, `train_url = "/bucket/run-1/"`}
	jobID := statecheck.CompareValue(compare.ValuesSame())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{
			{
				Config: env.providerBlock("aksk") + jobResourceConfig(append(base, `job_desc = "first"`)...),
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("job_name", knownvalue.StringExact("tb-lifecycle")),
					resAttr("job_desc", knownvalue.StringExact("first")),
					resAttr("train_url", knownvalue.StringExact("/bucket/run-1/")),
					resAttr("job_type", knownvalue.StringExact("tensorboard")),
					resAttr("running", knownvalue.Null()),
					resAttr("status", knownvalue.Int64Exact(8)),
					resAttr("status_name", knownvalue.StringExact("JOBSTAT_RUNNING")),
					resAttr("service_url", knownvalue.StringRegexp(regexp.MustCompile(
						`^https://console\.emulator\.local/modelarts2/tensorboard/`+emulator.DefaultProjectID+`/\d+/$`))),
					resAttr("resource_id", knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
					resAttr("created_at", knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
					resAttr("flavor_code", knownvalue.Null()),
					resAttr("auto_stop_hours", knownvalue.Null()),
					jobID.AddStateValue(resourceAddr, tfjsonpath.New("job_id")),
				},
			},
			{
				Config: env.providerBlock("aksk") + jobResourceConfig(append(base, `job_desc = "second"`)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("job_desc", knownvalue.StringExact("second")),
					jobID.AddStateValue(resourceAddr, tfjsonpath.New("job_id")),
				},
			},
			{
				Config: env.providerBlock("aksk") + jobResourceConfig(append(base, `job_desc = "second"`, `running = false`)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("running", knownvalue.Bool(false)),
					resAttr("status_name", knownvalue.StringExact("JOBSTAT_CANCELED")),
					jobID.AddStateValue(resourceAddr, tfjsonpath.New("job_id")),
				},
			},
			{
				Config: env.providerBlock("aksk") + jobResourceConfig(append(base, `job_desc = "second"`, `running = true`)...),
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("running", knownvalue.Bool(true)),
					resAttr("status_name", knownvalue.StringExact("JOBSTAT_RUNNING")),
					jobID.AddStateValue(resourceAddr, tfjsonpath.New("job_id")),
				},
			},
			{
				ResourceName:            resourceAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", "status", "status_name", "running"},
			},
			{
				Config: env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-renamed"`, `train_url = "/bucket/run-1/"`, `job_desc = "second"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("job_name", knownvalue.StringExact("tb-renamed")),
					statecheck.CompareValue(compare.ValuesDiffer()).AddStateValue(resourceAddr, tfjsonpath.New("job_id")),
				},
			},
		},
	})
}

// A renamed job is a new job: the old one must be gone after the replace.
func TestVisualizationJobResource_replaceDeletesOld(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{
			{Config: env.providerBlock("token") + jobResourceConfig(`job_name = "old-name"`, `train_url = "/bkt/"`, `job_type = "mindinsight"`)},
			{
				Config: env.providerBlock("token") + jobResourceConfig(`job_name = "new-name"`, `train_url = "/bkt/"`, `job_type = "mindinsight"`),
				Check: func(*terraform.State) error {
					for _, j := range env.emu.Jobs() {
						if j.JobName == "old-name" {
							return fmt.Errorf("job %d old-name still exists after the replace", j.JobID)
						}
					}
					return nil
				},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("service_url", knownvalue.StringRegexp(regexp.MustCompile(`/mindinsight/`))),
				},
			},
		},
	})
}

func TestVisualizationJobResource_importByID(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: env.providerBlock("aksk") + `
import {
  to = modelarts_visualization_job.tb
  id = "8992"
}
` + jobResourceConfig(`job_name = "resnet50-tb"`, `train_url = "/ml-bucket/resnet50/train/"`,
					`job_desc = "TensorBoard for the ResNet-50 run"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("id", knownvalue.StringExact("8992")),
					resAttr("job_id", knownvalue.Int64Exact(8992)),
					resAttr("running", knownvalue.Null()),
				},
			},
		},
	})
}

func TestVisualizationJobResource_importInvalidID(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config:        env.providerBlock("aksk") + jobResourceConfig(`job_name = "x"`, `train_url = "/bkt/"`),
				ResourceName:  resourceAddr,
				ImportState:   true,
				ImportStateId: "tb-8992",
				ExpectError:   errRe(`Invalid Import ID.*"tb-8992"`),
			},
		},
	})
}

// A job deleted outside Terraform is dropped from the state with a warning
// and created again by the next apply.
func TestVisualizationJobResource_deletedOutsideTerraform(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	cfg := env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-drift"`, `train_url = "/bkt/"`)
	var firstID int64
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					for _, j := range env.emu.Jobs() {
						if j.JobName == "tb-drift" {
							firstID = j.JobID
						}
					}
					if firstID == 0 {
						return fmt.Errorf("no job tb-drift in the emulator")
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					if !env.emu.DeleteJob(firstID) {
						t.Fatalf("job %d was not in the emulator", firstID)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionCreate),
				}},
				Check: func(s *terraform.State) error {
					id := s.RootModule().Resources[resourceAddr].Primary.ID
					if id == fmt.Sprint(firstID) {
						return fmt.Errorf("state still holds the deleted job %s", id)
					}
					return nil
				},
			},
		},
	})
}

func TestVisualizationJobResource_createFails(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	env.emu.SetNextCreateFailure(3)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-fails"`, `train_url = "/bkt/"`),
			ExpectError: errRe(`Visualization Job Did Not Start.*ModelArts reports that the job failed with status 3 ` +
				`JOBSTAT_IMAGE_FAILED.*tainted`),
		}},
	})
}

func TestVisualizationJobResource_quotaExceeded(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{Quota: 1}) // seed job 8992 already runs
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-quota"`, `train_url = "/bkt/"`),
			ExpectError: errRe(`Unable to Create Visualization Job.*"tb-quota".*HTTP 400 with error ` +
				`code ModelArts\.0118.*reached its quota`),
		}},
	})
}

func TestVisualizationJobResource_invalidArguments(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"name":     {[]string{`job_name = "tensorboard for run 1"`, `train_url = "/bkt/"`}, `job_name.*1 to 20 characters`},
		"long":     {[]string{`job_name = "abcdefghijklmnopqrstu"`, `train_url = "/bkt/"`}, `job_name.*1 to 20 characters`},
		"type":     {[]string{`job_name = "x"`, `train_url = "/bkt/"`, `job_type = "jupyter"`}, `job_type.*tensorboard.*mindinsight`},
		"hours":    {[]string{`job_name = "x"`, `train_url = "/bkt/"`, `auto_stop_hours = 25`}, `auto_stop_hours.*between 0 and 24`},
		"trainurl": {[]string{`job_name = "x"`, `train_url = ""`}, `Invalid OBS Path.*train_url.*"/my-bucket/train/".*The value\s+"" is not: it does not start with a slash`},
		"s3":       {[]string{`job_name = "x"`, `train_url = "s3://ml/run-1/"`}, `Invalid OBS Path.*for example\s+"/ml/run-1/".*not URLs`},
		"relative": {[]string{`job_name = "x"`, `train_url = "ml-bucket/run-1/"`}, `Invalid OBS Path.*does not start\s+with a slash`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config:      env.providerBlock("aksk") + jobResourceConfig(tc.args...),
					PlanOnly:    true,
					ExpectError: errRe(tc.want),
				}},
			})
		})
	}
	if n := env.emu.RequestCount(""); n != 0 {
		t.Errorf("the emulator received %d requests, want none", n)
	}
}

// The answer to a create is lost after ModelArts made the job: the provider
// finds the job by name instead of making a second one.
func TestVisualizationJobResource_lostCreateResponse(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultResetAfter, Op: "create", Times: 1})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-lost"`, `train_url = "/bkt/"`),
			Check: func(*terraform.State) error {
				n := 0
				for _, j := range env.emu.Jobs() {
					if j.JobName == "tb-lost" {
						n++
					}
				}
				if n != 1 {
					return fmt.Errorf("%d jobs named tb-lost, want exactly 1", n)
				}
				if c := env.emu.RequestCount("create"); c != 1 {
					return fmt.Errorf("%d create requests, want 1 (a lost create must not be sent again)", c)
				}
				return nil
			},
		}},
	})
}

// Auto-stop and flavor are sent with the create request.
func TestVisualizationJobResource_scheduleAndFlavor(t *testing.T) {
	t.Parallel()
	env := newLiveTestEnv(t, emulator.Config{HourScale: time.Hour})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("password") + jobResourceConfig(`job_name = "tb-sched"`, `train_url = "/bkt/"`,
				`auto_stop_hours = 2`, `flavor_code = "modelarts.vm.cpu.free"`),
			Check: func(*terraform.State) error {
				for _, j := range env.emu.Jobs() {
					if j.JobName == "tb-sched" {
						if j.AutoStopHours == nil || *j.AutoStopHours != 2 || j.Flavor != "modelarts.vm.cpu.free" {
							return fmt.Errorf("job %+v: want auto-stop 2 h and the flavor", j)
						}
						return nil
					}
				}
				return fmt.Errorf("no job tb-sched")
			},
			ConfigStateChecks: []statecheck.StateCheck{
				resAttr("auto_stop_hours", knownvalue.Int64Exact(2)),
				resAttr("flavor_code", knownvalue.StringExact("modelarts.vm.cpu.free")),
			},
		}},
	})
}

// 100 jobs in one apply at -parallelism=10: every create is waited for and
// none is made twice.
func TestVisualizationJobResource_hundredInOneApply(t *testing.T) {
	env := newLiveTestEnv(t, emulator.Config{Quota: 200, StartDelay: 50 * time.Millisecond})
	t.Setenv("TF_CLI_ARGS_apply", "-parallelism=10")
	t.Setenv("TF_CLI_ARGS_destroy", "-parallelism=10")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + `
resource "modelarts_visualization_job" "many" {
  count     = 100
  job_name  = "tb-many-${count.index}"
  train_url = "/bucket/run-${count.index}/"
}
`,
			Check: func(*terraform.State) error {
				names := map[string]int{}
				for _, j := range env.emu.Jobs() {
					if strings.HasPrefix(j.JobName, "tb-many-") {
						names[j.JobName]++
						if j.Status != 8 {
							return fmt.Errorf("job %s has status %d, want 8", j.JobName, j.Status)
						}
					}
				}
				if len(names) != 100 {
					return fmt.Errorf("%d distinct jobs, want 100", len(names))
				}
				for n, c := range names {
					if c != 1 {
						return fmt.Errorf("%d jobs named %s", c, n)
					}
				}
				return nil
			},
		}},
	})
}
