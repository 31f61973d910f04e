#!/usr/bin/env bash
# TLS benchmark: rampart's TLS listener against nginx (Debian's, OpenSSL) with the same ECDSA
# P-256 certificate and the same TLS settings, in one run. See bench/README.md.
#   1. Handshakes per second, loaded by bench/tls_handshake_bench (OpenSSL client, HS_THREADS
#      threads each opening one connection after another): full TLS 1.3 handshakes; TLS 1.3
#      resumption with session tickets, once offering the newest ticket the server gave (as a
#      browser does; OpenSSL clients use a TLS 1.3 ticket only once) and once the same ticket
#      every time (resumption alone); TLS 1.2 resumption by session id (the servers' session
#      caches). Server CPU time per handshake beside it.
#   2. `openssl s_time` as a cross-check (S_TIME=1): `-new` (full TLS 1.3 handshakes) and
#      `-reuse -tls1_2` (TLS 1.2 session id). `-reuse` without `-tls1_2` would be TLS 1.3, where
#      s_time never reads the post-handshake tickets and so never resumes: not run.
#   3. HTTP/2 requests per second with h2load (`h2load -n 20000 -c 20 -m 10 https://...`): over
#      TLS (ALPN h2) against both, and cleartext h2c with prior knowledge against both.
# The machine has few cores: the load generators and the servers share them. The client's work
# per full handshake is about the server's (ECDHE on both sides; the server signs, the client
# verifies), so handshakes/s measure client and server together: compare the ratios and the
# server CPU per handshake, not the absolute rates.
#
# Everything listens on 127.0.0.1 only, on ports the kernel picks; the certificate is made
# with the openssl CLI in the run's temporary directory; every process this script starts is
# stopped on exit. Nothing under /etc is written and no system service is touched.
#
# Environment (all optional):
#   RAMPART_BIN       use this rampart binary instead of building one (tls_handshake_bench is
#                     built anyway)
#   BUILD_DIR         where to build (default /tmp/rampart-bench-tls-build)
#   WORKERS           rampart workers and nginx worker_processes (default 2)
#   DURATION          seconds of each measured handshake run (default 3)
#   WARMUP            seconds of handshakes before each run, not counted (default 0.5)
#   ROUNDS            rounds over all handshake runs, order rotated; medians (default 3)
#   HS_THREADS        client threads of tls_handshake_bench (default 4)
#   TLS12             1: the TLS 1.2 session-id row (default 1)
#   S_TIME            1: the openssl s_time cross-check (default 1)
#   S_TIME_DURATION   seconds of each s_time run (default 3)
#   H2_REQUESTS / H2_CLIENTS / H2_STREAMS   h2load -n / -c / -m (default 20000 / 20 / 10)
#   H2_ROUNDS         rounds over the h2load targets; medians (default 3; 0 skips them)
#   TASKSET           CPU list applied the same way to every server (default: none)
#   NO_INSTALL=1      never call apt-get
#   KEEP_TMP=1        keep the temporary directory (certificate, configs, logs, outputs)
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-tls-build}"
WORKERS="${WORKERS:-2}"
DURATION="${DURATION:-3}"
WARMUP="${WARMUP:-0.5}"
ROUNDS="${ROUNDS:-3}"
HS_THREADS="${HS_THREADS:-4}"
TLS12="${TLS12:-1}"
S_TIME="${S_TIME:-1}"
S_TIME_DURATION="${S_TIME_DURATION:-3}"
H2_REQUESTS="${H2_REQUESTS:-20000}"
H2_CLIENTS="${H2_CLIENTS:-20}"
H2_STREAMS="${H2_STREAMS:-10}"
H2_ROUNDS="${H2_ROUNDS:-3}"
TASKSET="${TASKSET:-}"
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

# ---------------------------------------------------------------------------------------------
# Tools and build

