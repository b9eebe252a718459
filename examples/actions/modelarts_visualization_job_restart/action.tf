# Restart the stopped TensorBoard 8991 without changing configuration:
#   terraform apply -invoke=action.modelarts_visualization_job_restart.tensorboard
action "modelarts_visualization_job_restart" "tensorboard" {
  config {
    visualization_id = "8991"
  }
}

# Ask for the restart and return at once, without waiting for RUNNING.
action "modelarts_visualization_job_restart" "no_wait" {
  config {
    visualization_id = "8991"
    wait             = false
  }
}
