# On a cloud server or in a ModelArts notebook with an agency, the provider
# block can stay empty, like Session() in the SDK: the temporary keys, the
# region and the project come from the instance metadata service
# (http://169.254.169.254) and are renewed before they expire.
provider "modelarts" {}
