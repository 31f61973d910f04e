#!/usr/bin/env bash
# Response compression benchmark: src/compress's gzip, brotli and zstd encoders on an HTML page,
# a JSON API response and a stylesheet (generated, about 100 KiB each, or the files given as
# arguments), streamed in 16 KiB pieces as the proxy does: ratio, MB/s of input per core and
# the memory an encoder holds, per algorithm and level. See bench/README.md.
#
# Builds bench/compression_bench (Release, -DRAMPART_BENCH=ON) and runs it. In process: no
# server, no port, no file written besides the build.
#
#   bench/compression.sh [FILE...]
#
# Environment (all optional):
#   BUILD_DIR    where to build (default /tmp/rampart-bench-compression-build)
#   BUDGET_MS    CPU milliseconds of each case's timed samples (default 1000)
#   PIECE_KIB    size of the pieces given to the encoder (default 16)
#   NO_INSTALL=1 never call apt-get
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-compression-build}"
BUDGET_MS="${BUDGET_MS:-1000}"
PIECE_KIB="${PIECE_KIB:-16}"
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
install_packages "${missing[@]}"

build_bench_programs compression_bench
echo "rampart compression bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(machine_line)"
echo "zlib $(pkg-config --modversion zlib 2>/dev/null || echo '?'), brotli" \
  "$(pkg-config --modversion libbrotlienc 2>/dev/null || echo '?'), zstd" \
  "$(pkg-config --modversion libzstd 2>/dev/null || echo '?')"
"$BUILD_DIR/bench/compression_bench" --budget-ms "$BUDGET_MS" --piece-kib "$PIECE_KIB" "$@"
