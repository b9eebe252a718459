terraform {
  required_providers {
    modelarts = {
      source  = "tf-modelarts/modelarts"
      version = "~> 0.1"
    }
  }
}

# region, project_id and the credentials come from the HW_* environment
# variables that run.sh exports.
provider "modelarts" {}

# A TensorBoard for the summaries a training job writes to OBS. terraform
# apply returns once it runs; it stops itself after 4 hours.
resource "modelarts_visualization_job" "tb" {
  job_name        = "getting-started-tb"
  job_desc        = "TensorBoard of the getting started guide"
  train_url       = "/ml-bucket/resnet50/train/"
  auto_stop_hours = 4
}

output "tensorboard_url" {
  description = "Where the TensorBoard serves its charts."
  value       = modelarts_visualization_job.tb.service_url
}
