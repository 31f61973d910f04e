#!/usr/bin/env bash
# Prints the API-key file line "NAME:sha256:<hex>" for a key read from stdin (one line; its
# trailing newline is not part of the key). The key itself is never printed or stored:
#   scripts/hash-api-key.sh billing-service < key.txt >> api-keys.txt
#   openssl rand -hex 32 | tee /dev/stderr | scripts/hash-api-key.sh ci-bot >> api-keys.txt
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 NAME   (reads the key from stdin)" >&2
  exit 2
fi
name=$1
if ! [[ $name =~ ^[A-Za-z0-9_.-]+$ ]]; then
  echo "$0: bad name (use letters, digits, '_', '.', '-')" >&2
  exit 2
fi

key=""
if [ -t 0 ]; then
  IFS= read -r -s -p "API key for $name: " key || true
  echo >&2
else
  IFS= read -r key || true
fi
key=${key%$'\r'}
if [ -z "$key" ]; then
  echo "$0: empty key" >&2
  exit 1
fi

digest=$(printf '%s' "$key" | sha256sum)
printf '%s:sha256:%s\n' "$name" "${digest%% *}"
