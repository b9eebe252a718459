package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

const dataSourceAddr = "data.modelarts_visualization_job.tb"

func jobDataSourceConfig(id string, extra ...string) string {
	body := fmt.Sprintf("  visualization_id = %q\n", id)
	for _, e := range extra {
		body += "  " + e + "\n"
	}
	return fmt.Sprintf("data \"modelarts_visualization_job\" \"tb\" {\n%s}\n", body)
}

// expectJob checks every attribute of the data source against a seeded job.
func (e *testEnv) expectJob(t *testing.T, job emulator.Job) []statecheck.StateCheck {
	t.Helper()
	live, ok := e.emu.Job(job.JobID)
	if !ok {
		t.Fatalf("job %d is not in the emulator", job.JobID)
	}
	id := fmt.Sprint(job.JobID)
	attr := func(name string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(dataSourceAddr, tfjsonpath.New(name), v)
	}
	return []statecheck.StateCheck{
		attr("id", knownvalue.StringExact(id)),
		attr("visualization_id", knownvalue.StringExact(id)),
		attr("fail_on_error", knownvalue.Bool(true)),
		attr("is_success", knownvalue.Bool(true)),
		attr("error_code", knownvalue.Null()),
		attr("error_msg", knownvalue.Null()),
		attr("job_id", knownvalue.Int64Exact(job.JobID)),
		attr("job_name", knownvalue.StringExact(job.JobName)),
		attr("job_desc", knownvalue.StringExact(job.JobDesc)),
		attr("status", knownvalue.Int64Exact(job.Status)),
		attr("status_name", knownvalue.StringExact(statusNames[job.Status])),
		attr("create_time", knownvalue.Int64Exact(job.CreateTime)),
		attr("created_at", knownvalue.StringExact(formatEpochMillis(job.CreateTime))),
		attr("duration", knownvalue.Int64Exact(live.Duration)),
		attr("train_url", knownvalue.StringExact(job.TrainURL)),
		attr("service_url", knownvalue.StringExact(fmt.Sprintf(
			"https://console.emulator.local/modelarts2/tensorboard/%s/%d/", emulator.DefaultProjectID, job.JobID))),
		attr("resource_id", knownvalue.StringExact(live.ResourceID)),
		attr("remaining_duration", knownvalue.Null()),
	}
}

func TestVisualizationJobDataSource_authMethods(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	for _, method := range []string{"aksk", "temporary_aksk", "password", "token"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, emulator.Config{})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config:            env.providerBlock(method) + jobDataSourceConfig("8992"),
					ConfigStateChecks: env.expectJob(t, seedRunning),
				}},
			})
			if n := env.emu.RequestCount("get"); n == 0 {
				t.Errorf("the emulator saw no GET of the job")
			}
			// Password authentication gets one IAM token, then sends it like a ready token.
			wantAuth := map[string]string{"aksk": "aksk", "temporary_aksk": "temp-aksk", "password": "token", "token": "token"}[method]
			// Each Terraform command configures the provider afresh, so at most
			// one token per configured client, never one per request.
			iam, gets := env.emu.RequestCount("iam"), env.emu.RequestCount("get")
			if method == "password" && (iam == 0 || iam > gets) {
				t.Errorf("%d IAM token requests for %d GETs: want one per provider configuration", iam, gets)
			}
			if method != "password" && iam != 0 {
				t.Errorf("%d IAM token requests, want none for %s", iam, method)
			}
			for _, r := range env.emu.Requests() {
				if r.Op == "get" && r.Auth != wantAuth {
					t.Errorf("GET authenticated as %q, want %q", r.Auth, wantAuth)
				}
			}
		})
	}
}

func TestVisualizationJobDataSource_docsSample(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:            env.providerBlock("aksk") + jobDataSourceConfig("197"),
			ConfigStateChecks: env.expectJob(t, seedDocs),
		}},
	})
}

func TestVisualizationJobDataSource_numbersAsStrings(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{NumbersAsStrings: true})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:            env.providerBlock("aksk") + jobDataSourceConfig("8992"),
			ConfigStateChecks: env.expectJob(t, seedRunning),
		}},
	})
}

func TestVisualizationJobDataSource_notFound(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobDataSourceConfig("12345"),
			ExpectError: errRe(`Unable to Read Visualization Job.*` +
				`visualization job "12345".*HTTP 404 with error code ModelArts\.0015.*fail_on_error = false`),
		}},
	})
}

func TestVisualizationJobDataSource_notFoundAsData(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	attr := func(name string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(dataSourceAddr, tfjsonpath.New(name), v)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobDataSourceConfig("12345", "fail_on_error = false"),
			ConfigStateChecks: []statecheck.StateCheck{
				attr("id", knownvalue.StringExact("12345")),
				attr("fail_on_error", knownvalue.Bool(false)),
				attr("is_success", knownvalue.Bool(false)),
				attr("error_code", knownvalue.StringExact("ModelArts.0015")),
				attr("error_msg", knownvalue.StringRegexp(regexp.MustCompile(`12345`))),
				attr("job_id", knownvalue.Null()),
				attr("job_name", knownvalue.Null()),
				attr("status", knownvalue.Null()),
				attr("status_name", knownvalue.Null()),
				attr("service_url", knownvalue.Null()),
			},
		}},
	})
}

func TestVisualizationJobDataSource_successFalseOn200(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultNotSuccess, Op: "get", Status: 200})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobDataSourceConfig("8992"),
			ExpectError: errRe(`Unable to Read Visualization Job.*visualization job "8992".*` +
				`HTTP 200 with error code ModelArts\.0010`),
		}},
	})
}

