// Package installtest proves `make install` the way a user meets it: with
// the real Terraform CLI, a HOME of its own, no CLI configuration file and no
// network, the getting started guide's configuration (source
// "tf-modelarts/modelarts" with a version constraint) passes terraform init,
// lock file included, and its commands run against the emulator.
package installtest

import (
	"bufio"
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

const (
	repoRoot = "../.."
	guideDir = repoRoot + "/examples/guides/getting-started"
	// unreachable is where every proxy variable points: a CLI that tried
	// the network (a registry, checkpoint) fails at once.
	unreachable = "http://127.0.0.1:9"
)

// cli is one Terraform CLI the test drives.
type cli struct {
	name, path string
}

// clis are the CLI of scripts/tfenv.sh (TF_ACC_TERRAFORM_PATH) and, when
// set, Terraform 1.14 (TF_ACC_TERRAFORM_1_14_PATH).
func clis(t *testing.T) []cli {
	t.Helper()
	def := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if def == "" {
		for _, name := range []string{"terraform", "tofu"} {
			if p, err := exec.LookPath(name); err == nil {
				def = p
				break
			}
		}
	}
	if def == "" {
		t.Fatal("no Terraform CLI: run this through make test (scripts/tfenv.sh), or set TF_ACC_TERRAFORM_PATH")
	}
	all := []cli{{name: "default", path: def}}
	if p := os.Getenv("TF_ACC_TERRAFORM_1_14_PATH"); p != "" && p != def {
		all = append(all, cli{name: "terraform-1.14", path: p})
	}
	return all
}

// goEnv returns the Go settings a build under another HOME needs to keep
// using this machine's caches (a cold build takes minutes).
func goEnv(t *testing.T) []string {
	t.Helper()
	names := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOFLAGS", "GOPROXY", "GONOSUMDB", "GOPRIVATE", "GOTOOLCHAIN"}
	out, err := exec.Command("go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	values := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(values) != len(names) {
		t.Fatalf("go env printed %d lines for %d names", len(values), len(names))
	}
	env := []string{}
	for i, name := range names {
		env = append(env, name+"="+values[i])
	}
	return env
}

// userEnv is the environment of a user with nothing set up: a fresh HOME, no
// TF_CLI_CONFIG_FILE, no credentials but the ones given, proxies that go
// nowhere.
func userEnv(t *testing.T, home string, extra ...string) []string {
	t.Helper()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + t.TempDir(),
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"HTTPS_PROXY=" + unreachable, "HTTP_PROXY=" + unreachable,
		"https_proxy=" + unreachable, "http_proxy=" + unreachable,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
	}
	env = append(env, goEnv(t)...)
	return append(env, extra...)
}

// run runs a command and returns its standard output; a failure shows both
// outputs.
func run(t *testing.T, ctx context.Context, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s in %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), dir, err,
			stdout.String(), stderr.String())
	}
	t.Logf("%s %s: %s", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return stdout.String()
}

