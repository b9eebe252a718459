variable "access_key" {
  description = "Temporary access key ID, as issued with the security token."
  type        = string
}

variable "secret_key" {
  description = "Temporary secret access key."
  type        = string
  sensitive   = true
}

variable "security_token" {
  description = "Security token of the temporary access key."
  type        = string
  sensitive   = true
}

# Temporary AK/SK (from an agency, a federated login or an ECS metadata
# service): the security token is sent and signed as X-Security-Token.
provider "modelarts" {
  region         = "eu-de"
  project_id     = "0123456789abcdef0123456789abcdef"
  access_key     = var.access_key
  secret_key     = var.secret_key
  security_token = var.security_token
}
