#!/usr/bin/env bash
# Side-by-side benchmark: rampart, nginx and HAProxy as plain reverse proxies in front of the
# same loopback backend, each loaded with wrk in the same run. Prints requests/s, p50/p99
# latency, peak RSS, and the rampart/nginx and rampart/haproxy ratios; then, in a section of its
# own, the new upstream connections each proxy opens per 1,000 requests. See bench/README.md.
#
# Everything listens on 127.0.0.1 only; every process this script starts is stopped on exit.
# Nothing under /etc is read or written and no system service is started or stopped.
#
# Environment (all optional):
#   RAMPART_BIN       use this rampart binary instead of building one
#   BUILD_DIR         where to build rampart (default /tmp/rampart-bench-build)
#   DURATION          seconds of measured load per run, small responses (default 5)
#   ROUNDS            rounds over all targets, small responses; medians reported (default 3)
#   WARMUP            seconds of warm-up load before each measured run (default 1)
#   LARGE_DURATION    seconds of load per 1 MiB case, one run each (default 4; 0 skips them)
#   THREADS           wrk threads (default 2)
#   CONNECTIONS       wrk connections, small responses (default 64)
#   LARGE_CONNECTIONS wrk connections, 1 MiB cases (default 16)
#   TASKSET           CPU list applied the same way to every proxy, e.g. "1" (default: none)
#   REUSE_DURATION    seconds of load per target in the upstream connection-reuse section
#                     (default 5; 0 skips the section)
#   REUSE_CONNECTIONS wrk connections in that section (default: CONNECTIONS)
#   REUSE_ROUNDS      rounds over all targets in that section (default 3)
#   REUSE_IDLE        idle upstream connections each proxy worker keeps there (default 32)
#   REUSE_CHURN_REQUESTS  keepalive_requests of the backend in the section's churn variant,
#                     after which the backend closes a connection (default 100; 0 skips it)
#   NO_INSTALL=1      never call apt-get
#   KEEP_TMP=1        keep the temporary directory (configs, logs, wrk outputs)
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-1}"
LARGE_DURATION="${LARGE_DURATION:-4}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
LARGE_CONNECTIONS="${LARGE_CONNECTIONS:-16}"
TASKSET="${TASKSET:-}"
REUSE_DURATION="${REUSE_DURATION:-5}"
REUSE_CONNECTIONS="${REUSE_CONNECTIONS:-$CONNECTIONS}"
REUSE_ROUNDS="${REUSE_ROUNDS:-3}"
REUSE_IDLE="${REUSE_IDLE:-32}"
REUSE_CHURN_REQUESTS="${REUSE_CHURN_REQUESTS:-100}"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-build}"

# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

# ---------------------------------------------------------------------------------------------
# Tools

need_install=()
command -v nginx >/dev/null 2>&1 || need_install+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v haproxy >/dev/null 2>&1 || need_install+=(haproxy)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
mapfile -t -O "${#need_install[@]}" need_install < <(build_tools_missing)
install_packages "${need_install[@]}"
NGINX="$(command -v nginx)"
HAPROXY="$(command -v haproxy)"
WRK="$(command -v wrk)"

build_rampart

# ---------------------------------------------------------------------------------------------
# Process bookkeeping (bench/lib.sh): every process we start is recorded and stopped on exit.

make_tmp rampart-bench

# ---------------------------------------------------------------------------------------------
# Backend: one nginx worker serving a fixed 1 KiB body, a 1 MiB file and a POST sink.

