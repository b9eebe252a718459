package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// TestMain gives the Terraform CLI its own empty CLI configuration (no
// registry, no checkpoint calls) and clears every provider environment
// variable so a developer's real credentials never leak into a test.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "modelarts-provider-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cliConfig := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cliConfig, []byte("# CLI configuration of the provider tests\n"), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	_ = os.Setenv("TF_CLI_CONFIG_FILE", cliConfig)
	_ = os.Setenv("CHECKPOINT_DISABLE", "1")
	for _, e := range AllEnvVars {
		_ = os.Unsetenv(e)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// protoV6Factories runs the provider in the test process, so the emulator,
// the provider and the assertions share memory.
var protoV6Factories = map[string]func() (tfprotov6.ProviderServer, error){
	"modelarts": providerserver.NewProtocol6WithError(New("test")()),
}

// testEnv is one in-process emulator behind an httptest server.
type testEnv struct {
	emu *emulator.Emulator
	url string
	// now is the emulator's frozen clock: durations do not grow, so every
	// attribute can be checked exactly.
	now time.Time
}

// Seeded jobs of every test. 8992 is the mission's example; 197 carries the
// values of the API reference's sample answer.
var (
	seedRunning = emulator.Job{
		JobID: 8992, JobName: "resnet50-tb", JobDesc: "TensorBoard for the ResNet-50 run", Status: 8,
		CreateTime: 1732780800000, Duration: 3600000, TrainURL: "/ml-bucket/resnet50/train/",
	}
	seedDocs = emulator.Job{
		JobID: 197, JobName: "apiTest-11", JobDesc: "", Status: 13,
		CreateTime: 1565149736000, Duration: 33000, TrainURL: "/wph-test/zl-test/Flowers-Set/ApiTest/",
		ResourceID: "e17dd874-b5e0-4e9b-aaf0-22b045ad8571",
	}
)

func newTestEnv(t *testing.T, cfg emulator.Config) *testEnv {
	t.Helper()
	env, _ := startTestEnv(t, cfg, []emulator.Job{seedRunning, seedDocs}, false)
	return env
}

// startTestEnv is every test environment: an emulator seeded with jobs,
// behind an httptest server (HTTPS with httptest's certificate when useTLS),
// with a frozen clock unless cfg.Now is set.
func startTestEnv(t *testing.T, cfg emulator.Config, jobs []emulator.Job, useTLS bool) (*testEnv, *httptest.Server) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	emu := emulator.New(cfg)
	if err := emu.Seed(jobs...); err != nil {
		t.Fatalf("seeding the emulator: %v", err)
	}
	srv := httptest.NewUnstartedServer(emu)
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	// Cleanups run last-in first-out: the emulator releases requests held
	// by hang and drip faults before the server waits for its handlers.
	t.Cleanup(emu.Close)
	return &testEnv{emu: emu, url: srv.URL, now: now}, srv
}

// authMethods are the provider blocks of every authentication method, for
// the emulator's default identity.
var authMethods = map[string]string{
	"aksk": fmt.Sprintf(`
  access_key = %q
  secret_key = %q`, emulator.DefaultAccessKey, emulator.DefaultSecretKey),
	"temporary_aksk": fmt.Sprintf(`
  access_key     = %q
  secret_key     = %q
  security_token = %q`, emulator.DefaultTempAccessKey, emulator.DefaultTempSecretKey, emulator.DefaultSecurityToken),
	"password": fmt.Sprintf(`
  user_name   = %q
  password    = %q
  domain_name = %q`, emulator.DefaultUser, emulator.DefaultPassword, emulator.DefaultDomain),
	"token": fmt.Sprintf(`
  token = %q`, emulator.DefaultToken),
}

// providerBlock returns a provider block for the emulator with the given
// authentication method and extra arguments.
func (e *testEnv) providerBlock(method string, extra ...string) string {
	creds, ok := authMethods[method]
	if !ok {
		panic("unknown auth method " + method)
	}
	return fmt.Sprintf(`
provider "modelarts" {
  region     = %q
  project_id = %q
  auth_url   = "%s/v3"
  endpoints = {
    modelarts = %q
  }%s
%s
}
`, emulator.DefaultProjectName, emulator.DefaultProjectID, e.url, e.url, creds, strings.Join(extra, "\n"))
}

// errRe compiles a pattern for Terraform's error output, which wraps long
// lines: each space in the pattern matches any run of white space.
func errRe(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}
