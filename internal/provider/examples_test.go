package provider

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The examples are the HCL that tfplugindocs puts on the documentation pages.
// Every file under examples/ is run here against the in-process emulator,
// seeded with examples/emulator/jobs.json like the emulator command of the
// documentation, so a page can never show a configuration that does not work.

const examplesDir = "../../examples"

// The identity written in the provider examples. Their emulator accepts it;
// the secrets come from TF_VAR_* variables, as they would in a pipeline.
const (
	exampleProjectID = "0123456789abcdef0123456789abcdef"
	exampleUser      = "ml-pipeline"
	exampleDomain    = "my-account"
	// exampleEmulatorURL is where the emulator example expects the emulator
	// command; the test substitutes its own emulator's URL.
	exampleEmulatorURL = "http://127.0.0.1:8449"
)

// exampleTest runs one example file, or names the example whose test covers it.
type exampleTest struct {
	run       func(t *testing.T, path string)
	coveredBy string
}

// exampleTests maps each file under examples/ (relative, slash-separated) to
// its test. TestExamples fails for a file that is missing here.
var exampleTests = map[string]exampleTest{
	"provider/provider.tf": {run: providerExample("aksk", map[string]string{
		"access_key": emulator.DefaultAccessKey, "secret_key": emulator.DefaultSecretKey,
	})},
	"provider/temporary-credentials.tf": {run: providerExample("temp-aksk", map[string]string{
		"access_key": emulator.DefaultTempAccessKey, "secret_key": emulator.DefaultTempSecretKey,
		"security_token": emulator.DefaultSecurityToken,
	})},
	"provider/password.tf": {run: providerExample("token", map[string]string{"password": emulator.DefaultPassword})},
	"provider/token.tf":    {run: providerExample("token", map[string]string{"token": emulator.DefaultToken})},
	"provider/huawei-cloud.tf": {run: providerExample("aksk", map[string]string{
		"access_key": emulator.DefaultAccessKey, "secret_key": emulator.DefaultSecretKey,
	})},
	"provider/retries-and-tls.tf":                                  {run: testRetriesAndTLSExample},
	"provider/emulator.tf":                                         {run: testEmulatorExample},
	"provider/environment.tf":                                      {run: testEnvironmentExample},
	"provider/environment.sh":                                      {coveredBy: "provider/environment.tf"},
	"data-sources/modelarts_visualization_job/data-source.tf":      {run: testJobDataSourceExample},
	"data-sources/modelarts_visualization_jobs/data-source.tf":     {run: testJobsDataSourceExample},
	"resources/modelarts_visualization_job/resource.tf":            {run: testJobResourceExample},
	"resources/modelarts_visualization_job/import.sh":              {coveredBy: "resources/modelarts_visualization_job/resource.tf"},
	"resources/modelarts_visualization_job/import-by-string-id.tf": {run: testImportByStringIDExample},
	"demo/main.tf":       {run: testDemoExample},
	"emulator/jobs.json": {coveredBy: "every example test, as the emulator's seed"},
}

// TestExamples runs every example and fails for any file under examples/
// that no test runs.
func TestExamples(t *testing.T) {
	// The examples use the provider's real source address; reattach the
	// in-process provider under it.
	t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "tf-modelarts")

	found := map[string]bool{}
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		// Terraform's working files (.terraform, lock files, state) are
		// left by people trying an example; they are not examples.
		if path != examplesDir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "terraform.tfstate")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || strings.HasSuffix(name, ".md") {
			return nil
		}
		rel, err := filepath.Rel(examplesDir, path)
		if err != nil {
			return err
		}
		found[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", examplesDir, err)
	}
	for rel := range found {
		if _, ok := exampleTests[rel]; !ok {
			t.Errorf("examples/%s is not run by any test: add it to exampleTests in examples_test.go", rel)
		}
	}
	names := make([]string, 0, len(exampleTests))
	for rel, et := range exampleTests {
		if !found[rel] {
			t.Errorf("exampleTests lists examples/%s, which does not exist", rel)
		}
		if et.run == nil {
			if et.coveredBy == "" {
				t.Errorf("examples/%s has neither a test nor a covering example", rel)
			}
			continue
		}
		names = append(names, rel)
	}
	slices.Sort(names)
	for _, rel := range names {
		t.Run(rel, func(t *testing.T) {
			exampleTests[rel].run(t, filepath.Join(examplesDir, filepath.FromSlash(rel)))
		})
	}
}

// newExampleEnv is an emulator seeded with examples/emulator/jobs.json. A nil
// cfg.Now freezes its clock, as newTestEnv does.
func newExampleEnv(t *testing.T, cfg emulator.Config, useTLS bool) (*testEnv, *httptest.Server) {
	t.Helper()
	jobs, err := emulator.LoadSeedFile(filepath.Join(examplesDir, "emulator", "jobs.json"))
	if err != nil {
		t.Fatal(err)
	}
	return startTestEnv(t, cfg, jobs, useTLS)
}