BODY_1K="$(head -c 1024 /dev/zero | tr '\0' 'x')"
BACKEND_PORT="$(free_port)"
mkdir -p "$TMP/backend/www"
head -c 1048576 /dev/zero | tr '\0' 'y' >"$TMP/backend/www/large.bin"
cat >"$TMP/backend/nginx.conf" <<EOF
$(nginx_user)
daemon off;
master_process on;
worker_processes 1;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_max_body_size 4m;
  $(nginx_temp_paths "$TMP/backend")
  upstream self { server 127.0.0.1:$BACKEND_PORT; keepalive 16; }
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    root $TMP/backend/www;
    location = / { return 200 "$BODY_1K"; }
    location = /large.bin { }
    # The sink reads the whole body before it answers (a bare "return" answers first and
    # discards the body, and a proxy then has to close the client connection mid-upload):
    # the body is buffered in memory, then a body-less subrequest to /ok makes the answer.
    location = /upload {
      client_body_buffer_size 2m;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://self/ok;
    }
    location = /ok { return 200 "ok\n"; }
  }
}
EOF
"$NGINX" -p "$TMP/backend" -c "$TMP/backend/nginx.conf" -e "$TMP/backend/error.log" \
  >"$TMP/backend/stdout.log" 2>&1 &
BACKEND_PID=$!
PIDS+=("$BACKEND_PID")
wait_port "$BACKEND_PORT" "$BACKEND_PID" || { cat "$TMP/backend/error.log" >&2; die "backend"; }

# ---------------------------------------------------------------------------------------------
# Proxies, all started once; each sits idle while another is loaded. start_<proxy> NAME sets
# PORT[NAME], PID[NAME] and ALOG[NAME] (its access log file, or "").

declare -A PORT PID ALOG

start_rampart() {  # name "on"|"off" (access log)
  local name="$1" dir="$TMP/$1"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  ALOG[$name]=""
  local logging="logging: {level: warn}"
  if [[ "$2" == on ]]; then
    ALOG[$name]="$dir/access.log"
    logging="logging: {access_log: ${ALOG[$name]}, level: warn}"
  fi
  cat >"$dir/rampart.yaml" <<EOF
workers: 2
listen: [{address: 127.0.0.1:${PORT[$name]}}]
pools:
  app:
    servers: [{address: 127.0.0.1:$BACKEND_PORT}]
    keepalive: {idle: 64}  # as nginx's "keepalive 64"
routes: [{match: {path_prefix: /}, pool: app}]
timeouts: {drain: 1s}
$logging
EOF
  check_rampart_config "$dir"
  pin "$RAMPART_BIN" run -c "$dir/rampart.yaml" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/stdout.log" rampart
}

start_nginx() {  # name
  local name="$1" dir="$TMP/$1"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  ALOG[$name]="$dir/access.log"
  cat >"$dir/nginx.conf" <<EOF
$(nginx_user)
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${ALOG[$name]};  # the default "combined" format, unbuffered: a write per request
  default_type application/octet-stream;
  keepalive_requests 10000;  # rampart's max_requests_per_connection default
  client_max_body_size 4m;
  $(nginx_temp_paths "$dir")
  upstream backend {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${PORT[$name]} reuseport;  # rampart's listeners are SO_REUSEPORT too
$(nginx_proxy_location)
  }
}
EOF
  pin "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/error.log" nginx
}

start_haproxy() {  # name
  local name="$1" dir="$TMP/$1"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  ALOG[$name]="$dir/access.log"
  cat >"$dir/haproxy.cfg" <<EOF
global
  nbthread 2
  maxconn 4096
  log stdout format raw local0 info
defaults
  mode http
  log global
  option httplog
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  timeout http-keep-alive 60s
frontend fe
  bind 127.0.0.1:${PORT[$name]}
  # The headers rampart adds.
  unique-id-format %[uuid()]
  unique-id-header X-Request-Id
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  http-request add-header Via "1.1 haproxy"
  http-response set-header X-Request-Id %[unique-id]
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND_PORT
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg" >"$dir/check.log" 2>&1 ||
    { cat "$dir/check.log" >&2; die "haproxy config check failed"; }
  # HAProxy has no file logger: its log goes to stdout, which is redirected to a file.
  pin "$HAPROXY" -db -f "$dir/haproxy.cfg" >"${ALOG[$name]}" 2>"$dir/stderr.log" &
  await_started "$name" "$dir/stderr.log" haproxy
}

