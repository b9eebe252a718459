package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The tests of this file check answers against the questions asked: an
// answer about another job, a page the server did not turn, a total no
// project holds, and values the server normalised.

// seedBystander is a job that an answer about the wrong job points at: no
// operation on job 8992 may ever touch it.
var seedBystander = emulator.Job{JobID: 777, JobName: "bystander", Status: 8, TrainURL: "/ml-bucket/other/"}

// An answer for job 8992 that describes job 777 (outright, or as a
// duplicate key that encoding/json would fold) is malformed: the refresh
// fails, the state keeps 8992, and the destroy that follows deletes 8992,
// never 777.
func TestVisualizationJobResource_answerAboutAnotherJob(t *testing.T) {
	t.Parallel()
	for name, kind := range map[string]emulator.FaultKind{
		"wrong_job_id":  emulator.FaultWrongJobID,
		"duplicate_key": emulator.FaultDuplicateKey,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newHostileEnv(t, emulator.Config{}, seedBystander)
			cfg := env.providerBlock("aksk") + importSeeded()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{
					{Config: cfg},
					{
						PreConfig: func() {
							env.emu.AddFault(emulator.Fault{Kind: kind, Op: "get", BodyJobID: seedBystander.JobID})
						},
						Config:      cfg,
						ExpectError: errRe(`Unable to Read Visualization Job.*Could not read visualization job "8992".*malformed`),
					},
					{
						PreConfig: env.emu.ClearFaults,
						Config:    cfg,
						ConfigStateChecks: []statecheck.StateCheck{
							resAttr("id", knownvalue.StringExact("8992")),
							resAttr("job_id", knownvalue.Int64Exact(8992)),
						},
					},
				},
			})
			if _, ok := env.emu.Job(seedBystander.JobID); !ok {
				t.Error("job 777 was deleted by the destroy of job 8992")
			}
			if _, ok := env.emu.Job(8992); ok {
				t.Error("job 8992 survived its destroy")
			}
		})
	}
}

// manyJobs are n running jobs named tb-page-0 ... for paging tests.
func manyJobs(n int) []emulator.Job {
	jobs := make([]emulator.Job, n)
	for i := range jobs {
		jobs[i] = emulator.Job{JobName: fmt.Sprintf("tb-page-%d", i), Status: 8, TrainURL: "/bkt/page/"}
	}
	return jobs
}

// A server that ignores the page parameter, or announces a total no project
// holds, gets an error instead of duplicates or an endless read. (The honest
// server's 2,500 jobs are read by TestVisualizationJobsDataSource_allPages.)
func TestVisualizationJobsDataSource_pagesCheckedAgainstTheQuestion(t *testing.T) {
	t.Parallel()
	cfg := `
data "modelarts_visualization_jobs" "all" {}

output "count" {
  value = length(data.modelarts_visualization_jobs.all.jobs)
}

output "distinct" {
  value = length(distinct([for j in data.modelarts_visualization_jobs.all.jobs : j.job_id]))
}
`
	for name, tc := range map[string]struct {
		fault   *emulator.Fault
		wantErr string
	}{
		"ignores_page": {fault: &emulator.Fault{Kind: emulator.FaultIgnorePage},
			wantErr: `Unable to List Visualization Jobs.*page`},
		"huge_total": {fault: &emulator.Fault{Kind: emulator.FaultHugeTotal},
			wantErr: `Unable to List Visualization Jobs.*1000000000000`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newHostileEnv(t, emulator.Config{Quota: 3000, MaxJobs: 3000}, manyJobs(2500)...)
			if tc.fault != nil {
				env.emu.AddFault(*tc.fault)
			}
			step := resource.TestStep{Config: env.providerBlock("aksk") + cfg}
			if tc.wantErr != "" {
				step.ExpectError = errRe(tc.wantErr)
			} else {
				step.ConfigStateChecks = []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("count", knownvalue.Int64Exact(2502)),
					statecheck.ExpectKnownOutputValue("distinct", knownvalue.Int64Exact(2502)),
				}
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps:                    []resource.TestStep{step},
			})
			if n := env.emu.RequestCount("list"); n > 3 {
				t.Errorf("%d list requests, want at most 3: the bad answer must end the read", n)
			}
		})
	}
}

// ModelArts trims the description and adds the trailing slash of train_url:
// the state keeps the configured values (it is the same job), the apply
// reports no inconsistent result, and the next plan is empty.
func TestVisualizationJobResource_normalisedValuesKeepConfiguration(t *testing.T) {
	t.Parallel()
	env := newHostileEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultNormalize})
	cfg := env.providerBlock("aksk") + jobResourceConfig(`job_name = "tb-norm"`, `train_url = "/bkt/norm"`,
		`job_desc = "  padded  "`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             env.checkOnlySeedsLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					resAttr("job_desc", knownvalue.StringExact("  padded  ")),
					resAttr("train_url", knownvalue.StringExact("/bkt/norm")),
				},
				Check: func(*terraform.State) error {
					for _, j := range env.emu.Jobs() {
						if j.JobName == "tb-norm" && (j.JobDesc != "padded" || j.TrainURL != "/bkt/norm/") {
							return fmt.Errorf("the emulator did not normalise the job: %+v", j)
						}
					}
					return nil
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}
