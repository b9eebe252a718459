# Reads a visualization job from ModelArts and shows its fields. `make demo`
# runs this against the bundled emulator; the provider takes its credentials
# from the environment (HW_ACCESS_KEY, HW_SECRET_KEY, HW_PROJECT_ID, ...).

terraform {
  required_providers {
    modelarts = {
      source = "tf-modelarts/modelarts"
    }
  }
}

variable "modelarts_endpoint" {
  description = "ModelArts endpoint; empty for the default of the region."
  type        = string
  default     = ""
}

variable "visualization_id" {
  description = "ID of the visualization job to read."
  type        = string
  default     = "8992"
}

provider "modelarts" {
  region    = "eu-de"
  endpoints = var.modelarts_endpoint == "" ? null : { modelarts = var.modelarts_endpoint }
}

data "modelarts_visualization_job" "tb" {
  visualization_id = var.visualization_id
}

# Whether a job exists, without failing the plan when it does not.
data "modelarts_visualization_job" "maybe" {
  visualization_id = "4040"
  fail_on_error    = false
}

output "job" {
  description = "Every field of the visualization job."
  value = {
    job_id             = data.modelarts_visualization_job.tb.job_id
    job_name           = data.modelarts_visualization_job.tb.job_name
    job_desc           = data.modelarts_visualization_job.tb.job_desc
    status             = data.modelarts_visualization_job.tb.status
    status_name        = data.modelarts_visualization_job.tb.status_name
    create_time        = data.modelarts_visualization_job.tb.create_time
    created_at         = data.modelarts_visualization_job.tb.created_at
    duration           = data.modelarts_visualization_job.tb.duration
    train_url          = data.modelarts_visualization_job.tb.train_url
    service_url        = data.modelarts_visualization_job.tb.service_url
    resource_id        = data.modelarts_visualization_job.tb.resource_id
    remaining_duration = data.modelarts_visualization_job.tb.remaining_duration
    is_success         = data.modelarts_visualization_job.tb.is_success
    error_code         = data.modelarts_visualization_job.tb.error_code
    error_msg          = data.modelarts_visualization_job.tb.error_msg
  }
}

output "tensorboard_url" {
  description = "Where to open TensorBoard."
  value       = data.modelarts_visualization_job.tb.service_url
}

output "job_4040_exists" {
  description = "false: job 4040 is not in the project."
  value       = data.modelarts_visualization_job.maybe.is_success
}

output "job_4040_error" {
  description = "Why job 4040 could not be read."
  value       = data.modelarts_visualization_job.maybe.error_code
}
