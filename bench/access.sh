#!/usr/bin/env bash
# Access-control benchmark: IP lists, GeoIP, rate limiting and banned floods. See
# bench/README.md.
#   1. bench/access_bench (in process): net::IpRangeSet with a million entries (build time,
#      memory, lookup ns), a million-line list file, the cost per request of the ip_reputation,
#      geoip and rate_limit stages, and the rate table under a flood of a million addresses.
#   2. End to end, loaded with wrk in one run: rampart as a plain proxy, rampart with every
#      access stage (a 1M-entry deny list file, GeoIP databases and rules, a rate limit that
#      never refuses), and rampart refusing a flood from a banned client (a ban added through
#      the admin API, and the client on the deny list), all with keep-alive connections;
#      requests/s and CPU per request, and the ratios to the plain proxy. nginx as a plain
#      proxy and with `deny 127.0.0.1` as the peer rows.
#
# Everything listens on 127.0.0.1 only, on ports the kernel picks; every process this script
# starts is stopped on exit. Nothing under /etc is written and no system service is touched.
#
# Environment (all optional):
#   RAMPART_BIN       use this rampart binary for the end-to-end part (access_bench is built
#                     anyway)
#   BUILD_DIR         where to build (default /tmp/rampart-bench-access-build)
#   MICRO             1: run access_bench's measurements (default 1; 0: only write its data)
#   E2E               1: the end-to-end part (default 1)
#   ENTRIES           entries of the IPv4 sets and of the deny list file (default 1000000)
#   V6_ENTRIES        IPv6 prefixes (default 100000)
#   GEO_NETWORKS      networks in the generated .mmdb files (default 4000)
#   REQUESTS          requests per stage measurement (default 200000)
#   MICRO_ROUNDS      rounds of each in-process measurement; medians (default 3)
#   SEED              seed of the generated data (default 20261124)
#   DURATION          seconds of measured load per end-to-end run (default 5)
#   ROUNDS            rounds over all targets, order rotated; medians (default 5)
#   WARMUP            seconds of warm-up load before each run (default 1)
#   THREADS           wrk threads (default 2)
#   CONNECTIONS       wrk connections, kept alive (default 64)
#   PEERS             1: the nginx rows (default 1)
#   ATTACK_LOG        1: also the banned flood with rampart's attack log on (default 1)
#   TASKSET           CPU list applied the same way to every target (default: none)
#   NO_INSTALL=1      never call apt-get
#   KEEP_TMP=1        keep the temporary directory (configs, data files, logs, wrk outputs)
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-access-build}"
MICRO="${MICRO:-1}"
E2E="${E2E:-1}"
ENTRIES="${ENTRIES:-1000000}"
V6_ENTRIES="${V6_ENTRIES:-100000}"
GEO_NETWORKS="${GEO_NETWORKS:-4000}"
REQUESTS="${REQUESTS:-200000}"
MICRO_ROUNDS="${MICRO_ROUNDS:-3}"
SEED="${SEED:-20261124}"
DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-5}"
WARMUP="${WARMUP:-1}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
PEERS="${PEERS:-1}"
ATTACK_LOG="${ATTACK_LOG:-1}"
TASKSET="${TASKSET:-}"
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

# ---------------------------------------------------------------------------------------------
# Tools and build

need_install=()
command -v cmake >/dev/null 2>&1 || need_install+=(cmake)
command -v ninja >/dev/null 2>&1 || need_install+=(ninja-build)
command -v pkg-config >/dev/null 2>&1 || need_install+=(pkg-config)
# access_bench builds its .mmdb files with geoip/make-test-mmdb.pl.
perl -MMaxMind::DB::Writer::Tree -e1 >/dev/null 2>&1 || need_install+=(libmaxmind-db-writer-perl)
if [[ "$E2E" == 1 ]]; then
  command -v nginx >/dev/null 2>&1 || need_install+=(nginx-light)
  command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
  command -v curl >/dev/null 2>&1 || need_install+=(curl)
fi
install_packages "${need_install[@]}"

targets=(access_bench)
[[ "$E2E" == 1 && -z "${RAMPART_BIN:-}" ]] && targets+=(rampart)
build_bench_programs "${targets[@]}"
RAMPART_BIN="${RAMPART_BIN:-$BUILD_DIR/src/rampart}"

make_tmp rampart-bench-access
echo "rampart access bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(machine_line)," \
  "libmaxminddb $(pkg-config --modversion libmaxminddb 2>/dev/null || echo '?')"

# ---------------------------------------------------------------------------------------------
# 1. In process (and the data files of the end-to-end part: deny.txt, country.mmdb, asn.mmdb)