// guideScript reads run.sh of the getting started guide: its exports, and
// its commands in order. Anything else is an error, so the guide stays
// runnable as written.
func guideScript(t *testing.T) (exports map[string]string, commands [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(guideDir, "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exportLine := regexp.MustCompile(`^export ([A-Z_]+)="([^"$\\` + "`" + `]*)"$`)
	exports = map[string]string{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case exportLine.MatchString(line):
			m := exportLine.FindStringSubmatch(line)
			exports[m[1]] = m[2]
		case line == "make install" || strings.HasPrefix(line, "terraform "):
			commands = append(commands, strings.Fields(line))
		default:
			t.Fatalf("run.sh: not a comment, an export, make install or a terraform command: %q", line)
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if len(commands) == 0 || commands[0][0] != "make" {
		t.Fatalf("run.sh must start with make install, then the terraform commands: %q", commands)
	}
	return exports, commands
}

// TestMakeInstall_gettingStarted runs the getting started guide as a new user
// would: make install, then in the guide's directory every terraform command
// of run.sh, with each CLI, against an emulator that accepts the guide's
// identity.
func TestMakeInstall_gettingStarted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provider and runs the Terraform CLI; skipped with -short (make test-short)")
	}
	ctx := t.Context()
	exports, commands := guideScript(t)
	version := strings.TrimSpace(run(t, ctx, repoRoot, userEnv(t, t.TempDir()), "scripts/version.sh"))

	emu := emulator.New(emulator.Config{
		ProjectID: exports["HW_PROJECT_ID"], AccessKey: exports["HW_ACCESS_KEY"], SecretKey: exports["HW_SECRET_KEY"],
		Now: time.Now, StartDelay: 100 * time.Millisecond, StopDelay: 100 * time.Millisecond, HourScale: time.Hour,
	})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)

	home := t.TempDir()
	env := []string{"HW_MODELARTS_ENDPOINT=" + srv.URL, "HW_AUTH_URL=" + srv.URL + "/v3"}
	for name, value := range exports {
		env = append(env, name+"="+value)
	}
	env = userEnv(t, home, env...)
	run(t, ctx, repoRoot, env, "make", "--no-print-directory", "install")
	osArch := runtime.GOOS + "_" + runtime.GOARCH
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		exe := filepath.Join(home, ".terraform.d", "plugins", host, "tf-modelarts", "modelarts", version, osArch,
			"terraform-provider-modelarts_v"+version)
		if info, err := os.Stat(exe); err != nil || info.Mode()&0o111 == 0 {
			t.Fatalf("make install did not leave an executable %s: %v", exe, err)
		}
	}

	for _, c := range clis(t) {
		t.Run(c.name, func(t *testing.T) {
			host := "registry.terraform.io"
			if out := run(t, ctx, t.TempDir(), env, c.path, "version"); strings.HasPrefix(out, "OpenTofu") {
				host = "registry.opentofu.org"
			}
			dir := t.TempDir()
			config, err := os.ReadFile(filepath.Join(guideDir, "main.tf"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), config, 0o600); err != nil {
				t.Fatal(err)
			}
			var url string
			for _, cmd := range commands[1:] {
				out := run(t, ctx, dir, env, c.path, append(cmd[1:], "-no-color")...)
				switch strings.Join(cmd[1:], " ") {
				case "init":
					checkLockFile(t, filepath.Join(dir, ".terraform.lock.hcl"), host, version)
				case "output -raw tensorboard_url":
					url = out
				}
			}
			want := regexp.MustCompile(`^https://` + regexp.QuoteMeta(emulator.DefaultConsoleHost) +
				`/modelarts2/tensorboard/` + exports["HW_PROJECT_ID"] + `/[0-9]+/$`)
			if !want.MatchString(url) {
				t.Errorf("terraform output -raw tensorboard_url printed %q, want a URL matching %s", url, want)
			}
			if jobs := emu.Jobs(); len(jobs) != 0 {
				t.Errorf("%d jobs left after terraform destroy: %+v", len(jobs), jobs)
			}
		})
		t.Run(c.name+"/readme", func(t *testing.T) {
			testReadmeConfiguration(t, c.path, env, emu)
		})
	}
}

// readmeConfig returns the first hcl block of the README's "Use it in your
// configuration" section: what a reader copies into a file.
func readmeConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Use it in your configuration\n")
	if !ok {
		t.Fatal(`README.md has no "## Use it in your configuration" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```hcl\n")
	if !ok {
		t.Fatal("the README's \"Use it in your configuration\" section has no hcl block")
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// testReadmeConfiguration runs terraform init and plan on the README's
// configuration, which reads job 8992 of examples/emulator/jobs.json.
func testReadmeConfiguration(t *testing.T, tf string, env []string, emu *emulator.Emulator) {
	jobs, err := emulator.LoadSeedFile(filepath.Join(repoRoot, "examples", "emulator", "jobs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Seed(jobs...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, j := range jobs {
			emu.DeleteJob(j.JobID)
		}
	})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(readmeConfig(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	run(t, ctx, dir, env, tf, "init", "-input=false", "-no-color")
	out := run(t, ctx, dir, env, tf, "plan", "-input=false", "-no-color")
	if !strings.Contains(out, "/modelarts2/tensorboard/") || !strings.Contains(out, "tensorboard_url") {
		t.Errorf("the plan of the README's configuration does not show the TensorBoard URL of job 8992:\n%s", out)
	}
}

// checkLockFile checks that init recorded the installed provider: its
// address, its version and a checksum.
func checkLockFile(t *testing.T, path, host, version string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("terraform init wrote no lock file: %v", err)
	}
	lock := string(b)
	for _, want := range []string{
		`provider "` + host + `/tf-modelarts/modelarts"`,
		`version     = "` + version + `"`,
		`"h1:`,
	} {
		if !strings.Contains(lock, want) {
			t.Errorf("the lock file lacks %s:\n%s", want, lock)
		}
	}
}
