variable "token" {
  description = "Project-scoped IAM token, for example from `openstack token issue`."
  type        = string
  sensitive   = true
}

# A ready IAM token, sent as X-Auth-Token. It must be scoped to project_id,
# and the provider does not renew it: IAM tokens are valid for 24 hours.
provider "modelarts" {
  region     = "eu-de"
  project_id = "0123456789abcdef0123456789abcdef"
  token      = var.token
}
