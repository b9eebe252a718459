package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// The list resource, the actions and identity import need a newer Terraform
// than the rest of the suite: 1.14 for `terraform query` and actions (1.12
// for identities). The tests of those features run against the CLI in
// TF_ACC_TERRAFORM_1_14_PATH (the GNUmakefile exports it from
// scripts/terraform114.sh); when it is not set, the first such test runs
// scripts/terraform114.sh itself, which builds Terraform v1.14.9 from the Go
// module proxy into the cache once (about a minute) and reuses it after.
// Only when that build is impossible do they skip, saying what they need.

const (
	envTerraform114 = "TF_ACC_TERRAFORM_1_14_PATH"
	// needsTerraform114 is what a skipped test says it needs.
	needsTerraform114 = "Terraform >= 1.14 (v1.14.9, built by scripts/terraform114.sh or given in " + envTerraform114 + ")"
)

var terraform114 struct {
	once sync.Once
	path string
	err  error
}

// terraform114Path returns the Terraform 1.14 CLI, building it on first use,
// or skips the test when there is none and none can be built.
func terraform114Path(t *testing.T) string {
	t.Helper()
	terraform114.once.Do(func() {
		if p := os.Getenv(envTerraform114); p != "" {
			if _, err := exec.LookPath(p); err != nil {
				terraform114.err = fmt.Errorf("%s=%q is not an executable: %w", envTerraform114, p, err)
				return
			}
			terraform114.path = p
			return
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(filepath.Join("..", "..", "scripts", "terraform114.sh"))
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if userCacheDir != "" && userHome != "" {
			// TestMain points HOME at an empty directory; the build is
			// cached in the user's cache, and go downloads into the user's
			// module cache, both found before it did.
			cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+userCacheDir, "HOME="+userHome)
		}
		if err := cmd.Run(); err != nil {
			terraform114.err = fmt.Errorf("scripts/terraform114.sh: %w\n%s", err, lastLines(stderr.String(), 20))
			return
		}
		terraform114.path = strings.TrimSpace(stdout.String())
	})
	if terraform114.err != nil {
		t.Skipf("this test needs %s: %v", needsTerraform114, terraform114.err)
	}
	return terraform114.path
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// underOpenTofu reports whether the suite runs under OpenTofu (make test-tofu).
func underOpenTofu() bool {
	return os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org"
}

// useTerraform114 makes the rest of the test run Terraform 1.14, for a
// feature OpenTofu does not have (list resources and query, actions): under
// OpenTofu the test skips. The test must not be parallel (t.Setenv).
func useTerraform114(t *testing.T, feature string) string {
	t.Helper()
	skipIfShort(t)
	if underOpenTofu() {
		t.Skipf("OpenTofu has no %s; this test needs %s and runs in make test", feature, needsTerraform114)
	}
	p := terraform114Path(t)
	t.Setenv("TF_ACC_TERRAFORM_PATH", p)
	return p
}

// useIdentityTerraform makes the rest of the test run a CLI that knows
// resource identities: OpenTofu as it is (1.12 has identity import), else
// Terraform 1.14.
func useIdentityTerraform(t *testing.T) {
	t.Helper()
	skipIfShort(t)
	if underOpenTofu() {
		return
	}
	t.Setenv("TF_ACC_TERRAFORM_PATH", terraform114Path(t))
}

// The tests that drive the CLI outside terraform-plugin-testing (`terraform
// query -generate-config-out`, which the testing framework has no step for)
// need the provider as a plugin binary. The test binary is one: started with
// envServeProvider set, it serves the provider instead of running tests, and
// a dev_overrides CLI configuration points Terraform at it.
const envServeProvider = "MODELARTS_PROVIDER_TEST_SERVE"

// userCacheDir is the user's cache directory as it was before TestMain
// replaced HOME (package initialisation runs first).
var (
	userCacheDir, _ = os.UserCacheDir()
	userHome        = os.Getenv("HOME")
)

func init() {
	if os.Getenv(envServeProvider) != "1" {
		return
	}
	err := providerserver.Serve(context.Background(), New("test"), providerserver.ServeOpts{
		Address: "registry.terraform.io/hashicorp/modelarts",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// cliRunner runs a Terraform CLI in a directory with the test binary as the
// modelarts provider (dev_overrides: no init, no registry).
type cliRunner struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

func newCLIRunner(t *testing.T, bin string) *cliRunner {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	plugins := t.TempDir()
	if err := os.Symlink(self, filepath.Join(plugins, "terraform-provider-modelarts")); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(t.TempDir(), "dev.tfrc")
	cfg := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/hashicorp/modelarts" = %q
  }
  direct {}
}
`, plugins)
	if err := os.WriteFile(rc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", envServeProvider+"=1",
		"TF_IN_AUTOMATION=1")
	return &cliRunner{t: t, bin: bin, dir: t.TempDir(), env: env}
}

// write puts a file into the working directory.
func (c *cliRunner) write(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cliRunner) read(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// run runs the CLI and returns its output; a failure fails the test.
func (c *cliRunner) run(args ...string) string {
	c.t.Helper()
	out, err := c.tryRun(args...)
	if err != nil {
		c.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// cliTimeout bounds one CLI command: a hung plugin fails the test instead
// of holding it until go test's own timeout.
const cliTimeout = 3 * time.Minute

func (c *cliRunner) tryRun(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, append([]string{"-chdir=" + c.dir}, args...)...)
	cmd.Env = c.env
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("no answer within %s: %w", cliTimeout, err)
	}
	return string(out), err
}
