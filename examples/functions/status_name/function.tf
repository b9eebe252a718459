data "modelarts_visualization_job" "tensorboard" {
  visualization_id = "8992"
}

output "tensorboard_status" {
  value = provider::modelarts::status_name(data.modelarts_visualization_job.tensorboard.status)
}

# Codes the status table does not know come back as UNKNOWN(<code>).
output "future_status" {
  value = provider::modelarts::status_name(99)
}
