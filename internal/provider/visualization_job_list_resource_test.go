package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

func init() {
	exampleTests["list-resources/modelarts_visualization_job/list-resource.tfquery.hcl"] = exampleTest{run: testListResourceExample}
}

const (
	queryJobs    = 2500
	queryFirstID = 20001
)

// queryJobsSeed is 2,500 jobs: q-0000 to q-2499, every fifth CANCELED and
// the others RUNNING, every seventh a MindInsight.
func queryJobsSeed() []emulator.Job {
	jobs := make([]emulator.Job, queryJobs)
	for i := range jobs {
		j := emulator.Job{
			JobID: int64(queryFirstID + i), JobName: fmt.Sprintf("q-%04d", i), JobDesc: fmt.Sprintf("query job %d", i),
			Status: emulator.StatusRunning, CreateTime: 1732780800000 + int64(i)*1000, Duration: 60000,
			TrainURL: fmt.Sprintf("/bucket/query/%d/", i),
		}
		if i%5 == 0 {
			j.Status = emulator.StatusCanceled
		}
		if i%7 == 0 {
			j.JobType = "mindinsight"
		}
		jobs[i] = j
	}
	return jobs
}

// queryBaseConfig is the configuration of the step before a query step: the
// query step needs a working directory that knows the provider.
const queryBaseConfig = `
terraform {
  required_providers {
    modelarts = {
      source = "hashicorp/modelarts"
    }
  }
}
`

