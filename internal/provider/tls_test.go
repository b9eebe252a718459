package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

// newTLSTestEnv serves the emulator over HTTPS with httptest's self-signed
// certificate, and writes that certificate to a PEM file for ca_file.
func newTLSTestEnv(t *testing.T) (env *testEnv, caFile string) {
	t.Helper()
	env, srv := startTestEnv(t, emulator.Config{}, []emulator.Job{seedRunning}, true)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	writeCertificate(t, caFile, srv.Certificate())
	return env, caFile
}

// Certificate verification is on by default: a server with a certificate
// nobody vouched for is refused, with advice on ca_file.
func TestTLS_verifiedByDefault(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env, _ := newTLSTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + jobDataSourceConfig("8992"),
			ExpectError: errRe(`Unable to Read Visualization Job.*failed before a complete answer arrived from ModelArts.*` +
				`certificate.*ca_file`),
		}},
	})
	if n := env.emu.RequestCount("get"); n != 0 {
		t.Errorf("the emulator served %d GETs over an unverified connection", n)
	}
}

func TestTLS_caFile(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env, caFile := newTLSTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk", fmt.Sprintf("  ca_file = %q", caFile)) + jobDataSourceConfig("8992"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSourceAddr, tfjsonpath.New("job_name"), knownvalue.StringExact(seedRunning.JobName)),
			},
		}},
	})
}

func TestTLS_caFileMissing(t *testing.T) {
	skipIfShort(t)
	t.Parallel()
	env, _ := newTLSTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config:      env.providerBlock("aksk", `  ca_file = "/nonexistent/ca.pem"`) + jobDataSourceConfig("8992"),
			ExpectError: errRe(`Unreadable CA File.*"/nonexistent/ca.pem" \(from configuration\) cannot be read`),
		}},
	})
}

// insecure = true connects without verification and warns about it.
func TestTLS_insecureWarns(t *testing.T) {
	skipIfShort(t)
	env, _ := newTLSTestEnv(t)
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_LOG", "WARN")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk", "  insecure = true") + jobDataSourceConfig("8992"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSourceAddr, tfjsonpath.New("job_name"), knownvalue.StringExact(seedRunning.JobName)),
			},
		}},
	})
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "TLS Certificate Verification Disabled") {
		t.Errorf("no warning about insecure = true in Terraform's output")
	}
}
