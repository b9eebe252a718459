package provider

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// The examples of the docs' Authentication section beyond the four methods.
func init() {
	exampleTests["provider/shared-config-file.tf"] = exampleTest{run: testSharedConfigFileExample}
	exampleTests["provider/cloud-server.tf"] = exampleTest{run: testCloudServerExample}
	exampleTests["provider/assume-role.tf"] = exampleTest{run: testAssumeRoleExample}
	exampleTests["provider/ephemeral-password.tf"] = exampleTest{run: providerExample("token", map[string]string{
		"password": emulator.DefaultPassword,
	})}
}

// runCredentialExample runs an example with the probe and checks how the
// emulator saw the list request authenticated.
func runCredentialExample(t *testing.T, env *testEnv, config, wantAuth string) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps:                    []resource.TestStep{{Config: config + probe, ConfigStateChecks: probeChecks()}},
	})
	expectAuth(t, env, "list", wantAuth)
}

// The profile "ci" in ~/.hcloud/config.json: HOME is a temporary directory.
func testSharedConfigFileExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{ProjectID: exampleProjectID}, false)
	config := readExample(t, path)
	keepLocal(t, env, config)
	home := t.TempDir()
	t.Setenv("HOME", home)
	p := tempProfile("ci")
	p["projectId"] = exampleProjectID
	profileFile(t, filepath.Join(home, ".hcloud"), "default", map[string]any{"name": "default", "mode": "token"}, p)
	runCredentialExample(t, env, config, "temp-aksk")
}

// The emulator as the cloud server's metadata service.
func testCloudServerExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{ProjectID: exampleProjectID}, false)
	config := readExample(t, path)
	keepLocal(t, env, config)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("HW_METADATA_ENDPOINT", env.url)
	runCredentialExample(t, env, config, "metadata-aksk")
	if env.emu.RequestCount("metadata-securitykey") == 0 {
		t.Error("the metadata service was not asked for keys")
	}
}

// AK/SK from the environment assume the example's agency; the project is
// looked up in IAM.
func testAssumeRoleExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{ProjectID: exampleProjectID,
		Cloud: emulator.CloudConfig{AgencyName: "ml-pipeline", AgencyDomain: "ml-platform"}}, false)
	config := readExample(t, path)
	keepLocal(t, env, config)
	t.Setenv("HW_ACCESS_KEY", emulator.DefaultAccessKey)
	t.Setenv("HW_SECRET_KEY", emulator.DefaultSecretKey)
	runCredentialExample(t, env, config, "agency-aksk")
	if env.emu.RequestCount("iam-projects") == 0 {
		t.Error("the project was not looked up in IAM")
	}
}
