# The pipeline's configuration stays as it is: these variables point the
# provider at the emulator started by the step before, with its public test
# identity (not a secret).
export HW_REGION_NAME="eu-de"
export HW_PROJECT_ID="0123456789abcdef0123456789abcdef"
export HW_ACCESS_KEY="EMULATORACCESSKEY"
export HW_SECRET_KEY="emulator-secret-key"
export HW_MODELARTS_ENDPOINT="http://127.0.0.1:8449"
export HW_AUTH_URL="http://127.0.0.1:8449/v3"
terraform init
terraform apply -auto-approve
