#!/usr/bin/env bash
# Cache-hit benchmark: rampart's route cache against nginx's proxy_cache, in one run, both in
# front of the same loopback backend (one nginx worker answering a fixed body), loaded with wrk.
# Four targets: nginx and rampart as plain proxies, and nginx and rampart with their caches
# (every measured request is a hit: the warm-up fills the one key). Prints requests/s, p50/p99,
# server CPU time per request and peak RSS, with rampart/nginx ratios. See bench/README.md.
#
# Everything listens on 127.0.0.1 on ports the kernel picks; every process started is stopped
# on exit; nothing outside the run's temporary directory is written.
#
# Environment (all optional):
#   RAMPART_BIN   use this rampart binary instead of building one (Release) in BUILD_DIR
#   BUILD_DIR     default /tmp/rampart-bench-build
#   WORKERS       rampart workers and nginx worker_processes (default 2)
#   DURATION      seconds of each measured run (default 5); WARMUP seconds before it (default 1)
#   ROUNDS        rounds over the four targets, order rotated; medians (default 5)
#   THREADS / CONNECTIONS   wrk -t / -c (default 2 / 64)
#   BODY_BYTES    the backend's body size (default 1024)
#   TASKSET       CPU list applied to every server (default: none)
#   NO_INSTALL=1  never call apt-get;  KEEP_TMP=1 keep the temporary directory
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-build}"
WORKERS="${WORKERS:-2}"
DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
ROUNDS="${ROUNDS:-5}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
BODY_BYTES="${BODY_BYTES:-1024}"
TASKSET="${TASKSET:-}"
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

need_install=()
command -v nginx >/dev/null 2>&1 || need_install+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
mapfile -t -O "${#need_install[@]}" need_install < <(build_tools_missing)
install_packages "${need_install[@]}"
NGINX="$(command -v nginx)"
WRK="$(command -v wrk)"
build_rampart
make_tmp rampart-bench-cache
CLK_TCK="$(getconf CLK_TCK)"

# The backend: one nginx worker, a fixed body, no Cache-Control (both caches use their own
# lifetime for it: proxy_cache_valid / the route's ttl).
BODY="$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')"
PORT[backend]="$(free_port)"
mkdir -p "$TMP/backend"
cat >"$TMP/backend/nginx.conf" <<EOF
$(nginx_user)
daemon off;
worker_processes 1;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  keepalive_requests 1000000;
  $(nginx_temp_paths "$TMP/backend")
  server {
    listen 127.0.0.1:${PORT[backend]};
    location / { return 200 "$BODY"; }
  }
}
EOF
"$NGINX" -p "$TMP/backend" -c "$TMP/backend/nginx.conf" -e "$TMP/backend/error.log" \
  >"$TMP/backend/stdout.log" 2>&1 &
await_started backend "$TMP/backend/error.log" "backend nginx"

start_rampart() {  # name cache(on|off)
  local name="$1" dir="$TMP/$1" cache=""
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  [[ "$2" == on ]] && cache="cache: {ttl: 1h}"
  cat >"$dir/rampart.yaml" <<EOF
workers: $WORKERS
listen: [{address: 127.0.0.1:${PORT[$name]}}]
pools:
  app:
    servers: [{address: 127.0.0.1:${PORT[backend]}}]
    keepalive: {idle: 64}
routes:
  - match: {path_prefix: /}
    pool: app
    $cache
timeouts: {drain: 1s}
logging: {level: warn}
EOF
  check_rampart_config "$dir"
  pin "$RAMPART_BIN" run -c "$dir/rampart.yaml" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/stdout.log" rampart
}

start_nginx() {  # name cache(on|off)
  local name="$1" dir="$TMP/$1" zone="" use=""
  mkdir -p "$dir/cache"
  PORT[$name]="$(free_port)"
  if [[ "$2" == on ]]; then
    zone="proxy_cache_path $dir/cache levels=1:2 keys_zone=bench:10m max_size=256m inactive=1h;"
    use="proxy_cache bench; proxy_cache_valid 200 1h; proxy_cache_lock on;"
  fi
  cat >"$dir/nginx.conf" <<EOF
$(nginx_user)
daemon off;
worker_processes $WORKERS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  keepalive_requests 10000;
  $(nginx_temp_paths "$dir")
  $zone
  upstream backend {
    server 127.0.0.1:${PORT[backend]};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${PORT[$name]} reuseport;
    $use
$(nginx_proxy_location)
  }
}
EOF
  pin "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/error.log" nginx
}

TARGETS=(nginx-proxy nginx-cache rampart-proxy rampart-cache)
start_nginx nginx-proxy off
start_nginx nginx-cache on
start_rampart rampart-proxy off
start_rampart rampart-cache on
for t in "${TARGETS[@]}"; do check_200 "http://127.0.0.1:${PORT[$t]}/page"; done
# Both caches answer from their store from the second request on.
curl -s -o /dev/null -D "$TMP/rampart-hit.txt" "http://127.0.0.1:${PORT[rampart-cache]}/page"
grep -qi '^age:' "$TMP/rampart-hit.txt" || die "rampart-cache did not answer from its cache"

declare -A RPS P50 P99 CPU ERRS
measure() {  # target
  local t="$1" out="$TMP/wrk-$1-$RANDOM.txt" url="http://127.0.0.1:${PORT[$1]}/page"
  "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
  local before after requests
  before=$(cpu_ticks "${PID[$t]}")
  "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed for $t"; }
  after=$(cpu_ticks "${PID[$t]}")
  requests=$(awk '/ requests in / { print $1 }' "$out")
  RPS[$t]+=" $(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")"
  P50[$t]+=" $(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
  P99[$t]+=" $(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
  CPU[$t]+=" $(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="${requests:-0}" \
    'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print 0 }')"
  ERRS[$t]+=" $(($(awk '/Non-2xx/ { print $NF }' "$out" || echo 0) + 0))"
  log "$(printf '%-14s %8s req/s' "$t" "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")")"
}

MACHINE="$(machine_line)"
for ((round = 0; round < ROUNDS; round++)); do
  for ((i = 0; i < ${#TARGETS[@]}; i++)); do
    measure "${TARGETS[$(((i + round) % ${#TARGETS[@]}))]}"
  done
done

echo "cache hits: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s GET /page" \
  "(${BODY_BYTES}-byte body), medians; $WORKERS workers each"
echo "$MACHINE"
printf '%-14s %10s %9s %9s %12s %10s %7s\n' target "req/s" "p50 ms" "p99 ms" "CPU us/req" \
  "peak MiB" errors
for t in "${TARGETS[@]}"; do
  printf '%-14s %10s %9s %9s %12s %10s %7s\n' "$t" "$(median "${RPS[$t]}" %.0f)" \
    "$(median "${P50[$t]}")" "$(median "${P99[$t]}")" "$(median "${CPU[$t]}" %.1f)" \
    "$(mib "$(peak_rss_kib "${PID[$t]}")")" "$(total "${ERRS[$t]}")"
done
r() { median "${RPS[$1]}" %.0f; }
c() { median "${CPU[$1]}" %.1f; }
echo
echo "rampart-cache / nginx-cache req/s: $(ratio "$(r rampart-cache)" "$(r nginx-cache)")x;" \
  "CPU per request: $(ratio "$(c rampart-cache)" "$(c nginx-cache)")x"
echo "rampart-proxy / nginx-proxy req/s: $(ratio "$(r rampart-proxy)" "$(r nginx-proxy)")x"
echo "rampart-cache / rampart-proxy req/s: $(ratio "$(r rampart-cache)" "$(r rampart-proxy)")x"