DATA="$TMP/data"
bench_args=(--work-dir "$DATA" --entries "$ENTRIES" --v6-entries "$V6_ENTRIES"
  --geo-networks "$GEO_NETWORKS" --requests "$REQUESTS" --rounds "$MICRO_ROUNDS" --seed "$SEED")
[[ "$MICRO" == 1 ]] || bench_args+=(--data-only)
"$BUILD_DIR/bench/access_bench" "${bench_args[@]}" "$SRC_DIR"

[[ "$E2E" == 1 ]] || exit 0
[[ -f "$DATA/country.mmdb" && -f "$DATA/asn.mmdb" ]] || die "no .mmdb files: see above"
[[ -x "$RAMPART_BIN" ]] || die "no rampart binary at $RAMPART_BIN"

# ---------------------------------------------------------------------------------------------
# 2. End to end. Backend: one nginx worker answering every GET with a fixed 1 KiB body.

NGINX="$(command -v nginx)"
WRK="$(command -v wrk)"
start_simple_backend "$NGINX"

# rampart targets. plain: no access section (ip_reputation still runs, with empty lists);
# access: deny list file, GeoIP databases and route rules, a rate limit that never refuses;
# banned: access plus the admin API, through which 127.0.0.1 is banned after the start;
# denied: access plus 127.0.0.1 on the deny list; banned-log: banned with the attack log on.
# No access log anywhere: it costs the same per request in every target.
TOKEN="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
declare -A ADMIN_PORT

start_rampart() {  # name kind
  local name="$1" kind="$2" dir="$TMP/$1" access="" admin="" logging="logging: {level: warn}"
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  if [[ "$kind" != plain ]]; then
    local deny=""
    [[ "$kind" == denied ]] && deny="
  deny: [127.0.0.1]"
    access="ip_reputation:
  deny_files: [$DATA/deny.txt]$deny
geoip: {country_db: $DATA/country.mmdb, asn_db: $DATA/asn.mmdb}"
  fi
  if [[ "$kind" == banned || "$kind" == banned-log ]]; then
    ADMIN_PORT[$name]="$(free_port)"
    printf '%s\n' "$TOKEN" >"$dir/token"
    chmod 600 "$dir/token"
    admin="admin: {address: 127.0.0.1:${ADMIN_PORT[$name]}, token_file: $dir/token}"
  fi
  [[ "$kind" == banned-log ]] && logging="logging: {attack_log: $dir/attack.log, level: warn}"
  local route="routes: [{match: {path_prefix: /}, pool: app}]"
  if [[ "$kind" != plain ]]; then
    route="routes:
  - match: {path_prefix: /}
    pool: app
    geo: {deny_countries: [KP, IR], deny_asns: [64496]}
    rate_limit: {key: client_ip, rate: 1000000000/s, burst: 1000000000}"
  fi
  cat >"$dir/rampart.yaml" <<EOF
workers: 2
listen: [{address: 127.0.0.1:${PORT[$name]}}]
pools:
  app:
    servers: [{address: 127.0.0.1:${PORT[backend]}}]
    keepalive: {idle: 64}  # as nginx's "keepalive 64"
$route
timeouts: {drain: 1s}
$access
$admin
$logging
EOF
  check_rampart_config "$dir"
  pin "$RAMPART_BIN" run -c "$dir/rampart.yaml" >"$dir/stdout.log" 2>&1 &
  if [[ -n "$admin" ]]; then
    await_started "$name" "$dir/stdout.log" rampart "${ADMIN_PORT[$name]}"
  else
    await_started "$name" "$dir/stdout.log" rampart
  fi
}

# PUT /api/bans/127.0.0.1 on the target's admin API: banned for the default hour, longer than
# the run. No query string: with one (?duration=...) the admin thread of this tree loops in
# evhttp_clear_headers (a TAILQ head copied by value in ParseQuery, src/server/admin_access.cc).
ban_loopback() {  # target
  local code
  code=$(curl -s -o "$TMP/$1/ban.json" -w '%{http_code}' --max-time 5 -X PUT \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:${ADMIN_PORT[$1]}/api/bans/127.0.0.1" ||
    true)
  [[ "$code" == 200 ]] || { cat "$TMP/$1/ban.json" >&2 || true; die "ban on $1: $code"; }
}