need_install=()
command -v cmake >/dev/null 2>&1 || need_install+=(cmake)
command -v ninja >/dev/null 2>&1 || need_install+=(ninja-build)
command -v openssl >/dev/null 2>&1 || need_install+=(openssl)
command -v nginx >/dev/null 2>&1 || need_install+=(nginx-light)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
if ((H2_ROUNDS > 0)); then command -v h2load >/dev/null 2>&1 || need_install+=(nghttp2-client); fi
install_packages "${need_install[@]}"

targets=(tls_handshake_bench)
[[ -z "${RAMPART_BIN:-}" ]] && targets+=(rampart)
build_bench_programs "${targets[@]}"
RAMPART_BIN="${RAMPART_BIN:-$BUILD_DIR/src/rampart}"
[[ -x "$RAMPART_BIN" ]] || die "no rampart binary at $RAMPART_BIN"
HS_BENCH="$BUILD_DIR/bench/tls_handshake_bench"
NGINX="$(command -v nginx)"
"$NGINX" -V 2>&1 | grep -q -- --with-http_ssl_module || die "$NGINX has no ssl module"
"$NGINX" -V 2>&1 | grep -q -- --with-http_v2_module || die "$NGINX has no http_v2 module"

make_tmp rampart-bench-tls
echo "rampart TLS bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(machine_line);" \
  "$(openssl version); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //');" \
  "$(h2load --version 2>/dev/null | head -1 || echo 'no h2load')"

# ---------------------------------------------------------------------------------------------
# Certificate: ECDSA P-256, self-signed, for 127.0.0.1 and localhost.

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >"$TMP/openssl.log" 2>&1 ||
  { cat "$TMP/openssl.log" >&2; die "openssl req failed"; }

# ---------------------------------------------------------------------------------------------
# Backend: one nginx worker answering every GET with a fixed 1 KiB body (as bench/access.sh).

start_simple_backend "$NGINX"

# ---------------------------------------------------------------------------------------------
# The two servers, each with a TLS listener (PORT) and a cleartext one for h2c (H2C_PORT).
# rampart: its TLS defaults (profile intermediate: TLS 1.2 and 1.3, Mozilla's intermediate
# suites, groups X25519:P-256:P-384, client's cipher order; session cache 20480, tickets on,
# session lifetime 1 day; h2 offered in ALPN). nginx: the same settings spelled out.
declare -A H2C_PORT

PORT[rampart]="$(free_port)"
H2C_PORT[rampart]="$(free_port)"
mkdir -p "$TMP/rampart"
cat >"$TMP/rampart/rampart.yaml" <<EOF
workers: $WORKERS
listen:
  - address: 127.0.0.1:${PORT[rampart]}
    tls: {certificates: [{cert: $TMP/cert.pem, key: $TMP/key.pem}]}
  - address: 127.0.0.1:${H2C_PORT[rampart]}  # h2c with prior knowledge (http2: true, the default)
pools:
  app:
    servers: [{address: 127.0.0.1:${PORT[backend]}}]
    keepalive: {idle: 64}  # as nginx's "keepalive 64"
routes: [{match: {path_prefix: /}, pool: app}]
timeouts: {drain: 1s}
logging: {level: warn}
EOF
check_rampart_config "$TMP/rampart"
pin "$RAMPART_BIN" run -c "$TMP/rampart/rampart.yaml" >"$TMP/rampart/stdout.log" 2>&1 &
await_started rampart "$TMP/rampart/stdout.log" rampart "${H2C_PORT[rampart]}"

