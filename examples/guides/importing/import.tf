# Adopt visualization job 8992, made in the console, without replacing it.
import {
  to = modelarts_visualization_job.tb
  id = "8992"
}

resource "modelarts_visualization_job" "tb" {
  job_name  = "resnet50-tb"
  job_desc  = "TensorBoard for the ResNet-50 training run"
  train_url = "/ml-bucket/resnet50/train/"

  # ModelArts does not return auto_stop_hours (nor flavor_code), so the
  # import cannot read it: the value written here is adopted into the state
  # as it is, and the job is not replaced for it.
  auto_stop_hours = 4
}
