package provider

import (
	"encoding/json"
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
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The credential tests give each provider its own environment through the
// provider's getenv, not t.Setenv, so that they run in parallel.

// factoriesWithEnv runs the provider with env as its whole environment.
func factoriesWithEnv(env map[string]string) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"modelarts": providerserver.NewProtocol6WithError(&modelartsProvider{version: "test", getenv: envOf(env)}),
	}
}

// profileFile writes a Huawei Cloud CLI config file and returns its path.
func profileFile(t *testing.T, dir, current string, profiles ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"current": current, "profiles": profiles})
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "config.json")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func tempProfile(name string) map[string]any {
	return map[string]any{"name": name, "mode": "AKSK", "accessKeyId": emulator.DefaultTempAccessKey,
		"secretAccessKey": emulator.DefaultTempSecretKey, "securityToken": emulator.DefaultSecurityToken,
		"region": emulator.DefaultProjectName, "projectId": emulator.DefaultProjectID}
}

// credCase is one provider configuration and what the emulator must see.
type credCase struct {
	cfg emulator.Config
	// setup returns the provider block and the environment.
	setup    func(t *testing.T, e *testEnv, dir string) (string, map[string]string)
	wantAuth string // RequestRecord.Auth of the read
	// wantOps: op -> "0", "+" (at least one), or "N*op2": N times as many
	// as op2 (each Terraform command of a step configures the provider once).
	wantOps map[string]string
	err     *regexp.Regexp
}

// nothingElse is the environment of a cloud server running a pipeline: the
// endpoint of the emulator and an empty HOME (no shared config file).
func nothingElse(e *testEnv, dir string, kv ...string) map[string]string {
	env := map[string]string{"HW_MODELARTS_ENDPOINT": e.url, "HOME": dir}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func runCredCases(t *testing.T, cases map[string]credCase) {
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.Now = time.Now
			env, _ := startTestEnv(t, cfg, []emulator.Job{seedRunning}, false)
			block, vars := tc.setup(t, env, t.TempDir())
			step := resource.TestStep{Config: block + jobDataSourceConfig("8992")}
			if tc.err != nil {
				step.ExpectError = tc.err
			} else {
				step.ConfigStateChecks = []statecheck.StateCheck{statecheck.ExpectKnownValue("data.modelarts_visualization_job.tb",
					tfjsonpath.New("job_name"), knownvalue.StringExact(seedRunning.JobName))}
			}
			resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: factoriesWithEnv(vars), Steps: []resource.TestStep{step}})
			if tc.wantAuth != "" {
				expectAuth(t, env, "get", tc.wantAuth)
			}
			for op, want := range tc.wantOps {
				n := env.emu.RequestCount(op)
				ok := fmt.Sprint(n) == want
				switch factor, other, ratio := strings.Cut(want, "*"); {
				case want == "+":
					ok = n > 0
				case ratio:
					m := env.emu.RequestCount(other)
					ok = m > 0 && fmt.Sprint(n) == fmt.Sprint(m*int(factor[0]-'0'))
				}
				if !ok {
					t.Errorf("%d %s requests, want %s (%v)", n, op, want, env.emu.RequestCount(""))
				}
			}
		})
	}
}

