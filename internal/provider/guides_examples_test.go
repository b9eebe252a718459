package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The examples of the guides (templates/guides/) and of the data source
// page's prose, registered with TestExamples.
func init() {
	exampleTests["guides/getting-started/main.tf"] = exampleTest{run: testGettingStartedExample}
	exampleTests["guides/getting-started/run.sh"] = exampleTest{
		coveredBy: "guides/getting-started/main.tf (its exports); internal/installtest runs every command with the real CLI",
	}
	exampleTests["guides/emulator-in-ci/main.tf"] = exampleTest{run: testEmulatorInCIExample}
	exampleTests["guides/emulator-in-ci/ci.sh"] = exampleTest{coveredBy: "guides/emulator-in-ci/main.tf"}
	exampleTests["guides/importing/import.tf"] = exampleTest{run: testImportingGuideExample, parallel: true}
	exampleTests["data-sources/modelarts_visualization_job/live-url.tf"] = exampleTest{run: testLiveURLExample, parallel: true}
}

// liveEmulator is an emulator whose jobs start and stop as a real service's
// do, only faster; auto_stop_hours never fires during a test.
func liveEmulator(cfg emulator.Config) emulator.Config {
	cfg.Now = time.Now
	cfg.StartDelay = 100 * time.Millisecond
	cfg.StopDelay = 100 * time.Millisecond
	cfg.HourScale = time.Hour
	return cfg
}

// tensorBoardURL matches the service_url of a TensorBoard of the emulator.
var tensorBoardURL = regexp.MustCompile(`^https://` + regexp.QuoteMeta(emulator.DefaultConsoleHost) +
	`/modelarts2/tensorboard/[0-9a-f]{32}/[0-9]+/$`)

// testGettingStartedExample applies main.tf with the variables of run.sh, as
// the guide does, and checks the output the guide reads with -raw.
func testGettingStartedExample(t *testing.T, path string) {
	exports := parseExports(t, filepath.Join(filepath.Dir(path), "run.sh"))
	env, _ := newExampleEnv(t, liveEmulator(emulator.Config{
		ProjectID: exports["HW_PROJECT_ID"], AccessKey: exports["HW_ACCESS_KEY"], SecretKey: exports["HW_SECRET_KEY"],
	}), false)
	config := readExample(t, path)
	keepLocal(t, env, config)
	for name, value := range exports {
		t.Setenv(name, value)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             seededJobsOnly(env),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("tensorboard_url", knownvalue.StringRegexp(tensorBoardURL)),
				statecheck.ExpectKnownValue("modelarts_visualization_job.tb", tfjsonpath.New("status_name"),
					knownvalue.StringExact("JOBSTAT_RUNNING")),
			},
		}},
	})
}

// testEmulatorInCIExample exports the variables of ci.sh, with the test's
// emulator in place of the address the guide starts it on, and applies the
// unchanged configuration.
func testEmulatorInCIExample(t *testing.T, path string) {
	exports := parseExports(t, filepath.Join(filepath.Dir(path), "ci.sh"))
	for _, name := range []string{"HW_MODELARTS_ENDPOINT", "HW_AUTH_URL"} {
		if !strings.HasPrefix(exports[name], exampleEmulatorURL) {
			t.Fatalf("ci.sh sets %s = %q, not the emulator's address %s", name, exports[name], exampleEmulatorURL)
		}
	}
	env, _ := newExampleEnv(t, liveEmulator(emulator.Config{
		ProjectID: exports["HW_PROJECT_ID"], AccessKey: exports["HW_ACCESS_KEY"], SecretKey: exports["HW_SECRET_KEY"],
	}), false)
	for name, value := range exports {
		t.Setenv(name, strings.Replace(value, exampleEmulatorURL, env.url, 1))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             seededJobsOnly(env),
		Steps: []resource.TestStep{{
			Config: readExample(t, path),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("tensorboard_url", knownvalue.StringRegexp(tensorBoardURL)),
				statecheck.ExpectKnownOutputValue("seeded_job_status", knownvalue.StringExact("JOBSTAT_RUNNING")),
			},
		}},
	})
	expectAuth(t, env, "create", "aksk")
}

// notReplaced is a plan check: the resource is imported or kept, never
// deleted and created again.
type notReplaced string

func (addr notReplaced) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != string(addr) {
			continue
		}
		if rc.Change.Actions.Replace() || rc.Change.Actions.Delete() || rc.Change.Actions.Create() {
			resp.Error = fmt.Errorf("%s is planned for %v: an import must adopt the job, not replace it", addr, rc.Change.Actions)
		}
		return
	}
	resp.Error = fmt.Errorf("the plan has no change for %s", addr)
}

// testImportingGuideExample applies the import block: job 8992 is adopted
// with the configured auto_stop_hours, which ModelArts cannot return, and
// no job is created or deleted.
func testImportingGuideExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, liveEmulator(emulator.Config{}), false)
	const addr = "modelarts_visualization_job.tb"
	before := len(env.emu.Jobs())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:           env.providerBlock("aksk") + readExample(t, path),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{notReplaced(addr)}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("8992")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("auto_stop_hours"), knownvalue.Int64Exact(4)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("status_name"), knownvalue.StringExact("JOBSTAT_RUNNING")),
			},
			Check: func(*terraform.State) error {
				if _, ok := env.emu.Job(8992); !ok || len(env.emu.Jobs()) != before {
					return fmt.Errorf("the import changed the jobs: job 8992 present %v, %d jobs, want %d", ok, len(env.emu.Jobs()), before)
				}
				return nil
			},
		}},
	})
}

// testLiveURLExample reads job 8992 running, then stopped: only the running
// job's address is published.
func testLiveURLExample(t *testing.T, path string) {
	config := readExample(t, path)
	for _, tc := range []struct {
		name   string
		stop   bool
		url    knownvalue.Check
		status string
	}{
		{name: "running", url: knownvalue.StringRegexp(tensorBoardURL), status: "JOBSTAT_RUNNING"},
		{name: "stopped", stop: true, url: knownvalue.StringExact(""), status: "JOBSTAT_CANCELED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _ := newExampleEnv(t, emulator.Config{}, false)
			if tc.stop {
				stopSeededJob(t, env, 8992)
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config: env.providerBlock("aksk") + config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownOutputValue("live_tensorboard_url", tc.url),
						statecheck.ExpectKnownOutputValue("tensorboard_status", knownvalue.StringExact(tc.status)),
					},
				}},
			})
		})
	}
}
