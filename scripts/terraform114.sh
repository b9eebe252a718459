#!/usr/bin/env bash
# Prints the path of a Terraform v1.14 CLI on stdout (progress goes to
# stderr), building it once from the Go module proxy into a cache:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-modelarts/terraform-v1.14.9/terraform
#
# The list resource, action and identity tests need Terraform >= 1.14 and the
# docs need its `providers schema -json`; the rest of the suite runs with the
# CLI that scripts/tfenv.sh finds. `go install` of Terraform fails: its go.mod
# replaces the nested remote-state backend modules with directories that a
# module zip does not contain. So the build copies the module, removes those
# replace lines and the matching backend registrations (a test CLI needs only
# the local backend), and builds with -mod=mod. About a minute once the module
# is downloaded.
#
# Idempotent and safe when several processes run it at once: each builds into
# a directory of its own and renames the finished binary into place; rename is
# atomic, so a reader sees no binary or a whole one.
#
# TERRAFORM_114_VERSION overrides the pinned version (the proxy's version list
# stops at v1.13.3, but pinned versions resolve).
set -euo pipefail

version="${TERRAFORM_114_VERSION:-v1.14.9}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-modelarts/terraform-${version}"
bin="$cache/terraform"

if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

log() { echo "terraform114: $*" >&2; }

command -v go >/dev/null 2>&1 || {
	log "no go toolchain on PATH: cannot build Terraform ${version}"
	exit 1
}

mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT

log "building Terraform ${version} from the Go module proxy into $cache (about a minute)"
dir="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/terraform@${version}" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$dir" ] || [ ! -f "$dir/go.mod" ]; then
	log "could not download github.com/hashicorp/terraform@${version}"
	exit 1
fi

src="$work/src"
cp -R "$dir" "$src"
chmod -R u+w "$src"

# The nested modules that the zip lacks: the remote-state backends (except the
# in-tree http and inmem ones) and internal/legacy.
backends="azure consul cos gcs kubernetes oci oss pg s3"
for b in $backends; do
	sed -i "\#^replace github.com/hashicorp/terraform/internal/backend/remote-state/${b} =>#d" "$src/go.mod"
done
sed -i '\#^replace github.com/hashicorp/terraform/internal/legacy =>#d' "$src/go.mod"

init="$src/internal/backend/init/init.go"
# Each backend is imported once (backendAzure "…/remote-state/azure") and
# registered once ("azurerm": func() backend.Backend { return backendAzure.New() }).
for b in $backends; do
	sed -i "\#\"github.com/hashicorp/terraform/internal/backend/remote-state/${b}\"\$#d" "$init"
done
sed -i -E '/return backend(Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3)\.New\(\)/d' "$init"
if grep -q 'remote-state/\(azure\|consul\|cos\|gcs\|kubernetes\|oci\|oss\|pg\|s3\)"' "$init"; then
	log "internal/backend/init/init.go of ${version} has a shape this script does not know"
	exit 1
fi

(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
	-ldflags "-X github.com/hashicorp/terraform/version.dev=no" -o "$work/terraform" .) >&2 || {
	log "go build of Terraform ${version} failed"
	exit 1
}
"$work/terraform" version >/dev/null 2>&1 || {
	log "the built Terraform ${version} does not run"
	exit 1
}
mv -f "$work/terraform" "$bin"
log "built $bin"
echo "$bin"