start_nginx() {  # name plain|deny
  local name="$1" dir="$TMP/$1" deny=""
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  [[ "$2" == deny ]] && deny="deny 127.0.0.1;  # ngx_http_access_module: 403"
  cat >"$dir/nginx.conf" <<EOF
$(nginx_user)
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;  # as the rampart targets
  default_type application/octet-stream;
  keepalive_requests 10000;  # rampart's max_requests_per_connection default
  $(nginx_temp_paths "$dir")
  upstream backend {
    server 127.0.0.1:${PORT[backend]};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${PORT[$name]} reuseport;  # rampart's listeners are SO_REUSEPORT too
    $deny
$(nginx_proxy_location)
  }
}
EOF
  pin "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/error.log" nginx
}

TARGETS=(rampart-plain rampart-access rampart-banned rampart-denied)
start_rampart rampart-plain plain
start_rampart rampart-access access
start_rampart rampart-banned banned
ban_loopback rampart-banned
start_rampart rampart-denied denied
if [[ "$ATTACK_LOG" == 1 ]]; then
  start_rampart rampart-banned-log banned-log
  ban_loopback rampart-banned-log
  TARGETS+=(rampart-banned-log)
fi
if [[ "$PEERS" == 1 ]]; then
  start_nginx nginx-plain plain
  start_nginx nginx-deny deny
  TARGETS+=(nginx-plain nginx-deny)
fi

# Two requests on one connection: both must get the expected status, and curl's num_connects
# of the second tells whether the first answer kept the connection open.
declare -A EXPECT STATUS KEEPALIVE
for t in "${TARGETS[@]}"; do
  case "$t" in
    rampart-plain | rampart-access | nginx-plain) EXPECT[$t]=200 ;;
    *) EXPECT[$t]=403 ;;
  esac
  url="http://127.0.0.1:${PORT[$t]}/"
  mapfile -t lines < <(curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
    --max-time 5 "$url" "$url" || true)
  [[ "${#lines[@]}" == 2 ]] || die "$t did not answer two requests"
  STATUS[$t]="${lines[0]% *}"
  [[ "${STATUS[$t]}" == "${EXPECT[$t]}" && "${lines[1]% *}" == "${EXPECT[$t]}" ]] ||
    die "$t answered ${lines[*]}, expected ${EXPECT[$t]}"
  if [[ "${lines[1]#* }" == 0 ]]; then KEEPALIVE[$t]=kept; else KEEPALIVE[$t]=closed; fi
  log "$(printf '%-19s answers %s, connection %s after it' "$t" "${STATUS[$t]}" "${KEEPALIVE[$t]}")"
done

# ---------------------------------------------------------------------------------------------
# Load: rounds over all targets in an order rotated every round.

rss_kib() {  # pid: resident set now (VmRSS, KiB) of a process and its direct children
  local total=0 pid kib
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

declare -A RPS P50 P99 CPU NON2XX SOCKERR RSS
CLK_TCK="$(getconf CLK_TCK)"
RUN_SEQ=0

measure() {  # target
  local t="$1" url="http://127.0.0.1:${PORT[$1]}/"
  RUN_SEQ=$((RUN_SEQ + 1))
  local out="$TMP/wrk-$RUN_SEQ-$t.txt"
  if ((WARMUP > 0)); then
    "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
  fi
  local before after requests
  before=$(cpu_ticks "${PID[$t]}")
  "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed for $t"; }
  after=$(cpu_ticks "${PID[$t]}")
  requests=$(awk '/ requests in / { print $1 }' "$out")
  local rps p50 p99 non2xx sock cpu
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  non2xx=$(awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$out")
  sock=$(awk '/Socket errors/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }' "$out")
  cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="${requests:-0}" \
    'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print 0 }')
  RPS[$t]+=" $rps"
  P50[$t]+=" $p50"
  P99[$t]+=" $p99"
  CPU[$t]+=" $cpu"
  NON2XX[$t]+=" $non2xx"
  SOCKERR[$t]+=" $sock"
  log "$(printf '%-19s %7s req/s  p50 %6s ms  p99 %6s ms  %6s CPU us/req  non-2xx %s  sock err %s' \
    "$t" "$rps" "$p50" "$p99" "$cpu" "$non2xx" "$sock")"
}

log "$ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (+${WARMUP}s warm-up)" \
  "over ${#TARGETS[@]} targets, order rotated each round"
