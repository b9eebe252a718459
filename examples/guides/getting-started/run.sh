# In a clone of the repository: build the provider and install it where
# terraform init finds it without a registry.
make install

# Your region, project and access key (My Credentials in the console).
export HW_REGION_NAME="eu-de"
export HW_PROJECT_ID="0123456789abcdef0123456789abcdef"
export HW_ACCESS_KEY="EXAMPLEACCESSKEYID"
export HW_SECRET_KEY="example-secret-access-key"

# In the directory of main.tf:
terraform init
terraform apply -auto-approve
terraform output -raw tensorboard_url
terraform destroy -auto-approve
