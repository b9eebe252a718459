package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/tf-modelarts/terraform-provider-modelarts/internal/emulator"
)

func init() {
	exampleTests["resources/modelarts_visualization_job/import-by-identity.tf"] = exampleTest{run: testImportByIdentityExample}
}

// seededJobConfig describes seedRunning as it is, so importing it plans no
// change.
const seededJobConfig = `
resource "modelarts_visualization_job" "seeded" {
  job_name  = "resnet50-tb"
  job_desc  = "TensorBoard for the ResNet-50 run"
  train_url = "/ml-bucket/resnet50/train/"
}
`

// TestVisualizationJobResource_identity checks the identity after create,
// after a refresh (read) and after import by ID and by identity (with the
// project defaulted), and that identity never changes: a state of another
// project, or an import identity naming one, is an error before any request.
func TestVisualizationJobResource_identity(t *testing.T) {
	useIdentityTerraform(t)
	env := newLiveTestEnv(t, emulator.Config{})
	project := knownvalue.StringExact(emulator.DefaultProjectID)
	identityMatchesID := statecheck.ExpectIdentityValueMatchesStateAtPath(resourceAddr,
		tfjsonpath.New("job_id"), tfjsonpath.New("id"))
	const seededAddr = "modelarts_visualization_job.seeded"
	config := env.providerBlock("aksk") + jobResourceConfig(`job_name = "identity-tb"`, `train_url = "/bucket/identity/"`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValue(resourceAddr, tfjsonpath.New("project_id"), project),
					identityMatchesID,
				},
			},
			{
				// A second apply refreshes (reads) the job first.
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValue(resourceAddr, tfjsonpath.New("project_id"), project),
					identityMatchesID,
				},
			},
			{
				// The same provider with another project: the jobs in the state
				// are not its to read.
				Config: strings.Replace(env.providerBlock("aksk"), `"`+emulator.DefaultProjectID+`"`, `"fedcba9876543210fedcba9876543210"`, 1) + jobResourceConfig(
					`job_name = "identity-tb"`, `train_url = "/bucket/identity/"`),
				PlanOnly:    true,
				ExpectError: errRe(`Visualization Job Belongs to Another Project .*project "` + emulator.DefaultProjectID + `"`),
			},
			{
				// terraform-plugin-testing writes an import block with the
				// identity of the state and compares the imported resource.
				Config:           config,
				ResourceName:     resourceAddr,
				ImportState:      true,
				ImportStateKind:  resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionNoop)}},
			},
			{
				Config:           config,
				ResourceName:     resourceAddr,
				ImportState:      true,
				ImportStateKind:  resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(resourceAddr, plancheck.ResourceActionNoop)}},
			},
			{
				// import { identity = { job_id = "8992" } }: the project
				// defaults to the provider's.
				Config: config + seededJobConfig + `
import {
  to       = modelarts_visualization_job.seeded
  identity = { job_id = "8992" }
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(seededAddr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(seededAddr, map[string]knownvalue.Check{
						"project_id": project, "job_id": knownvalue.StringExact("8992"),
					}),
					statecheck.ExpectKnownValue(seededAddr, tfjsonpath.New("job_id"), knownvalue.Int64Exact(8992)),
				},
			},
			{
				// Deleted outside Terraform: the read removes the job with a
				// warning, and the apply creates it again, with a new identity.
				// (Read also sets the identity before removing, for states
				// written without one: the framework fails a read whose identity
				// is null, even one that removes the resource.)
				PreConfig: func() {
					if !env.emu.DeleteJob(8992) {
						t.Error("job 8992 was not there to delete")
					}
				},
				Config: config + seededJobConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(seededAddr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesStateAtPath(seededAddr, tfjsonpath.New("job_id"), tfjsonpath.New("id")),
				},
			},
		},
	})
}

// TestVisualizationJobResource_importIdentityErrors checks an import
// identity of another project, a job_id that is not an ID, and one that
// does not exist.
func TestVisualizationJobResource_importIdentityErrors(t *testing.T) {
	useIdentityTerraform(t)
	env := newTestEnv(t, emulator.Config{})
	imp := func(identity string) string {
		return env.providerBlock("aksk") + seededJobConfig + `
import {
  to       = modelarts_visualization_job.seeded
  identity = ` + identity + `
}
`
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		Steps: []resource.TestStep{
			{
				Config:      imp(`{ job_id = "8992", project_id = "fedcba9876543210fedcba9876543210" }`),
				ExpectError: errRe(`Invalid Import Identity .*provider is configured for project "` + emulator.DefaultProjectID + `"`),
			},
			{
				Config:      imp(`{ job_id = "tb-8992" }`),
				ExpectError: errRe(`Invalid Import Identity .*"tb-8992"`),
			},
			{
				Config:      imp(`{ job_id = "4040" }`),
				ExpectError: errRe(`Cannot import non-existent remote object`),
			},
		},
	})
}

func testImportByIdentityExample(t *testing.T, path string) {
	useIdentityTerraform(t)
	env, _ := newExampleEnv(t, emulator.Config{
		Now: time.Now, StartDelay: 100 * time.Millisecond, StopDelay: 100 * time.Millisecond,
	}, false)
	const addr = "modelarts_visualization_job.tb"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6Factories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		Steps: []resource.TestStep{{
			Config: env.providerBlock("aksk") + readExample(t, path),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
					"project_id": knownvalue.StringExact(emulator.DefaultProjectID), "job_id": knownvalue.StringExact("8992"),
				}),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("status_name"), knownvalue.StringExact("JOBSTAT_RUNNING")),
			},
		}},
	})
}
