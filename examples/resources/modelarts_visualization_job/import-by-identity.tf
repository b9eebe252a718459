# Adopt the existing visualization job 8992 by its identity (Terraform 1.12
# and later). project_id may be left out: it defaults to the provider's.
import {
  to = modelarts_visualization_job.tb
  identity = {
    job_id = "8992"
  }
}

resource "modelarts_visualization_job" "tb" {
  job_name  = "resnet50-tb"
  job_desc  = "TensorBoard for the ResNet-50 training run"
  train_url = "/ml-bucket/resnet50/train/"
}
