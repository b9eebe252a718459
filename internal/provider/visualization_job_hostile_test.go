package provider

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The tests of this file play a hostile, misconfigured or eventually
// consistent server through the real Terraform CLI. Each proves one rule: a
// job is never dropped from state, orphaned or mistaken for another on an
// answer that ModelArts itself did not give.

// importSeeded is an import block plus the resource configuration of the
// seeded job 8992, with extra arguments.
func importSeeded(extra ...string) string {
	return "import {\n  to = " + resourceAddr + "\n  id = \"8992\"\n}\n" + jobResourceConfig(append([]string{
		`job_name = "resnet50-tb"`, `train_url = "/ml-bucket/resnet50/train/"`,
		`job_desc = "TensorBoard for the ResNet-50 run"`,
	}, extra...)...)
}

// notFromModelArts are 404 answers that say nothing about the job: the API
// gateway's "API does not exist" for a wrong base path and a proxy's page.
var notFromModelArts = map[string]emulator.Fault{
	"gateway": {Kind: emulator.FaultStatus, Status: http.StatusNotFound, Code: "APIG.0101"},
	"html":    {Kind: emulator.FaultNonJSON, Status: http.StatusNotFound},
}

// A 404 that does not come from ModelArts neither drops the job from the
// state on refresh nor counts as a deleted job on destroy: both fail, name
// the URL and point at the endpoint, and the job and the state stay.
func TestVisualizationJobResource_notFoundFromGatewayKeepsJob(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	for name, fault := range notFromModelArts {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newHostileEnv(t, emulator.Config{})
			cfg := env.providerBlock("aksk") + importSeeded()
			inState := []statecheck.StateCheck{resAttr("id", knownvalue.StringExact("8992"))}
			fault.Op = ""
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{
					{Config: cfg, ConfigStateChecks: inState},
					{
						PreConfig:   func() { env.emu.AddFault(fault) },
						Config:      cfg,
						ExpectError: errRe(`Unable to Read Visualization Job.*HTTP 404`),
					},
					{
						Config:      cfg,
						Destroy:     true,
						ExpectError: errRe(`Unable to (Read|Delete) Visualization Job.*HTTP 404`),
					},
					{
						PreConfig: func() {
							env.emu.ClearFaults()
							if _, ok := env.emu.Job(8992); !ok {
								t.Fatal("job 8992 is gone after a destroy that a gateway 404 answered")
							}
							if n := env.emu.RequestCount("delete"); n != 0 {
								t.Fatalf("%d DELETE requests reached ModelArts, want none", n)
							}
						},
						Config:            cfg,
						ConfigStateChecks: inState,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionNoop),
						}},
					},
				},
			})
		})
	}
}

// Destroy with only DELETE answered by a gateway 404 (a base path the
// gateway routes for GET but not DELETE) fails instead of reporting success.
func TestVisualizationJobResource_destroyGatewayNotFoundFails(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{})
	cfg := env.providerBlock("aksk") + importSeeded()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "delete", Status: 404, Code: "APIG.0101"})
				},
				Config:  cfg,
				Destroy: true,
				ExpectError: errRe(`Unable to Delete Visualization Job.*Could not delete visualization job "8992".*` +
					`HTTP 404.*APIG\.0101`),
			},
			{
				PreConfig: func() {
					env.emu.ClearFaults()
					if _, ok := env.emu.Job(8992); !ok {
						t.Fatal("job 8992 is gone")
					}
				},
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{resAttr("id", knownvalue.StringExact("8992"))},
			},
		},
	})
}

