# The bundled emulator, started from the repository with
#   go run ./cmd/modelarts-emulator -seed examples/emulator/jobs.json
# It listens on http://127.0.0.1:8449 and accepts its public test identity,
# which is not a secret.
provider "modelarts" {
  region     = "eu-de"
  project_id = "0123456789abcdef0123456789abcdef"
  access_key = "EMULATORACCESSKEY"
  secret_key = "emulator-secret-key"
  auth_url   = "http://127.0.0.1:8449/v3"
  endpoints = {
    modelarts = "http://127.0.0.1:8449"
  }
}
