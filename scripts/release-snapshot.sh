#!/usr/bin/env bash
# make release-snapshot: builds the registry-shaped release into dist/ with
# GoReleaser (.goreleaser.yml), without publishing or signing, then checks the
# layout. GoReleaser is built from the Go module proxy at a pinned version on
# first use into a cache shared by every checkout, then reused.
set -euo pipefail
cd "$(dirname "$0")/.."

GORELEASER_VERSION="${GORELEASER_VERSION:-v2.15.1}"
bin="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-modelarts/bin"
goreleaser="$bin/goreleaser"
stamp="$bin/goreleaser.version"

if [ ! -x "$goreleaser" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$GORELEASER_VERSION" ]; then
	echo "release-snapshot: installing goreleaser $GORELEASER_VERSION into $bin (a few minutes, once)" >&2
	mkdir -p "$bin"
	# Outside the module, so go.mod is neither read nor changed.
	(cd "${TMPDIR:-/tmp}" && GOBIN="$bin" GOFLAGS= go install \
		"github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}")
	echo "$GORELEASER_VERSION" >"$stamp"
fi

"$goreleaser" check
"$goreleaser" release --snapshot --clean --skip=publish,sign

# The registry layout: one zip per platform holding only the versioned
# binary, and checksums that cover the zips and the manifest.
name="terraform-provider-modelarts"
sums="$(ls dist/${name}_*_SHA256SUMS)"
version="$(basename "$sums")"
version="${version#"${name}_"}"
version="${version%_SHA256SUMS}"
# GoReleaser uploads the manifest under this name in a real release; copy it
# so that every line of the checksums can be verified here.
cp terraform-registry-manifest.json "dist/${name}_${version}_manifest.json"
(cd dist && sha256sum --check --strict "$(basename "$sums")")
for os_arch in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64 freebsd_amd64 freebsd_arm64; do
	zip="dist/${name}_${version}_${os_arch}.zip"
	exe="${name}_v${version}"
	case "$os_arch" in windows_*) exe="$exe.exe" ;; esac
	if [ ! -f "$zip" ]; then
		echo "release-snapshot: missing $zip" >&2
		exit 1
	fi
	if [ "$(unzip -Z1 "$zip")" != "$exe" ]; then
		echo "release-snapshot: $zip does not hold exactly $exe" >&2
		exit 1
	fi
done

echo "==> dist/ (version $version)"
ls -l dist/*.zip dist/*_SHA256SUMS dist/*_manifest.json
