#!/usr/bin/env bash
echo "scripts/test-tofu.sh: not set up yet" >&2
exit 1