PORT[nginx]="$(free_port)"
H2C_PORT[nginx]="$(free_port)"
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
$(nginx_user)
daemon off;
worker_processes $WORKERS;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;  # as rampart
  default_type application/octet-stream;
  keepalive_requests 10000;  # rampart's max_requests_per_connection default (h2 too in 1.22)
  $(nginx_temp_paths "$TMP/nginx")
  # rampart's TLS defaults, spelled out (nginx 1.22 syntax: "listen ... ssl http2").
  ssl_certificate $TMP/cert.pem;
  ssl_certificate_key $TMP/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
  ssl_ecdh_curve X25519:prime256v1:secp384r1;
  ssl_prefer_server_ciphers off;
  ssl_session_cache shared:SSL:10m;  # about 40000 sessions; rampart keeps 20480
  ssl_session_timeout 1d;
  ssl_session_tickets on;  # keys: OpenSSL's own, made at start, shared by the workers
  upstream backend {
    server 127.0.0.1:${PORT[backend]};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${PORT[nginx]} ssl http2 reuseport;  # rampart's listeners: SO_REUSEPORT
    listen 127.0.0.1:${H2C_PORT[nginx]} http2 reuseport;  # h2c with prior knowledge
$(nginx_proxy_location)
  }
}
EOF
pin "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" \
  >"$TMP/nginx/stdout.log" 2>&1 &
await_started nginx "$TMP/nginx/error.log" nginx "${H2C_PORT[nginx]}"

SERVERS=(rampart nginx)
for s in "${SERVERS[@]}"; do
  check_200 "http://127.0.0.1:${PORT[backend]}/"
  for proto in h2 h2c; do
    if [[ "$proto" == h2 ]]; then
      out=$(curl -sk --http2 -o /dev/null -w '%{http_code} %{http_version}' --max-time 5 \
        "https://127.0.0.1:${PORT[$s]}/" || true)
    else
      out=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code} %{http_version}' \
        --max-time 5 "http://127.0.0.1:${H2C_PORT[$s]}/" || true)
    fi
    [[ "$out" == "200 2" ]] || die "$s over $proto answered '$out' (want '200 2': status, HTTP/2)"
  done
  log "$(printf '%-7s answers 200 over HTTP/2, TLS (ALPN h2) and h2c' "$s")"
done

CLK_TCK="$(getconf CLK_TCK)"
server_cpu_us_per() {  # ticks count: CPU µs per unit
  awk -v t="$1" -v hz="$CLK_TCK" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print 0 }'
}

# ---------------------------------------------------------------------------------------------
# 1. Handshakes

CASES=(full13 newest13 same13)
[[ "$TLS12" == 1 ]] && CASES+=(id12)
declare -A CASE_ARGS CASE_NAME
CASE_ARGS[full13]="--mode full --tls 1.3"
CASE_NAME[full13]="full, TLS 1.3"
CASE_ARGS[newest13]="--mode resumed --tls 1.3 --offer newest"
CASE_NAME[newest13]="resumed 1.3, newest ticket"
CASE_ARGS[same13]="--mode resumed --tls 1.3 --offer same"
CASE_NAME[same13]="resumed 1.3, same ticket"
CASE_ARGS[id12]="--mode resumed --tls 1.2 --resume-by id"
CASE_NAME[id12]="resumed 1.2, session id"

