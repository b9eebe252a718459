variable "password" {
  description = "Password of the IAM user ml-pipeline."
  type        = string
  sensitive   = true
}

# IAM user name and password: the provider asks IAM
# (https://iam.eu-de.otc.t-systems.com/v3 here) for a project-scoped token
# once, shares it between all requests and renews it before it expires.
provider "modelarts" {
  region      = "eu-de"
  project_id  = "0123456789abcdef0123456789abcdef"
  user_name   = "ml-pipeline"
  password    = var.password
  domain_name = "my-account"
}