// seededJobsOnly fails when a job created by an example outlived its destroy.
func seededJobsOnly(env *testEnv) func(*terraform.State) error {
	seeded := map[int64]bool{}
	for _, j := range env.emu.Jobs() {
		seeded[j.JobID] = true
	}
	return func(*terraform.State) error {
		for _, j := range env.emu.Jobs() {
			if !seeded[j.JobID] {
				return fmt.Errorf("job %d (%s) still exists after destroy", j.JobID, j.JobName)
			}
		}
		return nil
	}
}

func readExample(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// endpointSetting matches the provider arguments that name a host.
var endpointSetting = regexp.MustCompile(`(?m)^\s*(auth_url|modelarts)\s*=\s*"([^"]*)"`)

// keepLocal fails the test when the configuration would send a request to a
// host other than the test's emulator: the provider examples name real
// clouds, and a test must never reach them.
func keepLocal(t *testing.T, env *testEnv, config string) {
	t.Helper()
	for _, m := range endpointSetting.FindAllStringSubmatch(config, -1) {
		if !strings.HasPrefix(m[2], env.url) {
			t.Fatalf("the example sets %s = %q: a provider example must leave the endpoints to the environment "+
				"(or point at %s, for the emulator) so its test stays on this machine", m[1], m[2], exampleEmulatorURL)
		}
	}
	// Without endpoints or auth_url in the configuration, these win over the
	// region's default endpoints.
	t.Setenv("HW_MODELARTS_ENDPOINT", env.url)
	t.Setenv("HW_AUTH_URL", env.url+"/v3")
}

// probe is appended to provider examples: it makes Terraform configure the
// provider and list the seeded jobs.
const probe = `
data "modelarts_visualization_jobs" "probe" {}
`

// probeChecks proves the probe listed every job of examples/emulator/jobs.json.
func probeChecks() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.modelarts_visualization_jobs.probe", tfjsonpath.New("job_total_count"),
			knownvalue.Int64Exact(5)),
	}
}

// expectAuth checks that the emulator saw requests of the operation, all
// authenticated with the given scheme (see emulator.RequestRecord.Auth).
func expectAuth(t *testing.T, env *testEnv, op, want string) {
	t.Helper()
	seen := 0
	for _, r := range env.emu.Requests() {
		if r.Op != op {
			continue
		}
		seen++
		if r.Auth != want {
			t.Errorf("%s request authenticated as %q, want %q", op, r.Auth, want)
		}
	}
	if seen == 0 {
		t.Errorf("the emulator saw no %s request: the example did not reach it", op)
	}
}

// providerExample tests a provider block for a real cloud: its endpoints
// come from the environment, its secrets from TF_VAR_* variables.
func providerExample(wantAuth string, vars map[string]string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		env, _ := newExampleEnv(t, emulator.Config{
			ProjectID: exampleProjectID, User: exampleUser, Domain: exampleDomain,
		}, false)
		config := readExample(t, path)
		keepLocal(t, env, config)
		for name, value := range vars {
			t.Setenv("TF_VAR_"+name, value)
		}
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories,
			Steps: []resource.TestStep{{
				Config:            config + probe,
				ConfigStateChecks: probeChecks(),
			}},
		})
		expectAuth(t, env, "list", wantAuth)
		if iam := env.emu.RequestCount("iam"); (vars["password"] != "") != (iam > 0) {
			t.Errorf("%d IAM token requests: want some exactly for password authentication", iam)
		}
	}
}

// testRetriesAndTLSExample serves the emulator over TLS with a certificate
// only ca_file makes trusted.
func testRetriesAndTLSExample(t *testing.T, path string) {
	env, srv := newExampleEnv(t, emulator.Config{ProjectID: exampleProjectID}, true)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	writeCertificate(t, caFile, srv.Certificate())
	config := readExample(t, path)
	keepLocal(t, env, config)
	t.Setenv("TF_VAR_access_key", emulator.DefaultAccessKey)
	t.Setenv("TF_VAR_secret_key", emulator.DefaultSecretKey)
	t.Setenv("TF_VAR_ca_file", caFile)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:            config + probe,
			ConfigStateChecks: probeChecks(),
		}},
	})
	expectAuth(t, env, "list", "aksk")
}

func writeCertificate(t *testing.T, path string, cert *x509.Certificate) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// testEmulatorExample runs the emulator example with the URL of the test's
// emulator in place of the command's default address.
func testEmulatorExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{}, false)
	config := readExample(t, path)
	if !strings.Contains(config, exampleEmulatorURL) {
		t.Fatalf("the emulator example does not point at %s", exampleEmulatorURL)
	}
	config = strings.ReplaceAll(config, exampleEmulatorURL, env.url)
	keepLocal(t, env, config)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:            config + probe,
			ConfigStateChecks: probeChecks(),
		}},
	})
	expectAuth(t, env, "list", "aksk")
}

