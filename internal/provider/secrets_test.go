package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// secretValues are every secret the emulator's identities use.
var secretValues = []string{
	emulator.DefaultSecretKey, emulator.DefaultTempSecretKey, emulator.DefaultSecurityToken,
	emulator.DefaultPassword, emulator.DefaultToken,
}

// Patterns of secrets whose values the test cannot know in advance: request
// signatures and IAM-issued tokens.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`Signature=[0-9a-f]{16,}`),
	regexp.MustCompile(`(?i)x-(auth|subject|security)-token["'=:\s]+[A-Za-z0-9+/_.-]{8,}`),
}

// With TF_LOG=TRACE, no secret reaches the provider's log, Terraform's log,
// the diagnostics or the state, for any authentication method, on success
// and on failure.
func TestSecrets_neverLogged(t *testing.T) {
	dir := t.TempDir()
	cliLog := filepath.Join(dir, "terraform.log")
	t.Setenv("TF_LOG", "TRACE")
	// terraform-plugin-testing writes Terraform's log and the in-process
	// provider's log to this one file.
	t.Setenv("TF_ACC_LOG_PATH", cliLog)

	env := newLiveTestEnv(t, emulator.Config{})
	var states []string
	keepState := func(s *terraform.State) error {
		states = append(states, s.String())
		return nil
	}
	// Credentials come from the environment, as in a pipeline: the test
	// harness logs each configuration it writes, so secrets in HCL would be
	// found in the log without the provider being at fault.
	credentialEnv := map[string]map[string]string{
		"aksk": {"HW_ACCESS_KEY": emulator.DefaultAccessKey, "HW_SECRET_KEY": emulator.DefaultSecretKey},
		"temporary_aksk": {"OS_ACCESS_KEY": emulator.DefaultTempAccessKey, "OS_SECRET_KEY": emulator.DefaultTempSecretKey,
			"HW_SECURITY_TOKEN": emulator.DefaultSecurityToken},
		"password": {"HW_USER_NAME": emulator.DefaultUser, "HW_USER_PASSWORD": emulator.DefaultPassword,
			"HW_DOMAIN_NAME": emulator.DefaultDomain},
		"token": {"HW_AUTH_TOKEN": emulator.DefaultToken},
	}
	providerBlock := fmt.Sprintf(`
provider "modelarts" {
  region     = %q
  project_id = %q
  auth_url   = "%s/v3"
  endpoints  = { modelarts = %q }
}
`, emulator.DefaultProjectName, emulator.DefaultProjectID, env.url, env.url)
	for _, method := range []string{"aksk", "temporary_aksk", "password", "token"} {
		for k, v := range credentialEnv[method] {
			t.Setenv(k, v)
		}
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6Factories,
			Steps: []resource.TestStep{
				{
					Config: providerBlock + jobDataSourceConfig("8992") +
						jobResourceConfig(`job_name = "tb-`+strings.ReplaceAll(method, "_", "-")+`"`, `train_url = "/bkt/"`,
							`job_desc = "secret test"`),
					Check: keepState,
				},
				{
					// A failing read: its diagnostic goes to the log too.
					Config:      providerBlock + jobDataSourceConfig("404"),
					ExpectError: regexp.MustCompile(`Unable to Read Visualization Job`),
				},
			},
		})
		for k := range credentialEnv[method] {
			_ = os.Unsetenv(k)
		}
	}

	logs := map[string]string{}
	b, err := os.ReadFile(cliLog)
	if err != nil {
		t.Fatalf("reading the log: %v", err)
	}
	logs["log"] = string(b)
	logs["state"] = strings.Join(states, "\n")

	// The logs must be real: the request log line with the redacted
	// authorization proves the provider logged at all.
	for _, want := range []string{"Access=" + emulator.DefaultAccessKey, "Access=" + emulator.DefaultTempAccessKey,
		"Unable to Read Visualization Job"} {
		if !strings.Contains(logs["log"], want) {
			t.Fatalf("the log does not contain %q: is logging wired? (%d bytes)", want, len(logs["log"]))
		}
	}
	for name, text := range logs {
		for _, secret := range secretValues {
			if i := strings.Index(text, secret); i >= 0 {
				t.Errorf("%s contains the secret %q: ...%s...", name, secret, excerpt(text, i))
			}
		}
		for _, re := range secretPatterns {
			if loc := re.FindStringIndex(text); loc != nil {
				t.Errorf("%s contains %q: ...%s...", name, text[loc[0]:loc[1]], excerpt(text, loc[0]))
			}
		}
	}
}

func excerpt(s string, i int) string {
	return s[max(0, i-120):min(len(s), i+80)]
}