# ---------------------------------------------------------------------------------------------
# Load and measurement

cat >"$TMP/post_1m.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("z", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

# Keyed "case/target"; RPS, P50, P99 and ERRS hold one value per run, space-separated.
declare -A RPS P50 P99 ERRS CPU RSS
CLK_TCK="$(getconf CLK_TCK)"

RUN_SEQ=0
# measure case target url seconds connections [wrk args...]: a warm-up, then a measured run.
measure() {
  local c="$1" target="$2" url="$3" secs="$4" conns="$5"
  shift 5
  RUN_SEQ=$((RUN_SEQ + 1))
  local key="$c/$target" out="$TMP/wrk-$RUN_SEQ-$c-$target.txt"
  if ((WARMUP > 0)); then
    "$WRK" -t"$THREADS" -c"$conns" -d"${WARMUP}s" "$@" "$url" >/dev/null 2>&1 || true
  fi
  local ticks_before ticks_after
  ticks_before=$(cpu_ticks "${PID[$target]}")
  "$WRK" -t"$THREADS" -c"$conns" -d"${secs}s" --latency "$@" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed for $key"; }
  ticks_after=$(cpu_ticks "${PID[$target]}")
  local rps p50 p99 non2xx sock errs requests cpu_us
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  requests=$(awk '/ requests in / { print $1 }' "$out")
  # CPU time the target used per request: steadier than req/s when other work shares the CPUs.
  cpu_us=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$CLK_TCK" -v n="${requests:-0}" \
    'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print 0 }')
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$out")
  sock=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
  errs=$((${non2xx:-0} + ${sock:-0}))
  RPS[$key]+=" $rps"
  P50[$key]+=" $p50"
  P99[$key]+=" $p99"
  ERRS[$key]+=" $errs"
  CPU[$key]+=" $cpu_us"
  log "$(printf '%-22s %7s req/s  p50 %8s ms  p99 %8s ms  %7s CPU us/req  errors %s' "$key" \
    "$rps" "$p50" "$p99" "$cpu_us" "$errs")"
}

record_rss() {  # case targets...: peak RSS of each since its start
  local c="$1" t
  shift
  for t in "$@"; do RSS[$c/$t]=$(peak_rss_kib "${PID[$t]}"); done
}

PROXIES=(rampart rampart-nolog nginx haproxy)
SMALL_TARGETS=(backend-direct "${PROXIES[@]}")
LARGE_PROXIES=(rampart nginx haproxy)

read -r LOAD1 _ </proc/loadavg
if awk -v l="$LOAD1" 'BEGIN { exit !(l > 0.5) }'; then
  log "warning: load average is $LOAD1 before the run: other processes share the CPUs, so" \
    "expect noisy numbers"
fi

start_rampart rampart on
start_rampart rampart-nolog off
start_nginx nginx
start_haproxy haproxy
PID[backend-direct]=$BACKEND_PID
PORT[backend-direct]=$BACKEND_PORT
ALOG[backend-direct]=""
for t in "${SMALL_TARGETS[@]}"; do check_200 "http://127.0.0.1:${PORT[$t]}/"; done
log "backend nginx on 127.0.0.1:$BACKEND_PORT; $(nproc) CPUs; $ROUNDS rounds of wrk" \
  "-t$THREADS -c$CONNECTIONS -d${DURATION}s (+${WARMUP}s warm-up), order rotated each round"

