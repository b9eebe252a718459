#!/usr/bin/env bash
# make lint: golangci-lint v2 with .golangci.yml, then actionlint on
# .github/workflows/. The pinned versions are built from the Go module proxy on
# first use into a cache shared by every checkout (about 1.5 minutes for
# golangci-lint, half a minute for actionlint), then reused. bench/ is a module
# of its own and is not part of ./... here.
set -euo pipefail
cd "$(dirname "$0")/.."

GOLANGCI_LINT_VERSION="${GOLANGCI_LINT_VERSION:-v2.15.0}"
ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
bin="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-modelarts/bin"
lint="$bin/golangci-lint"

installed=""
if [ -x "$lint" ]; then
	installed="v$("$lint" version --short 2>/dev/null || true)"
fi
if [ "$installed" != "$GOLANGCI_LINT_VERSION" ]; then
	echo "lint: installing golangci-lint $GOLANGCI_LINT_VERSION into $bin" >&2
	mkdir -p "$bin"
	# Outside the module, so go.mod is neither read nor changed.
	(cd "${TMPDIR:-/tmp}" && GOBIN="$bin" GOFLAGS= go install \
		"github.com/golangci/golangci-lint/v2/cmd/golangci-lint@${GOLANGCI_LINT_VERSION}")
fi

actionlint="$bin/actionlint"
installed=""
if [ -x "$actionlint" ]; then
	# The first line is the version, "v1.7.12".
	installed="$("$actionlint" -version 2>/dev/null | head -n 1 || true)"
fi
if [ "$installed" != "$ACTIONLINT_VERSION" ]; then
	echo "lint: installing actionlint $ACTIONLINT_VERSION into $bin" >&2
	mkdir -p "$bin"
	(cd "${TMPDIR:-/tmp}" && GOBIN="$bin" GOFLAGS= go install \
		"github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}")
fi

"$lint" config verify
"$lint" run ./...
echo "lint: actionlint $ACTIONLINT_VERSION on .github/workflows/" >&2
"$actionlint" -no-color
