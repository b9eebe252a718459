#!/usr/bin/env bash
echo "scripts/lint.sh: not set up yet" >&2
exit 1