// With fail_on_error = false, only ModelArts' own "does not exist" is data;
// a gateway 404 fails the read.
func TestVisualizationJobDataSource_gatewayNotFoundIsAnError(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{})
	cfg := env.providerBlock("aksk") + `
data "modelarts_visualization_job" "gone" {
  visualization_id = "4040"
  fail_on_error    = false
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					dsAttr("data.modelarts_visualization_job.gone", "is_success", knownvalue.Bool(false)),
				},
			},
			{
				PreConfig: func() {
					env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "get", Status: 404, Code: "APIG.0101"})
				},
				Config:      cfg,
				ExpectError: errRe(`Unable to Read Visualization Job.*HTTP 404.*APIG\.0101`),
			},
		},
	})
}

// The answer to a create is lost and, meanwhile, another pipeline made a job
// of the same name: the provider adopts the job that matches everything it
// sent, not the other one; when two match, it adopts none and lists both.
func TestVisualizationJobResource_lostCreateAmongSameNamedJobs(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	for name, tc := range map[string]struct {
		otherTrainURL string
		wantErr       string
	}{
		"other_attributes": {otherTrainURL: "/bucket/other-run/"},
		"same_attributes": {otherTrainURL: "/bucket/run-1/",
			wantErr: `Unable to Create Visualization Job.*lost.*2 new jobs named "tb-twin" match.*IDs \d+, \d+.*Import the right one`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newHostileEnv(t, emulator.Config{})
			var other atomic.Int64
			env.setBefore(func(r *http.Request) {
				if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/visualization-jobs") && other.Load() == 0 {
					if err := env.emu.Seed(emulator.Job{JobName: "tb-twin", TrainURL: tc.otherTrainURL, Status: 8}); err != nil {
						t.Error(err)
					}
					for _, j := range env.emu.Jobs() {
						if j.JobName == "tb-twin" {
							other.Store(j.JobID)
						}
					}
				}
			})
			env.emu.AddFault(emulator.Fault{Kind: emulator.FaultResetAfter, Op: "create", Times: 1})
			step := resource.TestStep{
				Config: env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-twin"`, `train_url = "/bucket/run-1/"`),
			}
			if tc.wantErr != "" {
				step.ExpectError = errRe(tc.wantErr)
			} else {
				step.Check = func(s *terraform.State) error {
					id := s.RootModule().Resources[resourceAddr].Primary.ID
					if id == fmt.Sprint(other.Load()) {
						return fmt.Errorf("adopted job %s, which another pipeline made", id)
					}
					j, ok := env.emu.Job(mustAtoi(t, id))
					if !ok || j.TrainURL != "/bucket/run-1/" {
						return fmt.Errorf("state holds job %s (%+v), not the one this apply made", id, j)
					}
					return nil
				}
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps:                    []resource.TestStep{step},
			})
			if n := env.emu.RequestCount("create"); n != 1 {
				t.Errorf("%d create requests, want 1", n)
			}
		})
	}
}

// ModelArts refuses every DELETE with ModelArts.0105 although the job is not
// being stopped: destroy ends with an error after a few paced attempts.
func TestVisualizationJobResource_deleteRefusedEndsPaced(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{})
	cfg := env.providerBlock("aksk") + importSeeded()
	var mark int
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "delete", Status: 400, Code: "ModelArts.0105"})
					mark = env.mark()
				},
				Config:  cfg,
				Destroy: true,
				ExpectError: errRe(`Unable to Delete Visualization Job.*ModelArts refused to delete the job in status 8 ` +
					`JOBSTAT_RUNNING \(3 times\).*ModelArts\.0105.*console`),
			},
			{
				PreConfig: func() {
					all := env.requestsSince(mark, "/visualization-jobs/8992")
					if err := checkPace(all); err != nil {
						t.Error(err)
					}
					if n := len(env.requestsSince(mark, "DELETE ")); n != maxDeleteRefusals {
						t.Errorf("%d DELETE requests, want %d", n, maxDeleteRefusals)
					}
					env.emu.ClearFaults()
				},
				Config: cfg,
			},
		},
	})
}

// The first reads after a create say "does not exist", as an eventually
// consistent service may: the create waits for the job instead of failing.
func TestVisualizationJobResource_notFoundRightAfterCreate(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "get", Status: 404, Code: "ModelArts.0015", Times: 3})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-late"`, `train_url = "/bucket/late/"`),
			ConfigStateChecks: []statecheck.StateCheck{
				resAttr("status_name", knownvalue.StringExact("JOBSTAT_RUNNING")),
			},
		}},
	})
}

// Importing a job whose configuration sets what the API never returns
// (auto_stop_hours, flavor_code) adopts the values instead of replacing the
// job; changing them afterwards replaces it, as documented.
func TestVisualizationJobResource_importAdoptsUnreadableArguments(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{})
	withArgs := func(hours int) string {
		return env.providerBlock("aksk") + importSeeded(fmt.Sprintf("auto_stop_hours = %d", hours),
			`flavor_code = "modelarts.vm.cpu.free"`)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{
				Config: withArgs(4),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("id", knownvalue.StringExact("8992")),
					resAttr("auto_stop_hours", knownvalue.Int64Exact(4)),
					resAttr("flavor_code", knownvalue.StringExact("modelarts.vm.cpu.free")),
				},
			},
			{
				Config: withArgs(4),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				Config: withArgs(5),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionReplace),
				}},
			},
		},
	})
	if _, ok := env.emu.Job(8992); ok {
		t.Error("job 8992 survived its replacement and destroy")
	}
}

