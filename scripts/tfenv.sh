# shellcheck shell=bash
# Sourced by the GNUmakefile and .ci/run: finds a Terraform CLI for the
# acceptance tests, the demo and the docs, and exports TF_ACC_TERRAFORM_PATH
# (plus TF_ACC_PROVIDER_HOST for OpenTofu). Order: TF_ACC_TERRAFORM_PATH if
# already set, terraform on PATH, tofu on PATH, then OpenTofu built from the Go
# module proxy into a cache (about 2.5 minutes the first time, then reused).

export CHECKPOINT_DISABLE=1
OPENTOFU_VERSION="${OPENTOFU_VERSION:-v1.12.6}"

tfenv_build_tofu() {
	local cache="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-modelarts/tofu-${OPENTOFU_VERSION}"
	if [ ! -x "$cache/tofu" ]; then
		echo "tfenv: no terraform on PATH; building OpenTofu ${OPENTOFU_VERSION} from the Go module proxy into $cache" >&2
		local dir
		dir="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@${OPENTOFU_VERSION}" |
			sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
		if [ -z "$dir" ]; then
			echo "tfenv: could not download github.com/opentofu/opentofu@${OPENTOFU_VERSION}" >&2
			return 1
		fi
		mkdir -p "$cache"
		(cd "$dir" && go build -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$cache/tofu" ./cmd/tofu) >&2 || return 1
	fi
	echo "$cache/tofu"
}

if [ -z "${TF_ACC_TERRAFORM_PATH:-}" ]; then
	if command -v terraform >/dev/null 2>&1; then
		TF_ACC_TERRAFORM_PATH="$(command -v terraform)"
	elif command -v tofu >/dev/null 2>&1; then
		TF_ACC_TERRAFORM_PATH="$(command -v tofu)"
	else
		TF_ACC_TERRAFORM_PATH="$(tfenv_build_tofu)" || return 1 2>/dev/null || exit 1
	fi
fi
export TF_ACC_TERRAFORM_PATH
case "$(basename "$TF_ACC_TERRAFORM_PATH")" in
tofu*) export TF_ACC_PROVIDER_HOST="${TF_ACC_PROVIDER_HOST:-registry.opentofu.org}" ;;
esac
