#!/usr/bin/env bash
# Prints the provider's semantic version (without the leading v): the latest
# vX.Y.Z tag reachable from HEAD, else the VERSION file. make build, make
# install and make demo stamp it into the binary (main.version); make install
# names the plugin directory after it, which a configuration's version
# constraint must match.
set -euo pipefail
cd "$(dirname "$0")/.."

semver='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
tag="$(git describe --tags --abbrev=0 --match 'v[0-9]*.[0-9]*.[0-9]*' 2>/dev/null || true)"
if [[ "${tag#v}" =~ $semver ]]; then
	echo "${tag#v}"
	exit 0
fi
version="$(tr -d '[:space:]' <VERSION)"
if [[ ! "$version" =~ $semver ]]; then
	echo "version: VERSION holds \"$version\", not a semantic version such as 0.2.0 or 0.2.0-dev" >&2
	exit 1
fi
echo "$version"