declare -A HS HS_CPU HS_NOT HS_FAIL HS_TICKETS HS_DESC HS_CLOSE
RUN_SEQ=0
measure_handshakes() {  # case server
  local c="$1" s="$2" out before after
  RUN_SEQ=$((RUN_SEQ + 1))
  out="$TMP/hs-$RUN_SEQ-$c-$s.txt"
  before=$(cpu_ticks "${PID[$s]}")
  # shellcheck disable=SC2086
  "$HS_BENCH" --port "${PORT[$s]}" ${CASE_ARGS[$c]} --threads "$HS_THREADS" \
    --duration "$DURATION" --warmup "$WARMUP" >"$out" 2>&1 ||
    { cat "$out" >&2; die "tls_handshake_bench failed: $c against $s"; }
  after=$(cpu_ticks "${PID[$s]}")
  local line rate n
  line=$(grep '^result ' "$out")
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  rate=$(field per_second)
  # Server CPU over the whole run (warm-up included) per handshake over the whole run: the
  # warm-up's handshakes are estimated at the measured rate.
  n=$(awk -v r="$rate" -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%.0f", r * (d + w) }')
  HS[$c/$s]+=" $rate"
  HS_CPU[$c/$s]+=" $(server_cpu_us_per $((after - before)) "$n")"
  HS_NOT[$c/$s]+=" $(field not_resumed)"
  HS_FAIL[$c/$s]+=" $(field failed)"
  HS_TICKETS[$c/$s]="$(field tickets_per_connection)"
  HS_CLOSE[$c/$s]="eof $(field eof), reset $(field reset)"
  HS_DESC[$c/$s]="$(sed -n 's/.* desc="\(.*\)"$/\1/p' <<<"$line")"
  log "$(printf '%-26s %-7s %6s handshakes/s  server %5s CPU us each  not resumed %s  failed %s' \
    "${CASE_NAME[$c]}" "$s" "$rate" "$(server_cpu_us_per $((after - before)) "$n")" \
    "$(field not_resumed)" "$(field failed)")"
}

RUNS=()
for c in "${CASES[@]}"; do for s in "${SERVERS[@]}"; do RUNS+=("$c/$s"); done; done
log "$ROUNDS rounds of tls_handshake_bench --threads $HS_THREADS --duration $DURATION" \
  "(+${WARMUP}s warm-up) over ${#RUNS[@]} runs, order rotated each round"
n=${#RUNS[@]}
for ((r = 0; r < ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do
    run="${RUNS[$(((i + r) % n))]}"
    measure_handshakes "${run%/*}" "${run#*/}"
  done
done

# ---------------------------------------------------------------------------------------------
# 2. openssl s_time (one client process, one connection at a time)

declare -A ST ST_REUSED
if [[ "$S_TIME" == 1 ]]; then
  for s in "${SERVERS[@]}"; do
    for kind in new reuse12; do
      args=(-connect "127.0.0.1:${PORT[$s]}" -time "$S_TIME_DURATION")
      if [[ "$kind" == new ]]; then args+=(-new); else args+=(-reuse -tls1_2); fi
      out="$TMP/s_time-$kind-$s.txt"
      t0=$(date +%s.%N)
      openssl s_time "${args[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "s_time failed"; }
      t1=$(date +%s.%N)
      # "N connections in T real seconds": T is whole seconds; the rate uses the wall time
      # measured here instead (process start included, a few ms).
      conns=$(awk '/connections in .* real seconds/ { n = $1 } END { print n + 0 }' "$out")
      ST[$kind/$s]=$(awk -v n="$conns" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
      # s_time prints one character per connection: "*" new session, "r" reused.
      ST_REUSED[$kind/$s]=$(grep -E '^[*r]+$' "$out" | tr -cd 'r' | wc -c)
      log "$(printf 's_time %-8s %-7s %6s connections/s (%s connections, %s reused)' "$kind" "$s" \
        "${ST[$kind/$s]}" "$conns" "${ST_REUSED[$kind/$s]}")"
    done
  done
fi

# ---------------------------------------------------------------------------------------------
# 3. HTTP/2 with h2load

declare -A H2 H2_CPU H2_BAD H2_URL
H2_TARGETS=()
if ((H2_ROUNDS > 0)); then
  for s in "${SERVERS[@]}"; do
    H2_URL[$s-h2]="https://127.0.0.1:${PORT[$s]}/"
    H2_URL[$s-h2c]="http://127.0.0.1:${H2C_PORT[$s]}/"
  done
  H2_TARGETS=(rampart-h2 nginx-h2 rampart-h2c nginx-h2c)
  measure_h2() {  # target
    local t="$1" s="${1%-*}" out before after
    RUN_SEQ=$((RUN_SEQ + 1))
    out="$TMP/h2load-$RUN_SEQ-$t.txt"
    h2load -n $((H2_REQUESTS / 10)) -c "$H2_CLIENTS" -m "$H2_STREAMS" "${H2_URL[$t]}" \
      >/dev/null 2>&1 || true  # warm-up
    before=$(cpu_ticks "${PID[$s]}")
    h2load -n "$H2_REQUESTS" -c "$H2_CLIENTS" -m "$H2_STREAMS" "${H2_URL[$t]}" >"$out" 2>&1 ||
      { cat "$out" >&2; die "h2load failed for $t"; }
    after=$(cpu_ticks "${PID[$s]}")
    local rps ok bad proto
    rps=$(awk '/^finished in/ { gsub(",", ""); printf "%.0f", $4 }' "$out")
    ok=$(awk '/^status codes:/ { print $3 + 0 }' "$out")
    bad=$((H2_REQUESTS - ${ok:-0}))
    proto=$(awk '/^Application protocol:/ { print $3 }' "$out")
    [[ "$proto" == h2 || "$proto" == h2c ]] || { cat "$out" >&2; die "$t: protocol '$proto'"; }
    H2[$t]+=" $rps"
    H2_CPU[$t]+=" $(server_cpu_us_per $((after - before)) "$H2_REQUESTS")"
    H2_BAD[$t]+=" $bad"
    log "$(printf 'h2load %-12s %7s req/s  server %4s CPU us/req  not 2xx %s  (%s)' "$t" "$rps" \
      "$(server_cpu_us_per $((after - before)) "$H2_REQUESTS")" "$bad" "$proto")"
  }
  log "$H2_ROUNDS rounds of h2load -n $H2_REQUESTS -c $H2_CLIENTS -m $H2_STREAMS" \
    "(+ a tenth as warm-up) over ${#H2_TARGETS[@]} targets, order rotated each round"
  n=${#H2_TARGETS[@]}
  for ((r = 0; r < H2_ROUNDS; r++)); do
    for ((i = 0; i < n; i++)); do measure_h2 "${H2_TARGETS[$(((i + r) % n))]}"; done
  done
fi

# ---------------------------------------------------------------------------------------------
# Report

per_round() {  # array-name a b: the round-by-round ratios
  local -n values="$1"
  local x y r out=""
  read -r -a x <<<"${values[$2]}"
  read -r -a y <<<"${values[$3]}"
  for ((r = 0; r < ${#x[@]} && r < ${#y[@]}; r++)); do out+=" $(ratio "${x[$r]}" "${y[$r]}")"; done
  echo "$out"
}

echo
echo "Handshakes: $ROUNDS rounds of tls_handshake_bench --threads $HS_THREADS" \
  "--duration $DURATION (+${WARMUP}s warm-up), medians; $WORKERS server workers each;" \
  "client and servers share $(nproc) cores; pinning: ${TASKSET:-none}"
printf '| %-26s | %-7s | %12s | %13s | %14s | %11s | %6s | %12s | %-20s | %s |\n' \
  case server "handshakes/s" range "server CPU us" "not resumed" failed "tickets/conn" \
  "closed without c_n" negotiated
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ---------------------------- --------- \
  -------------: --------------: ---------------: ------------: -------: -------------: \
  ---------------------- ------------
for c in "${CASES[@]}"; do
  for s in "${SERVERS[@]}"; do
    k="$c/$s"
    not_resumed="$(total "${HS_NOT[$k]}")"
    [[ "$c" == full* ]] && not_resumed="-"  # no session offered
    printf '| %-26s | %-7s | %12s | %13s | %14s | %11s | %6s | %12s | %-20s | %s |\n' \
      "${CASE_NAME[$c]}" "$s" "$(median "${HS[$k]}" %.0f)" "$(spread "${HS[$k]}")" \
      "$(median "${HS_CPU[$k]}" %.0f)" "$not_resumed" "$(total "${HS_FAIL[$k]}")" \
      "${HS_TICKETS[$k]}" "${HS_CLOSE[$k]}" "${HS_DESC[$k]}"
  done
done
for c in "${CASES[@]}"; do
  rounds="$(per_round HS "$c/rampart" "$c/nginx")"
  cpu_rounds="$(per_round HS_CPU "$c/rampart" "$c/nginx")"
  printf '  %-28s rampart/nginx handshakes/s %5sx (rounds %5sx, %s)   server CPU per handshake %5sx (rounds %s)\n' \
    "${CASE_NAME[$c]}" "$(ratio "$(median "${HS[$c/rampart]}")" "$(median "${HS[$c/nginx]}")")" \
    "$(median "$rounds")" "$(spread "$rounds")" \
    "$(ratio "$(median "${HS_CPU[$c/rampart]}")" "$(median "${HS_CPU[$c/nginx]}")")" \
    "$(spread "$cpu_rounds")"
done
echo "handshakes/s: counted handshakes per second of the measured run (resumed cases: resumed ones"
echo "only); server CPU us: the server's user+system time (all threads; nginx master and workers)"
echo "over the run and its warm-up, per handshake; not resumed: connections of a resumed case that"
echo "got a full handshake, all rounds; tickets/conn: sessions the server sent per connection (last"
echo "round); closed without c_n: connections the server closed without answering our"
echo "close_notify with its own, by EOF and by reset (last round)."

if [[ "$S_TIME" == 1 ]]; then
  echo
  echo "openssl s_time, one run of $S_TIME_DURATION s each (one connection at a time):"
  for kind in new reuse12; do
    if [[ "$kind" == new ]]; then what="-new (full, TLS 1.3)"; else what="-reuse -tls1_2 (session id)"; fi
    printf '  %-30s rampart %6s/s (%s reused)   nginx %6s/s (%s reused)   rampart/nginx %sx\n' \
      "$what" "${ST[$kind/rampart]}" "${ST_REUSED[$kind/rampart]}" "${ST[$kind/nginx]}" \
      "${ST_REUSED[$kind/nginx]}" "$(ratio "${ST[$kind/rampart]}" "${ST[$kind/nginx]}")"
  done
  echo "  command: openssl s_time -connect 127.0.0.1:PORT -time $S_TIME_DURATION -new | -reuse -tls1_2;"
  echo "  rate: connections / wall time of the command."
fi

if ((H2_ROUNDS > 0)); then
  echo
  echo "HTTP/2: $H2_ROUNDS rounds of h2load -n $H2_REQUESTS -c $H2_CLIENTS -m $H2_STREAMS URL" \
    "(https: ALPN h2; http: h2c prior knowledge), GET / (1 KiB from the backend), medians"
  printf '| %-12s | %7s | %13s | %10s | %7s |\n' target "req/s" "req/s range" "CPU us/req" "not 2xx"
  printf '|%s|%s|%s|%s|%s|\n' -------------- --------: --------------: ------------: ---------:
  for t in "${H2_TARGETS[@]}"; do
    printf '| %-12s | %7s | %13s | %10s | %7s |\n' "$t" "$(median "${H2[$t]}" %.0f)" \
      "$(spread "${H2[$t]}")" "$(median "${H2_CPU[$t]}" %.1f)" "$(total "${H2_BAD[$t]}")"
  done
  for pair in rampart-h2/nginx-h2 rampart-h2c/nginx-h2c rampart-h2/rampart-h2c; do
    a="${pair%/*}" b="${pair#*/}"
    rounds="$(per_round H2 "$a" "$b")"
    printf '  %-24s req/s %5sx (rounds %5sx, %s)   CPU/request %5sx\n' "$pair" \
      "$(ratio "$(median "${H2[$a]}")" "$(median "${H2[$b]}")")" "$(median "$rounds")" \
      "$(spread "$rounds")" "$(ratio "$(median "${H2_CPU[$a]}")" "$(median "${H2_CPU[$b]}")")"
  done
  echo "CPU us/req: the server's user+system time over the measured h2load run per request."
fi
