#!/usr/bin/env bash
echo "scripts/release-snapshot.sh: not set up yet" >&2
exit 1
