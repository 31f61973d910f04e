#!/usr/bin/env bash
# Installs the Debian 12 packages rampart builds, runs and tests with (--tests: also chromium and
# node, for the test suite). Idempotent.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl
  libevent-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libcli11-dev libmimalloc-dev
  libpcre2-dev libssl-dev nlohmann-json3-dev libcrypt-dev libgtest-dev libgmock-dev
  libmodsecurity-dev modsecurity-crs libhyperscan-dev libyajl-dev
  libmaxminddb-dev libmaxmind-db-writer-perl libhiredis-dev redis-server
  libnghttp2-dev libcurl4-openssl-dev zlib1g-dev libbrotli-dev libzstd-dev
  clang libclang-rt-14-dev clang-format clang-tidy
)
# `--tests`: what only the test suite needs — a real browser for the bot challenge's end-to-end
# tests, node for the challenge page's JavaScript test, Let's Encrypt's test CA (pebble) for the
# ACME tests, and HTTP/2 and TLS clients (nghttp, curl, testssl.sh) for the TLS tests.
if [ "${1:-}" = "--tests" ]; then
  PACKAGES+=(chromium nodejs pebble nghttp2-client testssl.sh)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
