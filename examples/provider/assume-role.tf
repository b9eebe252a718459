# The credentials of any source (here AK/SK from the environment) take on the
# IAM agency "ml-pipeline" of the account "ml-platform": the provider signs with
# the agency's temporary keys and renews them before they expire. Without
# project_id, the provider asks IAM once for the project named after the region.
provider "modelarts" {
  region = "eu-de"

  assume_role {
    agency_name = "ml-pipeline"
    domain_name = "ml-platform"
    duration    = 3600
  }
}
