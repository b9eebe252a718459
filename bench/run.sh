#!/usr/bin/env bash
# make bench: builds bench/cmd/benchrun (its own Go module, so the provider
# gains no dependency) and runs it from bench/. It expects
# TF_ACC_TERRAFORM_PATH from scripts/tfenv.sh, which the GNUmakefile sources.
# BENCH_QUICK=1 makes a smoke run; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")"

bin="$(mktemp -d "${TMPDIR:-/tmp}/benchrun.XXXXXX")"
trap 'rm -rf "$bin"' EXIT

go build -o "$bin/benchrun" ./cmd/benchrun
start=$SECONDS
"$bin/benchrun" -root .. -out .
echo "bench: make bench took $((SECONDS - start)) s after building benchrun" >&2
