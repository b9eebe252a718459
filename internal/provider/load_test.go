package provider

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

const (
	loadJobs     = 500
	loadFirstID  = 10001
	loadSeed     = 20240801
	loadMaxTries = 8
	// loadProbe is how many data sources the fault-free run plans.
	loadProbe = 20
	// loadBound is how many more GETs than without faults the faulted plans
	// may send. With about 10% of answers failing, a read takes 1/(1-0.1)
	// attempts on average: 11% more, give or take 1% over a thousand reads.
	// 25% more means retries ran away.
	loadBound = 0.25
	// loadMinExtra is the fewest extra GETs the faults must cause: half the
	// expected 11%, so that a test whose faults never fire fails.
	loadMinExtra = 0.05
)

// TestLoad_fiveHundredDataSourcesWithFaults plans 500 data sources while
// about one answer in ten fails transiently (8% HTTP 503, 2% HTTP 429 with
// Retry-After), the faults drawn from a fixed seed. The plan must succeed,
// every job must be read, and the emulator's request count must show that
// the retries were bounded.
//
// max_retries is raised from 5 to 8: with a 10% failure rate one read fails
// six times in a row with probability 10^-6, which over the thousand reads
// of a run would make the test fail once in a thousand runs; nine times in a
// row (10^-9) cannot.
func TestLoad_fiveHundredDataSourcesWithFaults(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{Seed: loadSeed})
	jobs := make([]emulator.Job, loadJobs)
	for i := range jobs {
		id := int64(loadFirstID + i)
		jobs[i] = emulator.Job{JobID: id, JobName: fmt.Sprintf("load-%d", id), Status: emulator.StatusRunning,
			CreateTime: 1732780800000, TrainURL: fmt.Sprintf("/bucket/load/%d/", id)}
	}
	if err := env.emu.Seed(jobs...); err != nil {
		t.Fatalf("seeding %d jobs: %v", loadJobs, err)
	}
	// Every data source checks that it read its own job, so a plan that
	// succeeds with wrong data fails.
	config := func(n int) string {
		return env.providerBlock("aksk", fmt.Sprintf("  max_retries = %d", loadMaxTries)) + fmt.Sprintf(`
data "modelarts_visualization_job" "load" {
  for_each         = toset([for i in range(%d) : tostring(%d + i)])
  visualization_id = each.value
  lifecycle {
    postcondition {
      condition     = self.job_name == "load-${each.value}" && self.status == 8
      error_message = "visualization job ${each.value} was read wrongly"
    }
  }
}
`, n, loadFirstID)
	}

	plan := func(n int) {
		t.Helper()
		start := time.Now()
		env.emu.ResetRequests()
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories,
			Steps:                    []resource.TestStep{{Config: config(n), PlanOnly: true}},
		})
		t.Logf("%d data sources planned in %s", n, time.Since(start).Round(100*time.Millisecond))
	}

	// Without faults: how many times the commands plugin-testing runs for a
	// plan-only step read each data source. That number does not depend on
	// how many there are, so a few data sources measure it cheaply.
	plan(loadProbe)
	probeGets := env.emu.RequestCount("get")
	if probeGets == 0 || probeGets%loadProbe != 0 {
		t.Fatalf("without faults the plans sent %d GETs, not a multiple of the %d data sources", probeGets, loadProbe)
	}
	readsPerJob := probeGets / loadProbe
	baseline := readsPerJob * loadJobs

	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "get", Status: http.StatusServiceUnavailable, Probability: 0.08})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "get", Status: http.StatusTooManyRequests,
		RetryAfter: "1", Probability: 0.0218})
	plan(loadJobs)

	gets := env.emu.RequestCount("get")
	perJob := map[string]struct{ ok, failed int }{}
	statuses := map[int]int{}
	for _, r := range env.emu.Requests() {
		if r.Op != "get" {
			continue
		}
		statuses[r.Status]++
		c := perJob[r.JobID]
		if r.Status == http.StatusOK {
			c.ok++
		} else {
			c.failed++
		}
		perJob[r.JobID] = c
	}
	failed := statuses[http.StatusServiceUnavailable] + statuses[http.StatusTooManyRequests]
	t.Logf("without faults: %d GETs per data source, %d expected for %d; with faults: %d GETs, %d answered 503, %d answered 429, "+
		"%d other non-200 (+%.1f%%)", readsPerJob, baseline, loadJobs, gets, statuses[http.StatusServiceUnavailable],
		statuses[http.StatusTooManyRequests], gets-statuses[http.StatusOK]-failed,
		100*float64(gets-baseline)/float64(baseline))

	if limit := int(float64(baseline) * (1 + loadBound)); gets > limit {
		t.Errorf("%d GETs with faults, more than %d (%d without faults + %.0f%%): retries are not bounded",
			gets, limit, baseline, 100*loadBound)
	}
	if least := int(float64(baseline) * loadMinExtra); failed < least {
		t.Errorf("only %d answers were faults, want at least %d: the faults did not fire", failed, least)
	}
	if gets != statuses[http.StatusOK]+failed {
		t.Errorf("%d GETs but %d answered 200 and %d were injected faults: some failed otherwise %v",
			gets, statuses[http.StatusOK], failed, statuses)
	}
	if len(perJob) != loadJobs {
		t.Errorf("%d jobs were read, want %d", len(perJob), loadJobs)
	}
	for id, c := range perJob {
		if c.ok != readsPerJob {
			t.Errorf("job %s: %d successful reads, want %d (one per plan)", id, c.ok, readsPerJob)
		}
		if c.ok+c.failed > readsPerJob*(loadMaxTries+1) {
			t.Errorf("job %s: %d GETs for %d reads, more than max_retries allows", id, c.ok+c.failed, readsPerJob)
		}
	}
}