# Rounds with a rotating order, so that drift in the machine's load hits every target alike.
n=${#SMALL_TARGETS[@]}
for ((r = 0; r < ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do
    t="${SMALL_TARGETS[$(((i + r) % n))]}"
    measure small "$t" "http://127.0.0.1:${PORT[$t]}/" "$DURATION" "$CONNECTIONS"
  done
done
record_rss small "${SMALL_TARGETS[@]}"

if ((LARGE_DURATION > 0)); then
  for t in "${LARGE_PROXIES[@]}"; do
    check_200 "http://127.0.0.1:${PORT[$t]}/large.bin"
    measure get1m "$t" "http://127.0.0.1:${PORT[$t]}/large.bin" "$LARGE_DURATION" \
      "$LARGE_CONNECTIONS"
  done
  for t in "${LARGE_PROXIES[@]}"; do
    measure post1m "$t" "http://127.0.0.1:${PORT[$t]}/upload" "$LARGE_DURATION" \
      "$LARGE_CONNECTIONS" -s "$TMP/post_1m.lua"
  done
  record_rss large "${LARGE_PROXIES[@]}"
fi

sleep 1.2  # rampart flushes its asynchronous access log every second
for t in "${PROXIES[@]}"; do
  if [[ -n "${ALOG[$t]}" ]]; then log "$t access log: $(wc -l <"${ALOG[$t]}") lines"; fi
done

# ---------------------------------------------------------------------------------------------
# Upstream connection reuse: how many connections each proxy opens to its backend per 1,000
# requests. Every target gets a fresh backend nginx of its own, so that this backend's
# stub_status "accepts" counter (exact, in shared memory) counts that one proxy's connections.
# The proxies here are separate, minimal instances (no access log, no extra headers) with the
# same pool: REUSE_IDLE idle connections per worker, 2 workers, 60 s idle timeout.

declare -A STATUS_PORT REUSE_REQS REUSE_RPS REUSE_WARM REUSE_NEW REUSE_RATE REUSE_ERRS
REUSE_TARGETS=(backend-direct rampart nginx haproxy)

start_counting_backend() {  # name keepalive_requests: a 1 KiB "GET /" and a stub_status port
  local name="$1" dir="$TMP/$1"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  STATUS_PORT[$name]="$(free_port)"
  cat >"$dir/nginx.conf" <<CONF
$(nginx_user)
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  keepalive_timeout 75s;  # longer than every proxy's 60 s, so the proxies close idle ones
  keepalive_requests $2;  # the backend closes a connection after this many requests
  $(nginx_temp_paths "$dir")
  server {
    listen 127.0.0.1:${PORT[$name]};
    location = / { return 200 "$BODY_1K"; }
  }
  server {
    listen 127.0.0.1:${STATUS_PORT[$name]};
    location = /status { stub_status; }
  }
}
CONF
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/error.log" "counting backend $name" "${STATUS_PORT[$name]}"
}

# Connections the backend has accepted so far. The counter is process-wide, so it includes
# this status request's own connection: a difference of two reads is one too many.
backend_accepts() {  # backend name
  local n
  n=$(curl -s --max-time 5 "http://127.0.0.1:${STATUS_PORT[$1]}/status" |
    awk 'NR == 3 { print $1 }')
  [[ "$n" =~ ^[0-9]+$ ]] || die "no stub_status from backend $1"
  echo "$n"
}

start_reuse_rampart() {  # name backend
  local name="$1" dir="$TMP/$1"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  cat >"$dir/rampart.yaml" <<CONF
workers: 2
listen: [{address: 127.0.0.1:${PORT[$name]}}]
pools:
  app:
    servers: [{address: 127.0.0.1:${PORT[$2]}}]
    keepalive: {idle: $REUSE_IDLE, timeout: 60s}  # per worker, as nginx's "keepalive N"
routes: [{match: {path_prefix: /}, pool: app}]
timeouts: {drain: 1s}
logging: {level: warn}
CONF
  check_rampart_config "$dir"
  pin "$RAMPART_BIN" run -c "$dir/rampart.yaml" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/stdout.log" rampart
}

start_reuse_nginx() {  # name backend
  local name="$1" dir="$TMP/$1"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  cat >"$dir/nginx.conf" <<CONF
$(nginx_user)
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000;  # client side: rampart's max_requests_per_connection default
  $(nginx_temp_paths "$dir")
  upstream backend {
    server 127.0.0.1:${PORT[$2]};
    keepalive $REUSE_IDLE;  # idle connections kept per worker
    keepalive_timeout 60s;
    # The default, 1000, would close every upstream connection after 1000 requests and add
    # 1 per 1,000 on its own; rampart has no such cap, so nginx gets none either.
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${PORT[$name]} reuseport;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  pin "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/error.log" nginx
}

start_reuse_haproxy() {  # name backend
  local name="$1" dir="$TMP/$1"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  cat >"$dir/haproxy.cfg" <<CONF
global
  nbthread 2
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse safe  # HAProxy's default, written out
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  timeout http-keep-alive 60s
frontend fe
  bind 127.0.0.1:${PORT[$name]}
  default_backend be
backend be
  server s1 127.0.0.1:${PORT[$2]}
CONF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg" >"$dir/check.log" 2>&1 ||
    { cat "$dir/check.log" >&2; die "haproxy config check failed"; }
  pin "$HAPROXY" -db -f "$dir/haproxy.cfg" >"$dir/stdout.log" 2>"$dir/stderr.log" &
  await_started "$name" "$dir/stderr.log" haproxy
}

per_1k() {  # connections requests
  awk -v c="$1" -v n="$2" 'BEGIN { if (n + 0 == 0) print "n/a"; else printf "%.2f", c * 1000 / n }'
}

# measure_reuse variant target backend url: counts the backend's new connections during the
# warm-up (the pool filling from cold) and, separately, during the measured run. Keyed
# "variant/target", one value per round, space-separated.
measure_reuse() {
  local variant="$1" target="$2" backend="$3" url="$4" key="$1/$2"
  RUN_SEQ=$((RUN_SEQ + 1))
  local out="$TMP/wrk-$RUN_SEQ-reuse-$1-$2.txt" before warm after
  before=$(backend_accepts "$backend")
  check_200 "$url"
  if ((WARMUP > 0)); then
    "$WRK" -t"$THREADS" -c"$REUSE_CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
  fi
  warm=$(backend_accepts "$backend")
  "$WRK" -t"$THREADS" -c"$REUSE_CONNECTIONS" -d"${REUSE_DURATION}s" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed for reuse $key"; }
  after=$(backend_accepts "$backend")
  local requests non2xx sock
  requests=$(awk '/ requests in / { print $1 }' "$out")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$out")
  sock=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
  REUSE_REQS[$key]+=" $requests"
  REUSE_RPS[$key]+=" $(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")"
  REUSE_WARM[$key]+=" $((warm - before - 1))"
  REUSE_NEW[$key]+=" $((after - warm - 1))"
  REUSE_RATE[$key]+=" $(per_1k $((after - warm - 1)) "$requests")"
  REUSE_ERRS[$key]+=" $((${non2xx:-0} + ${sock:-0}))"
  log "$(printf 'reuse %-22s %8s requests  %6s new backend connections (%s in warm-up)' \
    "$key" "$requests" $((after - warm - 1)) $((warm - before - 1)))"
}

# run_reuse_variant round variant backend_keepalive_requests: one fresh backend and proxy per
# target, each stopped after its run so that nothing else competes for the CPUs.
run_reuse_variant() {
  local variant="$2" n=${#REUSE_TARGETS[@]} i t backend proxy url
  for ((i = 0; i < n; i++)); do
    t="${REUSE_TARGETS[$(((i + $1) % n))]}"  # order rotated every round, as above
    backend="reuse-$1-$variant-$t-backend"
    proxy="reuse-$1-$variant-$t"
    start_counting_backend "$backend" "$3"
    case "$t" in
      backend-direct) proxy="$backend" ;;  # calibration: wrk's own connections
      rampart) start_reuse_rampart "$proxy" "$backend" ;;
      nginx) start_reuse_nginx "$proxy" "$backend" ;;
      haproxy) start_reuse_haproxy "$proxy" "$backend" ;;
    esac
    url="http://127.0.0.1:${PORT[$proxy]}/"
    measure_reuse "$variant" "$t" "$backend" "$url"
    stop_pid "${PID[$proxy]}"
    stop_pid "${PID[$backend]}"
  done
}

