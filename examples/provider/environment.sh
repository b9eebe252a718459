# The variables of an AK/SK configuration. Use HW_AUTH_TOKEN for a token, or
# HW_USER_NAME, HW_USER_PASSWORD and HW_DOMAIN_NAME for a password instead.
export HW_REGION_NAME="eu-de"
export HW_PROJECT_ID="0123456789abcdef0123456789abcdef"
export HW_ACCESS_KEY="EXAMPLEACCESSKEYID"
export HW_SECRET_KEY="example-secret-access-key"
terraform plan
