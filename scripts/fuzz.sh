#!/usr/bin/env bash
echo "scripts/fuzz.sh: not set up yet" >&2
exit 1