if ((REUSE_DURATION > 0)); then
  log "upstream connection reuse: $REUSE_ROUNDS rounds of wrk -t$THREADS -c$REUSE_CONNECTIONS" \
    "-d${REUSE_DURATION}s per target, each proxy with a backend of its own"
  for ((r = 0; r < REUSE_ROUNDS; r++)); do
    run_reuse_variant "$r" keepalive 1000000
    if ((REUSE_CHURN_REQUESTS > 0)); then run_reuse_variant "$r" churn "$REUSE_CHURN_REQUESTS"; fi
  done
fi

# ---------------------------------------------------------------------------------------------
# Report

print_case() {  # case rss_case title targets...
  local c="$1" rc="$2" title="$3" t k
  shift 3
  printf '\n%s\n' "$title"
  printf '| %-14s | %7s | %13s | %7s | %7s | %11s | %6s | %12s |\n' target "req/s" \
    "req/s range" "p50 ms" "p99 ms" "CPU us/req" errors "peak RSS MiB"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ---------------- --------: --------------: --------: \
    --------: ------------: -------: -------------:
  for t in "$@"; do
    k="$c/$t"
    [[ -n "${RPS[$k]:-}" ]] || continue
    printf '| %-14s | %7s | %13s | %7s | %7s | %11s | %6s | %12s |\n' "$t" \
      "$(median "${RPS[$k]}" %.0f)" "$(spread "${RPS[$k]}")" "$(median "${P50[$k]}")" \
      "$(median "${P99[$k]}")" "$(median "${CPU[$k]}" %.1f)" "$(total "${ERRS[$k]}")" \
      "$(mib "${RSS[$rc/$t]:-0}")"
  done
}

