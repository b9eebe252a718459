package provider

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The delete row of the fault matrix: a job imported by an apply, then a
// configuration without it.

var deleteRow = &matrixRow{
	key: "delete", title: "Resource: delete",
	request: "DELETE /v1/{project}/visualization-jobs/8992", op: "delete", rpc: rpcApplyResourceChange, idempotent: true, job: "8992",
	summary: "Unable to Delete Visualization Job", subject: `Could not delete visualization job "8992"`,
	steps: func(c *faultCell) []resource.TestStep {
		cfg := importBlock(seedRunning.JobID) + c.resourceConfig(seedRunning, seedRunning.JobDesc, true)
		return []resource.TestStep{c.setupStep(cfg), c.faultStep("")}
	},
}
