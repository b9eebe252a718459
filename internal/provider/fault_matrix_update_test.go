package provider

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The rows of the fault matrix for the in-place updates: each imports a
// seeded job, then applies the change under the fault.

var updateRow = &matrixRow{
	key: "update", title: "Resource: update (`job_desc` changed)",
	request: "PUT /v1/{project}/visualization-jobs/8992", op: "update", rpc: rpcApplyResourceChange, idempotent: true, job: "8992",
	summary: "Unable to Update Visualization Job", subject: `Could not change the description of visualization job "8992"`,
	steps: func(c *faultCell) []resource.TestStep {
		return []resource.TestStep{c.importStep(seedRunning, true),
			c.faultStep(c.resourceConfig(seedRunning, c.sent("changed under faults"), true))}
	},
}

var stopRow = &matrixRow{
	key: "stop", title: "Resource: stop (`running = false`)",
	request: "POST /v1/{project}/visualization-jobs/8992/stop", op: "stop", rpc: rpcApplyResourceChange, job: "8992",
	summary: "Unable to Update Visualization Job", subject: `Could not stop visualization job "8992"`,
	steps: func(c *faultCell) []resource.TestStep {
		return []resource.TestStep{c.importStep(seedRunning, true),
			c.faultStep(c.resourceConfig(seedRunning, seedRunning.JobDesc, false))}
	},
}

var restartRow = &matrixRow{
	key: "restart", title: "Resource: restart (`running = true`)",
	request: "POST /v1/{project}/visualization-jobs/197/restart", op: "restart", rpc: rpcApplyResourceChange, job: "197",
	summary: "Unable to Update Visualization Job", subject: `Could not restart visualization job "197"`,
	steps: func(c *faultCell) []resource.TestStep {
		return []resource.TestStep{c.importStep(seedDocs, false),
			c.faultStep(c.resourceConfig(seedDocs, seedDocs.JobDesc, true))}
	},
}
