package provider

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The read row of the fault matrix: the refresh in the plan after an import.
// Every cell of it also asserts that the refresh keeps the job in the state
// with its own ID (faultCell.check).

var readRow = &matrixRow{
	key: "read", title: "Resource: read (refresh)",
	request: "GET /v1/{project}/visualization-jobs/8992", op: "get", rpc: rpcReadResource, idempotent: true, job: "8992",
	summary: "Unable to Read Visualization Job", subject: `Could not read visualization job "8992"`,
	steps: func(c *faultCell) []resource.TestStep {
		cfg := importBlock(seedRunning.JobID) + c.resourceConfig(seedRunning, seedRunning.JobDesc, true)
		return []resource.TestStep{c.setupStep(cfg), c.faultStep(cfg)}
	},
}
