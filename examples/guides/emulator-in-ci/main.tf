# The configuration a pipeline applies, unchanged, against the emulator.
provider "modelarts" {}

resource "modelarts_visualization_job" "tb" {
  job_name        = "ci-tb"
  train_url       = "/ml-bucket/ci/train/"
  auto_stop_hours = 1
}

# Job 8992 comes from examples/emulator/jobs.json, the emulator's -seed.
data "modelarts_visualization_job" "seeded" {
  visualization_id = "8992"
}

output "tensorboard_url" {
  value = modelarts_visualization_job.tb.service_url
}

output "seeded_job_status" {
  value = data.modelarts_visualization_job.seeded.status_name
}
