# Read visualization job 8992 and publish its TensorBoard address.
data "modelarts_visualization_job" "tb" {
  visualization_id = "8992"

  timeouts {
    read = "2m"
  }
}

output "tensorboard_url" {
  description = "Where to open the TensorBoard of job 8992."
  value       = data.modelarts_visualization_job.tb.service_url
}

# Warn on every plan and apply when the TensorBoard is not running.
check "tensorboard_running" {
  assert {
    condition     = data.modelarts_visualization_job.tb.status_name == "JOBSTAT_RUNNING"
    error_message = "Visualization job 8992 is ${data.modelarts_visualization_job.tb.status_name}, not JOBSTAT_RUNNING: restart it in the ModelArts console."
  }
}

# Test whether a job exists: with fail_on_error = false, "not found" is data
# (is_success = false) instead of an error that fails the plan.
data "modelarts_visualization_job" "maybe" {
  visualization_id = "4040"
  fail_on_error    = false
}

output "job_4040_exists" {
  value = data.modelarts_visualization_job.maybe.is_success
}

output "job_4040_error" {
  description = "ModelArts error code when job 4040 could not be read, e.g. ModelArts.0015."
  value       = data.modelarts_visualization_job.maybe.error_code
}
