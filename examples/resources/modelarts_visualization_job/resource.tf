# A TensorBoard for the summaries a training job writes to OBS. It stops
# itself after 4 hours; running is left unset, so the provider does not
# manage the run state and the next apply leaves the stopped job alone.
resource "modelarts_visualization_job" "tb" {
  job_name        = "resnet101-tb"
  job_desc        = "TensorBoard for the ResNet-101 training run"
  train_url       = "/ml-bucket/resnet101/train/"
  auto_stop_hours = 4

  timeouts {
    create = "30m"
  }
}

# A MindInsight job that is created, then kept stopped until running = true.
resource "modelarts_visualization_job" "mi" {
  job_name  = "bert-large-mi"
  job_type  = "mindinsight"
  train_url = "/ml-bucket/bert-large/summary/"
  running   = false
}

output "tensorboard_url" {
  value = modelarts_visualization_job.tb.service_url
}