// Each credential source alone, and the order between them: block beats
// environment beats shared config file beats instance metadata.
func TestCredentials_sources(t *testing.T) {
	runCredCases(t, map[string]credCase{
		// Session() in a notebook: an empty provider block on a cloud server.
		"metadata alone, empty block": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_METADATA_ENDPOINT", e.url)
			},
			wantAuth: "metadata-aksk",
			wantOps: map[string]string{"metadata-token": "+", "metadata-info": "+", "iam-projects": "0",
				"metadata-securitykey": "1*metadata-info"},
		},
		"metadata with a mandatory session token": {
			cfg: emulator.Config{Cloud: emulator.CloudConfig{MetadataRequireToken: true}},
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_METADATA_ENDPOINT", e.url)
			},
			wantAuth: "metadata-aksk",
		},
		"profile beats metadata": {
			setup: func(t *testing.T, e *testEnv, dir string) (string, map[string]string) {
				file := profileFile(t, dir, "ci", tempProfile("ci"))
				return `provider "modelarts" {}` + "\n",
					nothingElse(e, dir, "HW_METADATA_ENDPOINT", e.url, "HW_SHARED_CONFIG_FILE", file)
			},
			wantAuth: "temp-aksk",
			wantOps:  map[string]string{"metadata-info": "0", "metadata-securitykey": "0"},
		},
		"profile at the default path, chosen by HW_PROFILE": {
			setup: func(t *testing.T, e *testEnv, dir string) (string, map[string]string) {
				profileFile(t, filepath.Join(dir, ".hcloud"), "other",
					map[string]any{"name": "other", "mode": "token"},
					map[string]any{"name": "ci", "mode": "AKSK", "accessKeyId": emulator.DefaultAccessKey,
						"secretAccessKey": emulator.DefaultSecretKey, "region": "eu-de"})
				return fmt.Sprintf(`provider "modelarts" {
  project_id = %q
}
`, emulator.DefaultProjectID), nothingElse(e, dir, "HW_PROFILE", "ci")
			},
			wantAuth: "aksk",
		},
		"ecsAgency profile means the metadata": {
			setup: func(t *testing.T, e *testEnv, dir string) (string, map[string]string) {
				file := profileFile(t, dir, "server", map[string]any{"name": "server", "mode": "ecsAgency"})
				return `provider "modelarts" {
  shared_config_file = "` + file + `"
}
`, nothingElse(e, dir, "HW_METADATA_ENDPOINT", e.url)
			},
			wantAuth: "metadata-aksk",
		},
		"environment beats profile and metadata": {
			setup: func(t *testing.T, e *testEnv, dir string) (string, map[string]string) {
				file := profileFile(t, dir, "ci", tempProfile("ci"))
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_METADATA_ENDPOINT", e.url,
					"HW_SHARED_CONFIG_FILE", file, "HW_AUTH_TOKEN", emulator.DefaultToken,
					"HW_REGION_NAME", "eu-de", "HW_PROJECT_ID", emulator.DefaultProjectID)
			},
			wantAuth: "token",
			wantOps:  map[string]string{"metadata-info": "0"},
		},
		// An openrc left OS_USERNAME/OS_PASSWORD, and a stale token, in the
		// environment: the block's complete AK/SK wins, alone.
		"block beats environment": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return e.providerBlock("aksk"), nothingElse(e, dir, "OS_USERNAME", "openrc-user", "OS_PASSWORD", "x",
					"OS_USER_DOMAIN_NAME", "d", "HW_AUTH_TOKEN", "stale-token", "HW_METADATA_ENDPOINT", e.url)
			},
			wantAuth: "aksk",
			wantOps:  map[string]string{"iam": "0", "metadata-info": "0"},
		},
		"project from IAM by region": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return fmt.Sprintf(`provider "modelarts" {
  region     = "eu-de"
  access_key = %q
  secret_key = %q
}
`, emulator.DefaultAccessKey, emulator.DefaultSecretKey), nothingElse(e, dir, "HW_AUTH_URL", e.url+"/v3")
			},
			wantAuth: "aksk",
			wantOps:  map[string]string{"iam-projects": "+"},
		},
		"password, project from IAM by project_name, domain from OS_USER_DOMAIN_NAME": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {
  project_name = "eu-de"
}
`, nothingElse(e, dir, "HW_AUTH_URL", e.url+"/v3", "OS_USERNAME", emulator.DefaultUser,
						"OS_PASSWORD", emulator.DefaultPassword, "OS_USER_DOMAIN_NAME", emulator.DefaultDomain, "OS_REGION_NAME", "eu-de")
			},
			wantAuth: "token",
			wantOps:  map[string]string{"iam-projects": "+", "iam": "+"},
		},
		"assume_role on the metadata": {
			cfg: emulator.Config{Cloud: emulator.CloudConfig{AgencyName: "ml-agency", AgencyDomain: "acme"}},
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {
  assume_role {
    agency_name = "ml-agency"
    domain_name = "acme"
    duration    = 900
  }
}
`, nothingElse(e, dir, "HW_METADATA_ENDPOINT", e.url, "HW_AUTH_URL", e.url+"/v3")
			},
			wantAuth: "agency-aksk",
			wantOps:  map[string]string{"iam-assume-role": "1*metadata-info"},
		},
		"assume_role from the environment on a password": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return e.providerBlock("password"), nothingElse(e, dir,
					"HW_ASSUME_ROLE_AGENCY_NAME", emulator.DefaultAgencyName, "HW_ASSUME_ROLE_DOMAIN_NAME", emulator.DefaultDomain)
			},
			wantAuth: "agency-aksk",
			wantOps:  map[string]string{"iam-assume-role": "+", "iam": "1*iam-assume-role"},
		},
	})
}

