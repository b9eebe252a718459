# Import visualization job 8992 by its ID.
terraform import modelarts_visualization_job.tb 8992