n=${#TARGETS[@]}
for ((r = 0; r < ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do measure "${TARGETS[$(((i + r) % n))]}"; done
done
declare -A NOW_RSS
for t in "${TARGETS[@]}"; do
  RSS[$t]=$(peak_rss_kib "${PID[$t]}")
  NOW_RSS[$t]=$(rss_kib "${PID[$t]}")
done
ATTACK_LOG_BYTES=0
ATTACK_LOG_RECORDS=0
if [[ "$ATTACK_LOG" == 1 ]]; then
  sleep 1.2  # the attack log is flushed every second
  ATTACK_LOG_BYTES=$(stat -c %s "$TMP/rampart-banned-log/attack.log" 2>/dev/null || echo 0)
  ATTACK_LOG_RECORDS=$(wc -l <"$TMP/rampart-banned-log/attack.log" 2>/dev/null || echo 0)
fi

# ---------------------------------------------------------------------------------------------
# Report

echo
echo "End to end: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s" \
  "(${WARMUP}s warm-up each), keep-alive, GET / (1 KiB from the backend), medians;" \
  "pinning: ${TASKSET:-none}"
printf '| %-18s | %6s | %-10s | %7s | %13s | %6s | %6s | %10s | %9s | %8s | %7s | %8s |\n' \
  target answer connection "req/s" "req/s range" "p50 ms" "p99 ms" "CPU us/req" non-2xx \
  "sock err" "RSS MiB" "peak MiB"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' -------------------- -------: ------------ \
  --------: --------------: -------: -------: -----------: ----------: ---------: --------: \
  ---------:
for t in "${TARGETS[@]}"; do
  printf '| %-18s | %6s | %-10s | %7s | %13s | %6s | %6s | %10s | %9s | %8s | %7s | %8s |\n' \
    "$t" "${STATUS[$t]}" "${KEEPALIVE[$t]}" "$(median "${RPS[$t]}" %.0f)" \
    "$(spread "${RPS[$t]}")" "$(median "${P50[$t]}")" "$(median "${P99[$t]}")" \
    "$(median "${CPU[$t]}" %.1f)" "$(total "${NON2XX[$t]}")" "$(total "${SOCKERR[$t]}")" \
    "$(mib "${NOW_RSS[$t]:-0}")" "$(mib "${RSS[$t]:-0}")"
done
pairs=(rampart-access/rampart-plain rampart-banned/rampart-plain rampart-denied/rampart-plain)
[[ "$ATTACK_LOG" == 1 ]] && pairs+=(rampart-banned-log/rampart-plain)
[[ "$PEERS" == 1 ]] &&
  pairs+=(nginx-deny/nginx-plain rampart-plain/nginx-plain rampart-banned/nginx-deny)
# Ratios of the medians, and the ratio round by round (a round's runs are seconds apart, so
# drift in the machine's load cancels out more there): median and range over the rounds.
per_round() {  # array-name me peer: the round-by-round ratios of one measure
  local -n values="$1"
  local a b r out=""
  read -r -a a <<<"${values[$2]}"
  read -r -a b <<<"${values[$3]}"
  for ((r = 0; r < ${#a[@]} && r < ${#b[@]}; r++)); do out+=" $(ratio "${a[$r]}" "${b[$r]}")"; done
  echo "$out"
}
for pair in "${pairs[@]}"; do
  me="${pair%/*}" peer="${pair#*/}"
  rps_rounds="$(per_round RPS "$me" "$peer")"
  cpu_rounds="$(per_round CPU "$me" "$peer")"
  printf '  %-34s throughput %5sx (rounds %5sx, %s)   p99 %5sx   CPU/request %5sx (rounds %s)\n' \
    "$pair" "$(ratio "$(median "${RPS[$me]}")" "$(median "${RPS[$peer]}")")" \
    "$(median "$rps_rounds")" "$(spread "$rps_rounds")" \
    "$(ratio "$(median "${P99[$me]}")" "$(median "${P99[$peer]}")")" \
    "$(ratio "$(median "${CPU[$me]}")" "$(median "${CPU[$peer]}")")" "$(spread "$cpu_rounds")"
done
if [[ "$ATTACK_LOG" == 1 ]]; then
  echo "  rampart-banned-log wrote $ATTACK_LOG_RECORDS attack-log records," \
    "$(mib $((ATTACK_LOG_BYTES / 1024))) MiB ($(awk -v b="$ATTACK_LOG_BYTES" \
      -v n="$ATTACK_LOG_RECORDS" 'BEGIN { if (n > 0) printf "%.0f", b / n; else print 0 }')" \
    "bytes per refused request, warm-ups included)"
fi
echo "answer / connection: the status of two requests on one connection and whether the second"
echo "reused it (curl). CPU us/req: the target's user+system time (all threads; nginx master and"
echo "workers) over the requests wrk completed. non-2xx: the 403s of the refusing targets. RSS:"
echo "VmRSS after the runs; peak: VmHWM (loading the lists and databases included); nginx: master"
echo "and workers summed. Ratios: the medians' ratio; \"rounds\": the median and range of the"
echo "ratios taken round by round."
