variable "access_key" {
  description = "Access key ID (AK) of a Huawei Cloud IAM user."
  type        = string
}

variable "secret_key" {
  description = "Secret access key (SK) of that access key."
  type        = string
  sensitive   = true
}

# Huawei Cloud, region ap-southeast-1 (Hong Kong). cloud selects the domain
# of the default endpoints: https://modelarts.ap-southeast-1.myhuaweicloud.com
# and, for passwords, https://iam.ap-southeast-1.myhuaweicloud.com/v3.
provider "modelarts" {
  region     = "ap-southeast-1"
  cloud      = "myhuaweicloud.com"
  project_id = "0123456789abcdef0123456789abcdef"
  access_key = var.access_key
  secret_key = var.secret_key
}