// Every configuration error of the credential sources, as the user sees it.
func TestCredentials_errors(t *testing.T) {
	closed := httptest.NewServer(nil)
	closed.Close()
	runCredCases(t, map[string]credCase{
		"no source at all": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_METADATA_ENDPOINT", closed.URL)
			},
			err: errRe(`Missing ModelArts Credentials .* No credentials were found. The provider looked, in this ` +
				`order, at: .*HW_ACCESS_KEY or OS_ACCESS_KEY and HW_SECRET_KEY or OS_SECRET_KEY, plus HW_SECURITY_TOKEN ` +
				`or OS_SECURITY_TOKEN .*HW_DOMAIN_NAME or OS_DOMAIN_NAME or OS_USER_DOMAIN_NAME or ` +
				`OS_PROJECT_DOMAIN_NAME; or HW_AUTH_TOKEN or OS_AUTH_TOKEN;.*config.json does not exist;.*instance ` +
				`metadata service of a cloud server or notebook at ` + regexp.QuoteMeta(closed.URL)),
		},
		"metadata service without keys": {
			cfg: emulator.Config{Cloud: emulator.CloudConfig{DisableMetadata: true}},
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_METADATA_ENDPOINT", e.url)
			},
			err: errRe(`Missing ModelArts Credentials .*instance metadata service: GET /openstack/latest/meta_data.json answered HTTP 404`),
		},
		"unknown profile": {
			setup: func(t *testing.T, e *testEnv, dir string) (string, map[string]string) {
				file := profileFile(t, dir, "ci", tempProfile("ci"), tempProfile("prod"))
				return `provider "modelarts" {
  profile = "staging"
}
`, nothingElse(e, dir, "HW_SHARED_CONFIG_FILE", file)
			},
			err: errRe(`Unknown Profile .*has no profile "staging" \(profile from configuration\); it has "ci", "prod". Set profile \(or HW_PROFILE\)`),
		},
		"encrypted profile": {
			setup: func(t *testing.T, e *testEnv, dir string) (string, map[string]string) {
				p := tempProfile("ci")
				p["cliAuthEncrypt"] = true
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_SHARED_CONFIG_FILE", profileFile(t, dir, "ci", p))
			},
			err: errRe(`Encrypted Profile .*Profile "ci" of .* holds keys that the Huawei Cloud CLI encrypted \(cli-auth-encrypt\)`),
		},
		"unsupported profile mode": {
			setup: func(t *testing.T, e *testEnv, dir string) (string, map[string]string) {
				file := profileFile(t, dir, "sso", map[string]any{"name": "sso", "mode": "SSO"})
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_SHARED_CONFIG_FILE", file)
			},
			err: errRe(`Unsupported Profile Mode .*uses mode "SSO"`),
		},
		"shared config file named but missing": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {}` + "\n", nothingElse(e, dir, "HW_SHARED_CONFIG_FILE", filepath.Join(dir, "nope.json"))
			},
			err: errRe(`Unreadable Shared Config File .*nope.json \(from HW_SHARED_CONFIG_FILE\) cannot be read`),
		},
		"mixed across block and environment": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return fmt.Sprintf(`provider "modelarts" {
  access_key = %q
}
`, emulator.DefaultAccessKey), nothingElse(e, dir, "HW_SECRET_KEY", emulator.DefaultSecretKey)
			},
			err: errRe(`Missing Secret Key .*Set secret_key in the provider block too: the provider block's ` +
				`credentials are never completed from the environment`),
		},
		"project not found": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {
  region       = "eu-de"
  project_name = "eu-de_ml"
  token        = "` + emulator.DefaultToken + `"
}
`, nothingElse(e, dir, "HW_AUTH_URL", e.url+"/v3")
			},
			err: errRe(`Project Not Found .*for the project named "eu-de_ml", .*there is none: IAM lists "eu-de", "MOS"`),
		},
		"IAM refuses the project lookup": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {
  region = "eu-de"
  token  = "wrong-token"
}
`, nothingElse(e, dir, "HW_AUTH_URL", e.url+"/v3")
			},
			err: errRe(`Unable to Find Project .*look up the project named "eu-de" .*IAM at 127.0.0.1:[0-9]+ answered ` +
				`HTTP 401, code APIG.0301: .*Check auth_url`),
		},
		"IAM refuses the agency": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return e.providerBlock("aksk", `  assume_role {
    agency_name = "not-mine"
    domain_name = "acme"
  }`), nothingElse(e, dir)
			},
			err: errRe(`Unable to Assume IAM Agency .*agency "not-mine" in domain "acme".*IAM at 127.0.0.1:[0-9]+ ` +
				`answered HTTP 403`),
		},
		"invalid region": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {
  region = "eu-de.evil.example/x"
  token  = "t"
}
`, map[string]string{"HOME": dir}
			},
			err: errRe(`Invalid Region .*region \(from configuration\) must be lower-case letters`),
		},
		"unknown cloud that does not resolve": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return `provider "modelarts" {
  region     = "eu-de"
  cloud      = "no-such-cloud.invalid"
  project_id = "` + emulator.DefaultProjectID + `"
  token      = "t"
}
`, map[string]string{"HOME": dir}
			},
			err: errRe(`Unknown Cloud .*https://modelarts.eu-de.no-such-cloud.invalid was built from region "eu-de" and ` +
				`cloud "no-such-cloud.invalid", and its host does not resolve`),
		},
		"ca_file is a directory": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				return e.providerBlock("token", `  ca_file = "`+dir+`"`), nothingElse(e, dir)
			},
			err: errRe(`Invalid CA File .*must be a regular file of less than 1 MiB`),
		},
		// Item 12 of issue 11: every read refused, however many, makes at most
		// two logins.
		"permanent 401 with a password": {
			setup: func(_ *testing.T, e *testEnv, dir string) (string, map[string]string) {
				e.emu.AddFault(emulator.Fault{Kind: emulator.FaultStatus, Op: "get", Status: 401, Code: "APIG.0301"})
				var reads strings.Builder
				for i := 0; i < 49; i++ {
					fmt.Fprintf(&reads, "data \"modelarts_visualization_job\" \"r%d\" {\n  visualization_id = \"8992\"\n}\n", i)
				}
				return e.providerBlock("password") + reads.String(), nothingElse(e, dir)
			},
			err:     errRe(`Unable to Read Visualization Job`),
			wantOps: map[string]string{"iam": "2"},
		},
	})
}

