package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

func init() {
	exampleTests["functions/status_name/function.tf"] = exampleTest{run: testStatusNameFunctionExample}
}

// TestStatusNameFunction calls the function through the CLI (Terraform 1.8
// or later, any OpenTofu with functions): every code of the table's ends,
// one the table does not know, and a value taken from a data source.
func TestStatusNameFunction(t *testing.T) {
	skipIfShort(t)
	env := newTestEnv(t, emulator.Config{})
	output := func(name, want string) statecheck.StateCheck {
		return statecheck.ExpectKnownOutputValue(name, knownvalue.StringExact(want))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		// The failing steps go first: the destroy after the last step plans its
		// configuration again.
		Steps: []resource.TestStep{
			{
				// A code is a whole number: Terraform refuses anything else
				// before the provider sees it.
				Config:      `output "fraction" { value = provider::modelarts::status_name(8.5) }`,
				ExpectError: regexp.MustCompile(`Invalid function argument`),
			},
			{
				Config:      `output "null" { value = provider::modelarts::status_name(null) }`,
				ExpectError: regexp.MustCompile(`Invalid function argument`),
			},
			{
				Config: env.providerBlock("aksk") + `
data "modelarts_visualization_job" "running" {
  visualization_id = "8992"
}
output "from_data_source" {
  value = provider::modelarts::status_name(data.modelarts_visualization_job.running.status)
}
output "unknown_code"   { value = provider::modelarts::status_name(0) }
output "running"        { value = provider::modelarts::status_name(8) }
output "canceled"       { value = provider::modelarts::status_name(13) }
output "mount_failed"   { value = provider::modelarts::status_name(22) }
output "not_in_table"   { value = provider::modelarts::status_name(23) }
output "negative"       { value = provider::modelarts::status_name(-1) }
output "as_data_source" {
  value = provider::modelarts::status_name(data.modelarts_visualization_job.running.status) == data.modelarts_visualization_job.running.status_name
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					output("from_data_source", "JOBSTAT_RUNNING"),
					output("unknown_code", "JOBSTAT_UNKNOWN"),
					output("running", "JOBSTAT_RUNNING"),
					output("canceled", "JOBSTAT_CANCELED"),
					output("mount_failed", "MOUNT_FAILED"),
					output("not_in_table", "UNKNOWN(23)"),
					output("negative", "UNKNOWN(-1)"),
					statecheck.ExpectKnownOutputValue("as_data_source", knownvalue.Bool(true)),
				},
			},
		},
	})
}

func testStatusNameFunctionExample(t *testing.T, path string) {
	env, _ := newExampleEnv(t, emulator.Config{}, false)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + readExample(t, path),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("tensorboard_status", knownvalue.StringExact("JOBSTAT_RUNNING")),
				statecheck.ExpectKnownOutputValue("future_status", knownvalue.StringExact("UNKNOWN(99)")),
			},
		}},
	})
}
