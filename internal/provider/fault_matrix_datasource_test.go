package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The rows of the fault matrix for the data sources: each reads in a
// plan-only step, under the fault.

var dataSourceRow = &matrixRow{
	key: "data_source", title: "Data source `modelarts_visualization_job`",
	request: "GET /v1/{project}/visualization-jobs/8992", op: "get", rpc: rpcReadDataSource, idempotent: true, job: "8992",
	summary: "Unable to Read Visualization Job", subject: `Could not read visualization job "8992"`,
	steps: func(c *faultCell) []resource.TestStep {
		return []resource.TestStep{c.dataFaultStep(fmt.Sprintf(`data "modelarts_visualization_job" "tb" {
  visualization_id = "8992"
  timeouts {
    read = %q
  }
}
`, c.timeout(rpcReadDataSource, "get")))}
	},
}

var listRow = &matrixRow{
	key: "list", title: "Data source `modelarts_visualization_jobs`",
	request: "GET /v1/{project}/visualization-jobs?page=1&per_page=1000", op: "list", rpc: rpcReadDataSource, idempotent: true,
	summary: "Unable to List Visualization Jobs", subject: "Could not list the visualization jobs of the project",
	steps: func(c *faultCell) []resource.TestStep {
		return []resource.TestStep{c.dataFaultStep(fmt.Sprintf(`data "modelarts_visualization_jobs" "all" {
  timeouts {
    read = %q
  }
}
`, c.timeout(rpcReadDataSource, "list")))}
	},
}