// Metadata keys and agency keys that last 1.5 s are renewed while a plan
// reads 16 data sources one after the other, each read taking 150 ms.
func TestCredentials_renewalMidPlan(t *testing.T) {
	skipIfShort(t)
	chain := func() string {
		var b strings.Builder
		for i := 0; i < 16; i++ {
			dep := ""
			if i > 0 {
				dep = fmt.Sprintf("\n  depends_on       = [data.modelarts_visualization_job.r%d]", i-1)
			}
			fmt.Fprintf(&b, "data \"modelarts_visualization_job\" \"r%d\" {\n  visualization_id = \"8992\"%s\n}\n", i, dep)
		}
		return b.String()
	}()
	for name, tc := range map[string]struct {
		block, renewOp string
	}{
		"metadata": {`provider "modelarts" {}` + "\n", "metadata-securitykey"},
		"agency": {`provider "modelarts" {
  assume_role {
    agency_name = "` + emulator.DefaultAgencyName + `"
    domain_name = "` + emulator.DefaultDomain + `"
  }
}
`, "iam-assume-role"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, _ := startTestEnv(t, emulator.Config{Now: time.Now, Cloud: emulator.CloudConfig{
				MetadataKeyTTL: 1500 * time.Millisecond, AgencyKeyTTL: 1500 * time.Millisecond,
			}}, []emulator.Job{seedRunning}, false)
			env.emu.AddFault(emulator.Fault{Kind: emulator.FaultLatency, Op: "get", Latency: 150 * time.Millisecond})
			vars := nothingElse(env, t.TempDir(), "HW_METADATA_ENDPOINT", env.url, "HW_AUTH_URL", env.url+"/v3")
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factoriesWithEnv(vars),
				Steps: []resource.TestStep{{
					Config: tc.block + chain,
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("data.modelarts_visualization_job.r15",
						tfjsonpath.New("job_name"), knownvalue.StringExact(seedRunning.JobName))},
				}},
			})
			refused := 0
			for _, r := range env.emu.Requests() {
				if r.Op == "get" && r.Status != 200 {
					refused++
				}
			}
			// Each plan and apply read 16 times over at least 2.4 s: keys of
			// 1.5 s must have been renewed at least once per run.
			renewals := env.emu.RequestCount(tc.renewOp)
			if refused > 0 || renewals < 3 {
				t.Errorf("%d refused reads, %d %s requests (want renewals, no refusal)", refused, renewals, tc.renewOp)
			}
			t.Logf("%d reads, %d %s requests", env.emu.RequestCount("get"), renewals, tc.renewOp)
		})
	}
}
