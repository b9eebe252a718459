# The Huawei Cloud CLI's profile "ci" (`hcloud configure init --cli-profile=ci`)
# gives the access keys, the region and the project ID; the file is
# ~/.hcloud/config.json unless shared_config_file (HW_SHARED_CONFIG_FILE) says
# otherwise. It is read only when neither this block nor the environment holds
# credentials.
provider "modelarts" {
  profile = "ci"
}