// TestVisualizationJobListResource_query runs `terraform query` over 2,500
// jobs (three pages of the API) with every filter, Terraform's default
// limit and include_resource, then the errors: a failed page, an invalid
// filter.
func TestVisualizationJobListResource_query(t *testing.T) {
	useTerraform114(t, "list resources (terraform query)")
	env, _ := startTestEnv(t, emulator.Config{}, queryJobsSeed(), false)
	provider := env.providerBlock("aksk")
	identity := func(id int) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{
			"project_id": knownvalue.StringExact(emulator.DefaultProjectID),
			"job_id":     knownvalue.StringExact(fmt.Sprint(id)),
		}
	}
	byID := func(id int) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(identity(id))
	}
	attr := func(name string, v knownvalue.Check) querycheck.KnownValueCheck {
		return querycheck.KnownValueCheck{Path: tfjsonpath.New(name), KnownValue: v}
	}
	// q-1200 .. q-1299 contain "q-12"; of those, 20 are CANCELED.
	const searchID = queryFirstID + 1201      // q-1201: RUNNING, TensorBoard
	const mindInsightID = queryFirstID + 1211 // q-1211: 1211 = 7 * 173

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: queryBaseConfig},
			{
				Query: true,
				Config: provider + `
list "modelarts_visualization_job" "all" {
  provider = modelarts
  limit    = 3000
}

list "modelarts_visualization_job" "default_limit" {
  provider = modelarts
}

list "modelarts_visualization_job" "canceled" {
  provider = modelarts
  limit    = 1000
  config {
    status = 13
  }
}

list "modelarts_visualization_job" "search" {
  provider         = modelarts
  include_resource = true
  config {
    status         = 8
    search_content = "q-12"
  }
}

list "modelarts_visualization_job" "newest" {
  provider = modelarts
  limit    = 1
  config {
    sort_by = "create_time"
    order   = "desc"
  }
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("modelarts_visualization_job.all", queryJobs),
					querycheck.ExpectLength("modelarts_visualization_job.default_limit", 100),
					querycheck.ExpectLength("modelarts_visualization_job.canceled", queryJobs/5),
					querycheck.ExpectIdentity("modelarts_visualization_job.canceled", identity(queryFirstID+1200)),
					querycheck.ExpectNoIdentity("modelarts_visualization_job.canceled", identity(searchID)),
					querycheck.ExpectLength("modelarts_visualization_job.search", 80),
					querycheck.ExpectResourceDisplayName("modelarts_visualization_job.search", byID(searchID),
						knownvalue.StringExact("q-1201")),
					querycheck.ExpectResourceKnownValues("modelarts_visualization_job.search", byID(searchID),
						[]querycheck.KnownValueCheck{
							attr("id", knownvalue.StringExact(fmt.Sprint(searchID))),
							attr("job_id", knownvalue.Int64Exact(searchID)),
							attr("job_name", knownvalue.StringExact("q-1201")),
							attr("job_desc", knownvalue.StringExact("query job 1201")),
							attr("train_url", knownvalue.StringExact("/bucket/query/1201/")),
							attr("job_type", knownvalue.StringExact("tensorboard")),
							attr("status", knownvalue.Int64Exact(8)),
							attr("status_name", knownvalue.StringExact("JOBSTAT_RUNNING")),
							attr("running", knownvalue.Null()),
							attr("flavor_code", knownvalue.Null()),
							attr("auto_stop_hours", knownvalue.Null()),
						}),
					querycheck.ExpectResourceKnownValues("modelarts_visualization_job.search", byID(mindInsightID),
						[]querycheck.KnownValueCheck{attr("job_type", knownvalue.StringExact("mindinsight"))}),
					querycheck.ExpectLength("modelarts_visualization_job.newest", 1),
					querycheck.ExpectIdentity("modelarts_visualization_job.newest", identity(queryFirstID+queryJobs-1)),
				},
			},
			{
				// The third page (jobs 2,001 to 2,500) fails: the query fails with
				// ModelArts' answer rather than returning two thirds of the jobs.
				PreConfig: func() {
					env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "list", Status: 400,
						Code: "ModelArts.0101", Skip: 2, Times: 1})
				},
				Query: true,
				Config: provider + `
list "modelarts_visualization_job" "all" {
  provider = modelarts
  limit    = 3000
}
`,
				ExpectError: errRe(`Unable to List Visualization Jobs .*HTTP 400 with error code ModelArts.0101`),
			},
			{
				Query: true,
				Config: provider + `
list "modelarts_visualization_job" "bad" {
  provider = modelarts
  config {
    sort_by = "size"
  }
}
`,
				ExpectError: errRe(`value must be one of`),
			},
			{
				// The same status check as the list data source.
				Query: true,
				Config: provider + `
list "modelarts_visualization_job" "bad_status" {
  provider = modelarts
  config {
    status = 99
  }
}
`,
				ExpectError: errRe(`Unknown Job Status Code.*must be a ModelArts job status code, but it is 99`),
			},
		},
	})
}

// TestVisualizationJobListResource_generateConfig runs what a user runs to
// adopt jobs made outside Terraform: `terraform query
// -generate-config-out=generated.tf`, then plan and apply the import blocks
// and resources it wrote. Every job must be imported with no change, and a
// plan after the apply must be empty. terraform-plugin-testing has no step
// for -generate-config-out, so this drives the CLI itself, with the test
// binary as the provider plugin.
func TestVisualizationJobListResource_generateConfig(t *testing.T) {
	bin := useTerraform114(t, "list resources (terraform query)")
	env, _ := newExampleEnv(t, emulator.Config{}, false)
	cli := newCLIRunner(t, bin)
	cli.write("main.tf", env.providerBlock("aksk"))
	cli.write("find.tfquery.hcl", `
list "modelarts_visualization_job" "found" {
  provider         = modelarts
  include_resource = true
}
`)
	cli.run("query", "-generate-config-out=generated.tf")
	generated := cli.read("generated.tf")
	for _, want := range []string{
		`import \{`, `identity = \{`, `job_id\s+= "8990"`, `job_type\s+= "mindinsight"`,
		`resource "modelarts_visualization_job"`, `train_url\s+= "/ml-bucket/resnet50/train/"`,
	} {
		if !regexp.MustCompile(want).MatchString(generated) {
			t.Errorf("generated.tf lacks %s:\n%s", want, generated)
		}
	}
	// Terraform writes the arguments the import could not read as null; a
	// value there would be a guess, and running would manage the run state.
	for _, unread := range []string{"running", "flavor_code", "auto_stop_hours", "status_name", "service_url"} {
		if regexp.MustCompile(`(?m)^\s*` + unread + `\s*=\s*[^n\s]`).MatchString(generated) {
			t.Errorf("generated.tf sets %s, which the import could not read back:\n%s", unread, generated)
		}
	}

	cli.run("plan", "-out=imports.tfplan", "-input=false")
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(cli.run("show", "-json", "imports.tfplan")), &plan); err != nil {
		t.Fatal(err)
	}
	imported := 0
	for _, rc := range plan.ResourceChanges {
		if rc.Change.Importing == nil || !rc.Change.Actions.NoOp() {
			t.Errorf("%s: actions %v, importing %v: want a no-op import", rc.Address, rc.Change.Actions, rc.Change.Importing)
			continue
		}
		imported++
	}
	if want := len(env.emu.Jobs()); imported != want {
		t.Errorf("the plan imports %d jobs, want all %d", imported, want)
	}
	if t.Failed() {
		t.FailNow()
	}
	cli.run("apply", "-input=false", "imports.tfplan")
	if out, err := cli.tryRun("plan", "-detailed-exitcode", "-input=false"); err != nil {
		t.Errorf("the plan after importing the generated configuration is not empty (%v):\n%s", err, out)
	}
}

func testListResourceExample(t *testing.T, path string) {
	useTerraform114(t, "list resources (terraform query)")
	env, _ := newExampleEnv(t, emulator.Config{}, false)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: strings.ReplaceAll(queryBaseConfig, "hashicorp/modelarts", "tf-modelarts/modelarts")},
			{
				Query:  true,
				Config: env.providerBlock("aksk") + readExample(t, path),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("modelarts_visualization_job.running", 2),
					querycheck.ExpectResourceDisplayName("modelarts_visualization_job.running",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
							"project_id": knownvalue.StringExact(emulator.DefaultProjectID),
							"job_id":     knownvalue.StringExact("8990"),
						}), knownvalue.StringExact("bert-base-mi")),
					querycheck.ExpectLength("modelarts_visualization_job.resnet", 1),
				},
			},
		},
	})
}
