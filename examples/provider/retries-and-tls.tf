variable "access_key" {
  description = "Access key ID (AK)."
  type        = string
}

variable "secret_key" {
  description = "Secret access key (SK)."
  type        = string
  sensitive   = true
}

variable "ca_file" {
  description = "PEM file of the certificate authority of a TLS-inspecting proxy."
  type        = string
  default     = "/etc/ssl/certs/corporate-proxy-ca.pem"
}

provider "modelarts" {
  region     = "eu-de"
  project_id = "0123456789abcdef0123456789abcdef"
  access_key = var.access_key
  secret_key = var.secret_key

  # Retry each request up to 8 times on HTTP 429, 502, 503, 504 and reset
  # connections, backing off exponentially and honouring Retry-After.
  max_retries = 8

  # Trust this certificate authority in addition to the system's.
  ca_file = var.ca_file
}
