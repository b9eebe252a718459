# A pipeline publishes the TensorBoard's address only while the job runs: a
# stopped job keeps its service_url, but nothing answers there. status_name
# tells the two apart.
data "modelarts_visualization_job" "tb" {
  visualization_id = "8992"
}

locals {
  tensorboard_live = data.modelarts_visualization_job.tb.status_name == "JOBSTAT_RUNNING"
}

output "live_tensorboard_url" {
  description = "The TensorBoard's address while job 8992 runs, else an empty string."
  value       = local.tensorboard_live ? data.modelarts_visualization_job.tb.service_url : ""
}

output "tensorboard_status" {
  value = data.modelarts_visualization_job.tb.status_name
}
