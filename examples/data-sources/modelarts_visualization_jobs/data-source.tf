# Every running job (status 8, JOBSTAT_RUNNING) of the project, newest first.
data "modelarts_visualization_jobs" "running" {
  status  = 8
  sort_by = "create_time"
  order   = "desc"
}

output "running_jobs" {
  description = "Web UI of each running job, by job name."
  value       = { for job in data.modelarts_visualization_jobs.running.jobs : job.job_name => job.service_url }
}

# Jobs whose name contains "resnet", in any status.
data "modelarts_visualization_jobs" "resnet" {
  search_content = "resnet"
}

output "resnet_job_ids" {
  value = data.modelarts_visualization_jobs.resnet.jobs[*].job_id
}

output "jobs_left_to_create" {
  description = "How many more visualization jobs the project may create."
  value       = data.modelarts_visualization_jobs.resnet.job_count_limit
}
