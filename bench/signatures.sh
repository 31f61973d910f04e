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

if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] &&
  ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$SRC_DIR" "$BUILD_DIR/CMakeCache.txt"; then
  die "$BUILD_DIR was configured from another source tree; set BUILD_DIR"
fi
# -Wno-maybe-uninitialized: at -O3, GCC 12 reports a false positive on the Where inside the
# PartValue temporaries of src/signatures/request_parts.cc, which -Werror turns into a failed
# Release build (-O2 builds do not see it).
configure() {
  cmake -S "$SRC_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMPART_BENCH=ON \
    -DRAMPART_TESTS=OFF -DCMAKE_CXX_FLAGS="-Wno-maybe-uninitialized" >"$BUILD_DIR.cmake.log" 2>&1
}
log "building signatures_bench (Release) in $BUILD_DIR"
if ! configure; then
  # The rest of rampart's build dependencies (libevent, yaml-cpp, spdlog, ModSecurity, ...).
  [[ "${NO_INSTALL:-0}" == 1 ]] && { tail -20 "$BUILD_DIR.cmake.log" >&2; die "cmake failed"; }
  log "cmake failed; installing rampart's build dependencies (scripts/install-deps.sh)"
  "$SRC_DIR/scripts/install-deps.sh" >&2
  configure || { tail -20 "$BUILD_DIR.cmake.log" >&2; die "cmake failed"; }
fi
ninja -C "$BUILD_DIR" signatures_bench >"$BUILD_DIR.ninja.log" 2>&1 ||
  { grep -A15 FAILED "$BUILD_DIR.ninja.log" | head -40 >&2; die "build failed"; }

load1="$(cut -d' ' -f1 /proc/loadavg)"
log "load average before the run: $load1"
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "warning: the machine is busy; the CPU-time figures hold up better than wall time"
fi

echo "rampart signatures bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs" \
  "($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), load average $load1;" \
  "Hyperscan $(pkg-config --modversion libhs), PCRE2 $(pkg-config --modversion libpcre2-8)," \
  "$("$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")" --version |
    head -1)"
"$BUILD_DIR/bench/signatures_bench" --synthetic "$SYNTHETIC" --seed "$SEED" \
  --budget-ms "$BUDGET_MS" --rounds "$ROUNDS" "$SRC_DIR"
