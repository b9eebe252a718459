#!/usr/bin/env bash
# make install: builds the provider with its semantic version (scripts/version.sh)
# and puts it into the implied local mirror of Terraform and of OpenTofu:
#
#   ~/.terraform.d/plugins/registry.terraform.io/tf-modelarts/modelarts/VERSION/OS_ARCH/
#   ~/.terraform.d/plugins/registry.opentofu.org/tf-modelarts/modelarts/VERSION/OS_ARCH/
#
# A configuration with source = "tf-modelarts/modelarts" and a version
# constraint that VERSION satisfies then passes `terraform init` (or
# `tofu init`) with no network and no CLI configuration, lock file included.
#
#   PLUGINS_DIR=/some/dir scripts/install.sh   another plugin directory (a
#                                              filesystem_mirror of a CLI configuration)
set -euo pipefail
cd "$(dirname "$0")/.."

GO="${GO:-go}"
version="${VERSION:-$(scripts/version.sh)}"
os_arch="$("$GO" env GOOS)_$("$GO" env GOARCH)"
plugins="${PLUGINS_DIR:-$HOME/.terraform.d/plugins}"
exe="terraform-provider-modelarts_v${version}"
case "$os_arch" in windows_*) exe="$exe.exe" ;; esac

work="$(mktemp -d "${TMPDIR:-/tmp}/modelarts-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "==> building terraform-provider-modelarts $version for $os_arch (the first build takes a few minutes)"
# No -trimpath: the build then shares Go's cache with go test and make demo.
"$GO" build -ldflags "-X main.version=${version}" -o "$work/$exe" .

for host in registry.terraform.io registry.opentofu.org; do
	dir="$plugins/$host/tf-modelarts/modelarts/$version/$os_arch"
	mkdir -p "$dir"
	# A directory holds one build: an older binary of the same version left
	# beside it would make the package's checksum differ from the lock file's.
	rm -f "$dir"/terraform-provider-modelarts*
	cp "$work/$exe" "$dir/$exe"
	chmod 0755 "$dir/$exe"
	echo "    $dir/$exe"
done
case "$version" in
*-*) hint="version = \"$version\" (a pre-release matches only an exact constraint)" ;;
*) hint="version = \"~> ${version%.*}\"" ;;
esac
echo "install: use it with source = \"tf-modelarts/modelarts\" and $hint"
