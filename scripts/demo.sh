#!/usr/bin/env bash
# make demo: builds the provider and the emulator, starts the emulator with
# examples/emulator/jobs.json, and runs `terraform plan` on examples/demo with a
# generated dev_overrides CLI configuration (no `terraform init`, no registry).
# The emulator is stopped whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

TF="${TF_ACC_TERRAFORM_PATH:-terraform}"
work="$(mktemp -d "${TMPDIR:-/tmp}/modelarts-demo.XXXXXX")"
emulator_pid=""
cleanup() {
	if [ -n "$emulator_pid" ]; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "==> building terraform-provider-modelarts and modelarts-emulator"
go build -o "$work/plugins/terraform-provider-modelarts" .
go build -o "$work/modelarts-emulator" ./cmd/modelarts-emulator

echo "==> starting the emulator with examples/emulator/jobs.json"
"$work/modelarts-emulator" -listen 127.0.0.1:0 -seed examples/emulator/jobs.json >"$work/emulator.log" 2>&1 &
emulator_pid=$!
url=""
for _ in $(seq 1 100); do
	url="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/emulator.log" | head -n 1 || true)"
	[ -n "$url" ] && break
	if ! kill -0 "$emulator_pid" 2>/dev/null; then
		cat "$work/emulator.log" >&2
		echo "demo: the emulator exited" >&2
		exit 1
	fi
	sleep 0.1
done
if [ -z "$url" ]; then
	cat "$work/emulator.log" >&2
	echo "demo: the emulator did not print its URL" >&2
	exit 1
fi
echo "    emulator listening on $url"

cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "tf-modelarts/modelarts" = "$work/plugins"
  }
  direct {}
}
CFG

# The emulator's default identity: public test values, not real secrets.
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
export HW_PROJECT_ID=0123456789abcdef0123456789abcdef
export HW_ACCESS_KEY=EMULATORACCESSKEY
export HW_SECRET_KEY=emulator-secret-key
export TF_VAR_modelarts_endpoint="$url"

color=""
[ -t 1 ] || color="-no-color"
echo "==> $TF plan (examples/demo)"
"$TF" -chdir=examples/demo plan -input=false -lock=false $color
