#!/usr/bin/env bash
# Authentication benchmark: the cost per request of src/auth's checks, in process: JWT
# verification (HS256, RS256, PS256, ES256, EdDSA), an API key lookup in a file of 1000 keys,
# and htpasswd passwords against bcrypt (cost 10) and SHA-512 crypt hashes. See
# bench/README.md.
#
# Builds bench/auth_bench (Release, -DRAMPART_BENCH=ON) and runs it. Keys are generated at run
# time; no process is left behind and no port is used; the program's files go to a mktemp -d
# directory that it removes.
#
# Environment (all optional):
#   BUILD_DIR    where to build (default /tmp/rampart-bench-auth-build)
#   BUDGET_MS    CPU milliseconds of each case's timed samples (default 1000)
#   NO_INSTALL=1 never call apt-get
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-auth-build}"
BUDGET_MS="${BUDGET_MS:-1000}"
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
install_packages "${missing[@]}"

build_bench_programs auth_bench
echo "rampart auth bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(machine_line)"
"$BUILD_DIR/bench/auth_bench" --budget-ms "$BUDGET_MS"