print_ratios() {  # case
  local c="$1" me peer
  for me in rampart rampart-nolog; do
    for peer in nginx haproxy; do
      [[ -n "${RPS[$c/$me]:-}" && -n "${RPS[$c/$peer]:-}" ]] || continue
      printf '  %-22s throughput %5sx   p99 %5sx   CPU per request %5sx\n' "$me/$peer" \
        "$(ratio "$(median "${RPS[$c/$me]}")" "$(median "${RPS[$c/$peer]}")")" \
        "$(ratio "$(median "${P99[$c/$me]}")" "$(median "${P99[$c/$peer]}")")" \
        "$(ratio "$(median "${CPU[$c/$me]}")" "$(median "${CPU[$c/$peer]}")")"
    done
  done
}

print_reuse() {  # variant title: totals over the rounds, the per-round range of the rate
  local v="$1" t k
  printf '\n%s\n' "$2"
  printf '| %-14s | %8s | %7s | %11s | %13s | %11s | %13s | %6s |\n' target requests "req/s" \
    "new backend" "per 1,000 req" "range" "warm-up conns" errors
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ---------------- ---------: --------: ------------: \
    --------------: ------------: --------------: -------:
  for t in "${REUSE_TARGETS[@]}"; do
    k="$v/$t"
    [[ -n "${REUSE_REQS[$k]:-}" ]] || continue
    printf '| %-14s | %8s | %7s | %11s | %13s | %11s | %13s | %6s |\n' "$t" \
      "$(total "${REUSE_REQS[$k]}")" "$(median "${REUSE_RPS[$k]}" %.0f)" \
      "$(total "${REUSE_NEW[$k]}")" \
      "$(per_1k "$(total "${REUSE_NEW[$k]}")" "$(total "${REUSE_REQS[$k]}")")" \
      "$(spread "${REUSE_RATE[$k]}")" "$(total "${REUSE_WARM[$k]}")" "$(total "${REUSE_ERRS[$k]}")"
  done
  local peer
  for peer in nginx haproxy; do
    [[ -n "${REUSE_REQS[$v/rampart]:-}" && -n "${REUSE_REQS[$v/$peer]:-}" ]] || continue
    printf '  %-22s new backend connections per 1,000 requests %5sx\n' "rampart/$peer" \
      "$(ratio "$(connections_per_request "$v/rampart")" "$(connections_per_request "$v/$peer")")"
  done
}

