#!/usr/bin/env bash
# Runs the provider's acceptance tests under OpenTofu, even where terraform is on
# PATH. OpenTofu is built from the Go module proxy by scripts/tfenv.sh's
# tfenv_build_tofu (the same build .ci/run falls back to) and cached in
# ${XDG_CACHE_HOME:-~/.cache}/terraform-provider-modelarts/tofu-<version>, so only the
# first run pays for the build (about 2.5 minutes).
#
#   scripts/test-tofu.sh                          every provider test
#   scripts/test-tofu.sh -run TestVisualization   extra go test flags are passed on
#   OPENTOFU_VERSION=v1.12.6 scripts/test-tofu.sh the version to build (tfenv.sh's default)
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1

tofu="$(
	# Sourcing tfenv.sh would pick terraform when it is on PATH: a path set beforehand
	# skips that search, and only its tfenv_build_tofu is used here.
	TF_ACC_TERRAFORM_PATH=/nonexistent/tfenv-detection-skipped
	# shellcheck source=scripts/tfenv.sh
	source scripts/tfenv.sh
	tfenv_build_tofu
)"
echo "test-tofu: using $tofu ($("$tofu" version 2>/dev/null | grep -m 1 "^OpenTofu" || true))" >&2

export TF_ACC_TERRAFORM_PATH="$tofu"
export TF_ACC_PROVIDER_HOST=registry.opentofu.org
${GO:-go} test -count=1 -timeout "${TEST_TIMEOUT:-20m}" "$@" ./internal/provider/...
