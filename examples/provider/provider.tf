terraform {
  required_providers {
    modelarts = {
      source  = "tf-modelarts/modelarts"
      version = "~> 0.1"
    }
  }
}

variable "access_key" {
  description = "Access key ID (AK) of an IAM user allowed to use ModelArts."
  type        = string
}

variable "secret_key" {
  description = "Secret access key (SK) of that access key."
  type        = string
  sensitive   = true
}

# Open Telekom Cloud, region eu-de, requests signed with a permanent AK/SK pair.
# The endpoint defaults to https://modelarts.eu-de.otc.t-systems.com.
provider "modelarts" {
  region     = "eu-de"
  project_id = "0123456789abcdef0123456789abcdef"
  access_key = var.access_key
  secret_key = var.secret_key
}
