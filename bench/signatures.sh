#!/usr/bin/env bash
# Signature engine benchmark: scan cost per request of rampart's Hyperscan databases against
# the same patterns matched one by one with PCRE2 (JIT), for the shipped packs and for 10,000
# synthetic signatures, in one run; the load time of each set compiled, compiled and written to
# the on-disk cache, and read from it; and a cross-check that both engines find the same
# signatures in every request of the benign and attack corpora. See bench/README.md.
#
# Builds bench/signatures_bench (Release, -DRAMPART_BENCH=ON) and runs it on this tree. No
# process is left behind and no port is used; the cache files go to a mktemp -d directory that
# the program removes.
#
# Environment (all optional):
#   BUILD_DIR    where to build (default /tmp/rampart-bench-sig-build)
#   SYNTHETIC    how many synthetic signatures (default 10000; 0 skips the set)
#   SEED         seed of the synthetic set (default 20261123)
#   BUDGET_MS    CPU milliseconds of each timed measurement, at least one pass over the
#                benign corpus (default 1000)
#   ROUNDS       rounds of the four measurements per set; medians reported (default 3)
#   NO_INSTALL=1 never call apt-get
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-sig-build}"
SYNTHETIC="${SYNTHETIC:-10000}"
SEED="${SEED:-20261123}"
BUDGET_MS="${BUDGET_MS:-1000}"
ROUNDS="${ROUNDS:-3}"
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists libhs 2>/dev/null || missing+=(libhyperscan-dev)
pkg-config --exists libpcre2-8 2>/dev/null || missing+=(libpcre2-dev)
install_packages "${missing[@]}"

build_bench_programs signatures_bench
echo "rampart signatures bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(machine_line)," \
  "Hyperscan $(pkg-config --modversion libhs), PCRE2 $(pkg-config --modversion libpcre2-8)"
"$BUILD_DIR/bench/signatures_bench" --synthetic "$SYNTHETIC" --seed "$SEED" \
  --budget-ms "$BUDGET_MS" --rounds "$ROUNDS" "$SRC_DIR"