# Unrounded, for the ratios: a rate rounded to 0.01 is too coarse when a proxy opens very few.
connections_per_request() {  # variant/target
  awk -v c="$(total "${REUSE_NEW[$1]}")" -v n="$(total "${REUSE_REQS[$1]}")" \
    'BEGIN { if (n + 0 == 0) print 0; else printf "%.9f", c / n }'
}

echo
echo "rampart bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs" \
  "($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r)," \
  "load average before the run $LOAD1"
echo "$("$NGINX" -v 2>&1 | sed 's/.*: //')," \
  "HAProxy $("$HAPROXY" -v | awk 'NR == 1 { print $3 }')," \
  "$("$RAMPART_BIN" version 2>/dev/null | head -1 || echo rampart)," \
  "$("$WRK" -v 2>&1 | awk 'NR == 1 { print $1, $2 }')"
if ((ROUNDS > 0 || LARGE_DURATION > 0)); then
  echo "small: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, medians;" \
    "1 MiB: one run each, -c$LARGE_CONNECTIONS -d${LARGE_DURATION}s;" \
    "${WARMUP}s warm-up before every run; pinning: ${TASKSET:-none}"
fi
if ((ROUNDS > 0)); then
  print_case small small "GET / (1 KiB response), keep-alive" "${SMALL_TARGETS[@]}"
  print_ratios small
fi
if ((LARGE_DURATION > 0)); then
  print_case get1m large "GET /large.bin (1 MiB response)" "${LARGE_PROXIES[@]}"
  print_ratios get1m
  print_case post1m large "POST /upload (1 MiB request body)" "${LARGE_PROXIES[@]}"
  print_ratios post1m
fi
if ((ROUNDS > 0 || LARGE_DURATION > 0)); then
  echo
  echo "Ratios: throughput above 1, p99 and CPU per request below 1 favour rampart. CPU us/req is"
  echo "the target's user+system CPU time (all threads and workers) over the requests wrk"
  echo "completed. backend-direct: wrk straight to the backend, no proxy (its CPU is the"
  echo "backend's). rampart, nginx and haproxy write an access log; rampart-nolog does not. Peak"
  echo "RSS is VmHWM since start (nginx: master + workers summed), read after the small rounds,"
  echo "and for the 1 MiB tables after both 1 MiB cases."
fi
if ((REUSE_DURATION > 0)); then
  echo
  echo "Upstream connection reuse: $REUSE_ROUNDS round(s) of wrk -t$THREADS -c$REUSE_CONNECTIONS" \
    "-d${REUSE_DURATION}s GET / per target,"
  echo "each after a ${WARMUP}s warm-up. Every target has a fresh backend nginx of its own, whose"
  echo "stub_status accepts counter gives the connections opened to it. Pools: $REUSE_IDLE idle"
  echo "connections per worker, 2 workers (rampart keepalive.idle, nginx upstream keepalive);"
  echo "HAProxy nbthread 2, http-reuse safe."
  print_reuse keepalive "backend keeps connections open (keepalive_requests 1000000)"
  if ((REUSE_CHURN_REQUESTS > 0)); then
    print_reuse churn "backend closes each connection after $REUSE_CHURN_REQUESTS requests\
 (floor: $(per_1k 1 "$REUSE_CHURN_REQUESTS") per 1,000)"
  fi
  echo "Totals over the rounds; range: of the per-round rates. new backend: connections the"
  echo "backend accepted during the measured runs; warm-up conns: during the warm-ups (pools"
  echo "filling from cold, and one check request). backend-direct, wrk straight to the backend,"
  echo "checks the counting: wrk's $REUSE_CONNECTIONS connections plus the one it opens to probe"
  echo "the address; under churn, the floor. Ratios below 1: rampart opens fewer connections."
fi
