# Adopt the existing visualization job 8992. The arguments describe the job
# as it is, so the plan imports it without changing it.
import {
  to = modelarts_visualization_job.tb
  id = "8992"
}

resource "modelarts_visualization_job" "tb" {
  job_name  = "resnet50-tb"
  job_desc  = "TensorBoard for the ResNet-50 training run"
  train_url = "/ml-bucket/resnet50/train/"
}