func TestVisualizationJobDataSource_successFalseAsData(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultNotSuccess, Op: "get", Status: 200})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobDataSourceConfig("8992", "fail_on_error = false"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSourceAddr, tfjsonpath.New("is_success"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(dataSourceAddr, tfjsonpath.New("error_code"), knownvalue.StringExact("ModelArts.0010")),
				statecheck.ExpectKnownValue(dataSourceAddr, tfjsonpath.New("job_name"), knownvalue.Null()),
			},
		}},
	})
}

// Throttling and unavailability are retried and the read succeeds; the
// emulator's request log proves the retries happened.
func TestVisualizationJobDataSource_retriesTransientErrors(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	for name, fault := range map[string]emulator.Fault{
		"429_retry_after": {Kind: emulator.FaultStatus, Op: "get", Status: 429, RetryAfter: "1", Times: 1},
		"429_no_header":   {Kind: emulator.FaultStatus, Op: "get", Status: 429, Times: 2},
		"503":             {Kind: emulator.FaultStatus, Op: "get", Status: 503, Times: 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, emulator.Config{})
			env.emu.AddFault(fault)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config:            env.providerBlock("aksk") + jobDataSourceConfig("8992"),
					ConfigStateChecks: env.expectJob(t, seedRunning),
				}},
			})
			faulted := 0
			for _, r := range env.emu.Requests() {
				if r.Op == "get" && r.Status == fault.Status {
					faulted++
				}
			}
			if faulted != fault.Times {
				t.Errorf("emulator answered %d with %d GETs, want %d (then success)", fault.Status, faulted, fault.Times)
			}
		})
	}
}

func TestVisualizationJobDataSource_malformedBody(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultNonJSON, Op: "get", Status: 200})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:      env.providerBlock("aksk") + jobDataSourceConfig("8992"),
			ExpectError: errRe(`Unable to Read Visualization Job.*visualization job "8992".*(?i:malformed|not JSON|not valid JSON)`),
		}},
	})
}

// An invalid ID fails at plan with an error naming the attribute and value,
// and no request reaches ModelArts.
func TestVisualizationJobDataSource_invalidID(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	for _, id := range []string{"", "abc", "-1", "0", "007", "99999999999999999999"} {
		t.Run(fmt.Sprintf("%q", id), func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, emulator.Config{})
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6Factories,
				Steps: []resource.TestStep{{
					Config:   env.providerBlock("aksk") + jobDataSourceConfig(id),
					PlanOnly: true,
					ExpectError: errRe(`Invalid Visualization Job ID.*visualization_id must be the ` +
						`numeric ID of a visualization job.*` + regexp.QuoteMeta(fmt.Sprintf("%q", id))),
				}},
			})
			if n := env.emu.RequestCount(""); n != 0 {
				t.Errorf("the emulator received %d requests, want none: validation must happen before any request", n)
			}
		})
	}
}

// A configuration with an empty provider block works from the environment alone.
func TestVisualizationJobDataSource_environmentOnly(t *testing.T) {
	skipIfShort(t)
	env := newTestEnv(t, emulator.Config{})
	t.Setenv("HW_REGION_NAME", emulator.DefaultProjectName)
	t.Setenv("OS_PROJECT_ID", emulator.DefaultProjectID)
	t.Setenv("HW_ACCESS_KEY", emulator.DefaultAccessKey)
	t.Setenv("HW_SECRET_KEY", emulator.DefaultSecretKey)
	t.Setenv("HW_MODELARTS_ENDPOINT", env.url)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:            "provider \"modelarts\" {}\n" + jobDataSourceConfig("8992"),
			ConfigStateChecks: env.expectJob(t, seedRunning),
		}},
	})
}

// The read timeout bounds the retries: with ModelArts answering 503 forever,
// the read fails once the timeout has passed, saying so.
func TestVisualizationJobDataSource_readTimeout(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	env.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "get", Status: 503, RetryAfter: "1"})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk", "  max_retries = 50") + jobDataSourceConfig("8992", `timeouts { read = "2s" }`),
			ExpectError: errRe(`Unable to Read Visualization Job.*visualization job "8992".*` +
				`did not finish within its timeout of 2s.*HTTP 503`),
		}},
	})
}

func TestVisualizationJobDataSource_missingCredentials(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"modelarts\" {\n  region = \"eu-de\"\n  project_id = %q\n  endpoints = { modelarts = %q }\n}\n",
				emulator.DefaultProjectID, env.url) + jobDataSourceConfig("8992"),
			ExpectError: errRe(`Missing ModelArts Credentials.*HW_ACCESS_KEY or OS_ACCESS_KEY and ` +
				`HW_SECRET_KEY or OS_SECRET_KEY`),
		}},
	})
}

func TestVisualizationJobDataSource_wrongSecretKey(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env := newTestEnv(t, emulator.Config{})
	cfg := fmt.Sprintf(`
provider "modelarts" {
  region     = "eu-de"
  project_id = %q
  access_key = %q
  secret_key = "not-the-secret"
  endpoints  = { modelarts = %q }
}
`, emulator.DefaultProjectID, emulator.DefaultAccessKey, env.url)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: cfg + jobDataSourceConfig("8992", "fail_on_error = false"),
			ExpectError: errRe(`Unable to Read Visualization Job.*HTTP 401 with error code ` +
				`APIG\.0301.*credentials were rejected`),
		}},
	})
}
