# Stop TensorBoard 8992 without changing configuration:
#   terraform apply -invoke=action.modelarts_visualization_job_stop.tensorboard
action "modelarts_visualization_job_stop" "tensorboard" {
  config {
    visualization_id = "8992"

    timeouts {
      invoke = "10m"
    }
  }
}

# A job whose run state the actions own: running is left unset, so the next
# apply does not restart a job the action stopped.
resource "modelarts_visualization_job" "experiment" {
  job_name  = "experiment-tb"
  train_url = "/ml-bucket/experiment/train/"
}

action "modelarts_visualization_job_stop" "experiment" {
  config {
    visualization_id = modelarts_visualization_job.experiment.id
    wait             = true
  }
}

# Stop the experiment's TensorBoard whenever the training run it watches is
# marked finished (here a terraform_data stands for that run).
resource "terraform_data" "training_finished" {
  input = "run-42"

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.modelarts_visualization_job_stop.experiment]
    }
  }
}