// testEnvironmentExample exports the variables of environment.sh and runs
// environment.tf, whose provider block is empty. Every exported name must be
// one the provider reads.
func testEnvironmentExample(t *testing.T, path string) {
	exports := parseExports(t, filepath.Join(filepath.Dir(path), "environment.sh"))
	for _, name := range []string{"HW_PROJECT_ID", "HW_ACCESS_KEY", "HW_SECRET_KEY"} {
		if exports[name] == "" {
			t.Fatalf("environment.sh does not export %s", name)
		}
	}
	env, _ := newExampleEnv(t, emulator.Config{
		ProjectID: exports["HW_PROJECT_ID"], AccessKey: exports["HW_ACCESS_KEY"], SecretKey: exports["HW_SECRET_KEY"],
	}, false)
	config := readExample(t, path)
	keepLocal(t, env, config)
	for name, value := range exports {
		t.Setenv(name, value)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:            config + probe,
			ConfigStateChecks: probeChecks(),
		}},
	})
	expectAuth(t, env, "list", "aksk")
}

var exportLine = regexp.MustCompile(`^export ([A-Z_]+)="([^"$` + "`" + `\\]*)"$`)

// parseExports reads the export lines of a shell example. Anything but
// comments, exports and terraform commands is an error, so the example stays
// plain enough to parse.
func parseExports(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exports := map[string]string{}
	scanner := bufio.NewScanner(f)
	for n := 1; scanner.Scan(); n++ {
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "terraform "):
		case exportLine.MatchString(line):
			m := exportLine.FindStringSubmatch(line)
			if !slices.Contains(AllEnvVars, m[1]) {
				t.Errorf("%s:%d: the provider does not read %s", path, n, m[1])
			}
			exports[m[1]] = m[2]
		default:
			t.Errorf("%s:%d: not a comment, an export NAME=\"value\" or a terraform command: %q", path, n, line)
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return exports
}

// expectCheckBlock is a plan check on the result of a check block.
type expectCheckBlock struct {
	name   string
	status tfjson.CheckStatus
}

func (e expectCheckBlock) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, c := range req.Plan.Checks {
		if c.Address.Kind == tfjson.CheckKindCheckBlock && c.Address.Name == e.name {
			if c.Status != e.status {
				resp.Error = fmt.Errorf("check block %q is %q, want %q", e.name, c.Status, e.status)
			}
			return
		}
	}
	resp.Error = fmt.Errorf("the plan has no result for check block %q", e.name)
}

func testJobDataSourceExample(t *testing.T, path string) {
	config := readExample(t, path)
	output := func(name string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownOutputValue(name, v)
	}
	t.Run("running", func(t *testing.T) {
		env, _ := newExampleEnv(t, emulator.Config{}, false)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories,
			Steps: []resource.TestStep{{
				Config: env.providerBlock("aksk") + config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectCheckBlock{name: "tensorboard_running", status: tfjson.CheckStatusPass},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					output("tensorboard_url", knownvalue.StringExact(fmt.Sprintf(
						"https://%s/modelarts2/tensorboard/%s/8992/", emulator.DefaultConsoleHost, emulator.DefaultProjectID))),
					output("job_4040_exists", knownvalue.Bool(false)),
					output("job_4040_error", knownvalue.StringExact("ModelArts.0015")),
				},
			}},
		})
	})
	// The check block must be able to fail: with job 8992 stopped, it does.
	t.Run("stopped", func(t *testing.T) {
		env, _ := newExampleEnv(t, emulator.Config{}, false)
		stopSeededJob(t, env, 8992)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories,
			Steps: []resource.TestStep{{
				Config: env.providerBlock("aksk") + config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectCheckBlock{name: "tensorboard_running", status: tfjson.CheckStatusFail},
				}},
			}},
		})
	})
}

// stopSeededJob replaces a seeded job by a copy in status CANCELED.
func stopSeededJob(t *testing.T, env *testEnv, id int64) {
	t.Helper()
	job, ok := env.emu.Job(id)
	if !ok {
		t.Fatalf("job %d is not in examples/emulator/jobs.json", id)
	}
	if !env.emu.DeleteJob(id) {
		t.Fatalf("could not delete job %d", id)
	}
	job.Status = emulator.StatusCanceled
	if err := env.emu.Seed(job); err != nil {
		t.Fatal(err)
	}
}

func testJobsDataSourceExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{}, false)
	serviceURL := func(kind string, id int64) knownvalue.Check {
		return knownvalue.StringExact(fmt.Sprintf("https://%s/modelarts2/%s/%s/%d/",
			emulator.DefaultConsoleHost, kind, emulator.DefaultProjectID, id))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("token") + readExample(t, path),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("running_jobs", knownvalue.MapExact(map[string]knownvalue.Check{
					"resnet50-tb":  serviceURL("tensorboard", 8992),
					"bert-base-mi": serviceURL("mindinsight", 8990),
				})),
				// Newest first.
				statecheck.ExpectKnownValue("data.modelarts_visualization_jobs.running",
					tfjsonpath.New("jobs").AtSliceIndex(0).AtMapKey("job_id"), knownvalue.Int64Exact(8992)),
				statecheck.ExpectKnownOutputValue("resnet_job_ids", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.Int64Exact(8992),
				})),
				statecheck.ExpectKnownOutputValue("jobs_left_to_create",
					knownvalue.Int64Exact(emulator.DefaultMaxJobs-5)),
			},
		}},
	})
}

var importCommand = regexp.MustCompile(`^terraform import (modelarts_visualization_job\.[a-z0-9_]+) ([0-9]+)$`)

// parseImportCommand returns the address and ID of the one terraform import
// command of import.sh.
func parseImportCommand(t *testing.T, path string) (addr, id string) {
	t.Helper()
	for line := range strings.SplitSeq(readExample(t, path), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := importCommand.FindStringSubmatch(line)
		if m == nil || addr != "" {
			t.Fatalf("%s: want exactly one `terraform import modelarts_visualization_job.NAME ID`, got %q", path, line)
		}
		addr, id = m[1], m[2]
	}
	if addr == "" {
		t.Fatalf("%s has no terraform import command", path)
	}
	return addr, id
}

// testJobResourceExample applies resource.tf and destroys it, then runs the
// command of import.sh with resource.tf as the configuration.
func testJobResourceExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{
		Now: time.Now, StartDelay: 100 * time.Millisecond, StopDelay: 100 * time.Millisecond,
		// auto_stop_hours must not stop the job during the test.
		HourScale: time.Hour,
	}, false)
	importAddr, importID := parseImportCommand(t, filepath.Join(filepath.Dir(path), "import.sh"))
	attr := func(addr, name string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(name), v)
	}
	const tb, mi = "modelarts_visualization_job.tb", "modelarts_visualization_job.mi"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		CheckDestroy:             seededJobsOnly(env),
		Steps: []resource.TestStep{
			{
				Config: env.providerBlock("aksk") + readExample(t, path),
				ConfigStateChecks: []statecheck.StateCheck{
					attr(tb, "status_name", knownvalue.StringExact("JOBSTAT_RUNNING")),
					attr(tb, "running", knownvalue.Null()),
					attr(tb, "auto_stop_hours", knownvalue.Int64Exact(4)),
					attr(mi, "status_name", knownvalue.StringExact("JOBSTAT_CANCELED")),
					attr(mi, "running", knownvalue.Bool(false)),
					attr(mi, "job_type", knownvalue.StringExact("mindinsight")),
					statecheck.ExpectKnownOutputValue("tensorboard_url", knownvalue.StringRegexp(regexp.MustCompile(
						`^https://`+regexp.QuoteMeta(emulator.DefaultConsoleHost)+`/modelarts2/tensorboard/`))),
				},
			},
			{
				ResourceName:  importAddr,
				ImportState:   true,
				ImportStateId: importID,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d imported instances, want 1", len(states))
					}
					s := states[0]
					if s.ID != importID || s.Attributes["job_name"] != "resnet50-tb" {
						return fmt.Errorf("imported %q named %q, want job %s resnet50-tb", s.ID, s.Attributes["job_name"], importID)
					}
					return nil
				},
			},
		},
	})
}

// testImportByStringIDExample applies the import block: it must adopt job
// 8992 without changing it.
func testImportByStringIDExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{
		Now: time.Now, StartDelay: 100 * time.Millisecond, StopDelay: 100 * time.Millisecond,
	}, false)
	const addr = "modelarts_visualization_job.tb"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + readExample(t, path),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("8992")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("status_name"), knownvalue.StringExact("JOBSTAT_RUNNING")),
			},
		}},
	})
}

// testDemoExample plans what `make demo` plans, with the variables the demo
// script sets.
func testDemoExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{}, false)
	t.Setenv("HW_PROJECT_ID", emulator.DefaultProjectID)
	t.Setenv("HW_ACCESS_KEY", emulator.DefaultAccessKey)
	t.Setenv("HW_SECRET_KEY", emulator.DefaultSecretKey)
	t.Setenv("TF_VAR_modelarts_endpoint", env.url)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: readExample(t, path),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.modelarts_visualization_job.tb", tfjsonpath.New("job_name"),
					knownvalue.StringExact("resnet50-tb")),
			},
		}},
	})
	expectAuth(t, env, "get", "aksk")
}
