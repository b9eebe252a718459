package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

const listAddr = "data.modelarts_visualization_jobs.all"

func jobsDataSourceConfig(args ...string) string {
	return "data \"modelarts_visualization_jobs\" \"all\" {\n  " + strings.Join(args, "\n  ") + "\n}\n"
}

func listAttr(name string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(listAddr, tfjsonpath.New(name), v)
}

// jobIDs checks the job_id of each listed job, in order.
func jobIDs(ids ...int64) knownvalue.Check {
	elems := make([]knownvalue.Check, len(ids))
	for i, id := range ids {
		elems[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"job_id": knownvalue.Int64Exact(id)})
	}
	return knownvalue.ListExact(elems)
}

func TestVisualizationJobsDataSource_filters(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{Quota: 7, MaxJobs: 100})
	for name, tc := range map[string]struct {
		args []string
		ids  []int64
	}{
		"all":            {nil, []int64{197, 8992}},
		"status":         {[]string{"status = 8"}, []int64{8992}},
		"search":         {[]string{`search_content = "resnet"`}, []int64{8992}},
		"sort desc":      {[]string{`sort_by = "create_time"`, `order = "desc"`}, []int64{8992, 197}},
		"sort name":      {[]string{`sort_by = "job_name"`}, []int64{197, 8992}},
		"no match":       {[]string{`search_content = "no-such-job"`}, []int64{}},
		"status no jobs": {[]string{"status = 11"}, []int64{}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config: env.providerBlock("aksk") + jobsDataSourceConfig(tc.args...),
					ConfigStateChecks: []statecheck.StateCheck{
						listAttr("jobs", jobIDs(tc.ids...)),
						listAttr("job_total_count", knownvalue.Int64Exact(int64(len(tc.ids)))),
						listAttr("quotas", knownvalue.Int64Exact(7)),
						listAttr("job_count_limit", knownvalue.Int64Exact(98)),
					},
				}},
			})
		})
	}
}

// Every field of a listed job is mapped like the singular data source's.
func TestVisualizationJobsDataSource_fields(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	live, _ := env.emu.Job(seedRunning.JobID)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("token") + jobsDataSourceConfig("status = 8"),
			ConfigStateChecks: []statecheck.StateCheck{
				listAttr("jobs", knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
					"job_id":             knownvalue.Int64Exact(8992),
					"job_name":           knownvalue.StringExact(seedRunning.JobName),
					"job_desc":           knownvalue.StringExact(seedRunning.JobDesc),
					"status":             knownvalue.Int64Exact(8),
					"status_name":        knownvalue.StringExact("JOBSTAT_RUNNING"),
					"create_time":        knownvalue.Int64Exact(seedRunning.CreateTime),
					"created_at":         knownvalue.StringExact(formatEpochMillis(seedRunning.CreateTime)),
					"duration":           knownvalue.Int64Exact(live.Duration),
					"train_url":          knownvalue.StringExact(seedRunning.TrainURL),
					"service_url":        knownvalue.StringExact(live.ServiceURL),
					"resource_id":        knownvalue.StringExact(live.ResourceID),
					"remaining_duration": knownvalue.Null(),
				})})),
				listAttr("id", knownvalue.StringExact(`status=8,search="",sort_by=job_id,order=asc`)),
			},
		}},
	})
}

// 2,500 jobs come back complete, in pages of 1,000: three requests per read.
func TestVisualizationJobsDataSource_allPages(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{MaxJobs: 5000})
	jobs := make([]emulator.Job, 0, 2498)
	for i := range 2498 {
		jobs = append(jobs, emulator.Job{
			JobID: int64(10000 + i), JobName: fmt.Sprintf("bulk-%d", i), Status: 13,
			CreateTime: 1732780800000, TrainURL: "/bulk/",
		})
	}
	if err := env.emu.Seed(jobs...); err != nil {
		t.Fatal(err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobsDataSourceConfig(),
			ConfigStateChecks: []statecheck.StateCheck{
				listAttr("jobs", knownvalue.ListSizeExact(2500)),
				listAttr("job_total_count", knownvalue.Int64Exact(2500)),
			},
		}},
	})
	lists := env.emu.RequestCount("list")
	if lists == 0 || lists%3 != 0 {
		t.Errorf("%d list requests: want 3 per read of 2,500 jobs", lists)
	}
	for _, r := range env.emu.Requests() {
		if r.Op == "list" && r.Status != 200 {
			t.Errorf("list request answered %d", r.Status)
		}
	}
}

func TestVisualizationJobsDataSource_invalidFilters(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	t.Cleanup(func() {
		if n := env.emu.RequestCount(""); n != 0 {
			t.Errorf("the emulator received %d requests, want none", n)
		}
	})
	for name, tc := range map[string]struct {
		arg, want string
	}{
		"search too long": {`search_content = "` + strings.Repeat("a", 65) + `"`, `search_content.*length must be between 1 and 64`},
		"sort key":        {`sort_by = "duration"`, `sort_by.*value must be one of`},
		"order":           {`order = "up"`, `order.*value must be one of`},
		"status": {`status = 23`, `Unknown Job Status Code.*status must be a ModelArts job status code, but it is 23\. ` +
			`For example status = 8 lists the running jobs\. The codes: 0 JOBSTAT_UNKNOWN, 1 JOBSTAT_INIT,.* 8 ` +
			`JOBSTAT_RUNNING,.* 22 MOUNT_FAILED\.`},
		"negative status": {`status = -1`, `Unknown Job Status Code.*but it is -1\.`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config:      env.providerBlock("aksk") + jobsDataSourceConfig(tc.arg),
					PlanOnly:    true,
					ExpectError: errRe(tc.want),
				}},
			})
		})
	}
}

func TestVisualizationJobsDataSource_error(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "list", Status: 403, Code: "ModelArts.0112"})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobsDataSourceConfig(),
			ExpectError: errRe(`Unable to List Visualization Jobs.*Could not list the visualization jobs of the ` +
				`project.*HTTP 403 with error code ModelArts\.0112.*not allowed`),
		}},
	})
}

// The id names every filter and the sort actually applied: the API's
// defaults when none is configured.
func TestVisualizationJobsDataSource_listingID(t *testing.T) {
	for want, m := range map[string]visualizationJobsDataSourceModel{
		`status=any,search="",sort_by=job_id,order=asc`: {
			Status: types.Int64Null(), SearchContent: types.StringNull(), SortBy: types.StringNull(), Order: types.StringNull(),
		},
		`status=8,search="a,b",sort_by=create_time,order=desc`: {
			Status: types.Int64Value(8), SearchContent: types.StringValue("a,b"),
			SortBy: types.StringValue("create_time"), Order: types.StringValue("desc"),
		},
	} {
		if got := m.listingID(); got != want {
			t.Errorf("listingID() = %q, want %q", got, want)
		}
	}
}
