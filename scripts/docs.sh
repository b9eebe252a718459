#!/usr/bin/env bash
echo "scripts/docs.sh: not set up yet" >&2
exit 1