// An unchanged running job, whose duration grows every second, never shows
// as drift; a job stopped outside Terraform does, and with running = true the
// plan restarts it.
func TestVisualizationJobResource_driftOnlyWhenTheJobChanged(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{})
	unmanaged := env.providerBlock("aksk") + importSeeded()
	managed := env.providerBlock("aksk") + strings.Replace(importSeeded("running = true"), "import {\n  to = "+
		resourceAddr+"\n  id = \"8992\"\n}\n", "", 1)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{
			{Config: unmanaged},
			{
				PreConfig: func() { time.Sleep(1100 * time.Millisecond) },
				Config:    unmanaged,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectDrift{addr: resourceAddr, drift: false},
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				PreConfig: func() { stopSeededJob(t, env.testEnv, 8992) },
				Config:    unmanaged,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectDrift{addr: resourceAddr, drift: true},
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("status_name", knownvalue.StringExact("JOBSTAT_CANCELED")),
				},
			},
			{
				Config: managed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("running", knownvalue.Bool(true)),
					resAttr("status_name", knownvalue.StringExact("JOBSTAT_RUNNING")),
				},
			},
		},
	})
}

// seedFailed is a job whose image could not be built.
var seedFailed = emulator.Job{
	JobID: 5003, JobName: "tb-broken", JobDesc: "", Status: 3, TrainURL: "/ml-bucket/broken/",
}

// A job in a failed status with running = true: the plan warns and says how
// to replace it, the apply fails with the same advice and sends no restart;
// recreate_on_failure = true plans the replacement itself.
func TestVisualizationJobResource_failedJobSettles(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{}, seedFailed)
	rec := &diagRecorder{}
	cfg := func(extra ...string) string {
		return env.providerBlock("aksk") + "import {\n  to = " + resourceAddr + "\n  id = \"5003\"\n}\n" +
			jobResourceConfig(append([]string{`job_name = "tb-broken"`, `train_url = "/ml-bucket/broken/"`, `running = true`}, extra...)...)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: rec.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg(),
				ExpectError: errRe(`Unable to Update Visualization Job.*Could not restart visualization job "5003".*` +
					`status 3 JOBSTAT_IMAGE_FAILED.*cannot be restarted: replace it.*-replace=.*recreate_on_failure = true`),
			},
			{
				PreConfig: func() {
					if n := rec.countWarnings("Visualization Job Has Failed"); n == 0 {
						t.Errorf("the plan did not warn about the failed job; warnings: %q", rec.warnings())
					}
					if n := env.emu.RequestCount("restart"); n != 0 {
						t.Errorf("%d restart requests sent for a failed job, want none", n)
					}
				},
				Config: cfg(`recreate_on_failure = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("status_name", knownvalue.StringExact("JOBSTAT_RUNNING")),
				},
			},
		},
	})
	if _, ok := env.emu.Job(5003); ok {
		t.Error("the failed job 5003 was not deleted by its replacement")
	}
}

// Strings with terminal escapes or bidi overrides are kept in the state but
// draw one warning per job.
func TestVisualizationJobDataSource_controlCharactersWarn(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{}, emulator.Job{
		JobID: 6001, JobName: "tb-escape", JobDesc: "run \x1b]0;pwned\x07 \u202eevil", Status: 8, TrainURL: "/bkt/e/",
	})
	rec := &diagRecorder{}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: rec.factories(),
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + `
data "modelarts_visualization_job" "esc" {
  visualization_id = "6001"
}
data "modelarts_visualization_job" "plain" {
  visualization_id = "8992"
}
data "modelarts_visualization_jobs" "all" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				dsAttr("data.modelarts_visualization_job.esc", "job_desc", knownvalue.StringExact("run \x1b]0;pwned\x07 \u202eevil")),
			},
			Check: func(*terraform.State) error {
				// One from the job's data source and one from the listing, per
				// read (plan, apply and refresh each read both).
				if n := rec.countWarnings("Visualization Job Text Holds Control Characters"); n == 0 || n%2 != 0 {
					return fmt.Errorf("%d warnings for job 6001, want one per data source and read; warnings: %q", n, rec.warnings())
				}
				for _, w := range rec.warnings() {
					if strings.Contains(w, "8992") {
						return fmt.Errorf("warning for the plain job 8992: %s", w)
					}
					if strings.Contains(w, "\x1b") || strings.Contains(w, "\u202e") {
						return fmt.Errorf("the warning itself carries the characters: %q", w)
					}
				}
				return nil
			},
		}},
	})
}
