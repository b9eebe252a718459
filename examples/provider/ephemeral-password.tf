# An ephemeral variable (Terraform 1.10 and later) is never written to a saved
# plan or to the state: `terraform apply plan.tfplan` asks for it again (here
# from TF_VAR_password), so a plan file can be stored as a pipeline artifact
# without the password in it.
variable "password" {
  description = "Password of the IAM user ml-pipeline, for this run only."
  type        = string
  sensitive   = true
  ephemeral   = true
}

provider "modelarts" {
  region      = "eu-de"
  user_name   = "ml-pipeline"
  password    = var.password
  domain_name = "my-account"
}
