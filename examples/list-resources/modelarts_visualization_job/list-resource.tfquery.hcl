# Find the running visualization jobs of the project, with the attributes
# that `terraform query -generate-config-out=generated.tf` turns into
# import blocks and resource configuration.
list "modelarts_visualization_job" "running" {
  provider         = modelarts
  include_resource = true

  config {
    status = 8 # JOBSTAT_RUNNING
  }
}

# Jobs whose name contains "resnet", newest first.
list "modelarts_visualization_job" "resnet" {
  provider = modelarts
  limit    = 10

  config {
    search_content = "resnet"
    sort_by        = "create_time"
    order          = "desc"
  }
}
