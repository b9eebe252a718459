# Every argument comes from the environment (see environment.sh), so the same
# configuration runs in any account, region and pipeline.
provider "modelarts" {}
