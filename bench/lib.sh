# shellcheck shell=bash
# Helpers shared by the bench/*.sh scripts; sourced, not run. See bench/README.md.
#
# Expects SRC_DIR (the source tree), BUILD_DIR and TASKSET to be set by the sourcing script,
# and uses these globals of its own: TMP (the run's mktemp -d directory), PIDS (every process
# started, stopped on exit), PID / PORT (associative arrays keyed by target name), NGINX,
# RAMPART_BIN; the ModSecurity helpers at the end read RULES_DIR, UNICODE_MAP, CRS_DIR and
# BODY_LIMIT.

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

PATH="$PATH:/usr/sbin:/sbin"

# ---------------------------------------------------------------------------------------------
# Tools

install_packages() {  # package...: apt-get install them, unless NO_INSTALL=1
  (($# > 0)) || return 0
  [[ "${NO_INSTALL:-0}" == 1 ]] && die "missing: $* (NO_INSTALL=1)"
  local sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  log "installing $*"
  $sudo apt-get update -qq
  # The packages may start their system services (where an init system runs them); these
  # scripts never use or touch those.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

build_tools_missing() {  # the packages needed to build rampart, one a line (none with RAMPART_BIN)
  [[ -z "${RAMPART_BIN:-}" ]] || return 0
  command -v cmake >/dev/null 2>&1 || echo cmake
  command -v ninja >/dev/null 2>&1 || echo ninja-build
}

# Builds rampart (Release) into BUILD_DIR unless RAMPART_BIN is set; sets RAMPART_BIN.
build_rampart() {
  if [[ -z "${RAMPART_BIN:-}" ]]; then
    if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] &&
      ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$SRC_DIR" "$BUILD_DIR/CMakeCache.txt"; then
      die "$BUILD_DIR was configured from another source tree; set BUILD_DIR or RAMPART_BIN"
    fi
    log "building rampart (Release) in $BUILD_DIR"
    # -Wno-restrict: GCC 12 reports a false -Wrestrict positive at -O3 inside std::string's
    # operator+ (src/net/address.cc), which -Werror turns into a failed Release build.
    cmake -S "$SRC_DIR" -B "$BUILD_DIR" -G Ninja -DRAMPART_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS="-Wno-restrict" >"$BUILD_DIR.cmake.log" 2>&1 ||
      { tail -20 "$BUILD_DIR.cmake.log" >&2; die "cmake failed"; }
    ninja -C "$BUILD_DIR" rampart >"$BUILD_DIR.ninja.log" 2>&1 ||
      { grep -A15 FAILED "$BUILD_DIR.ninja.log" | head -40 >&2; die "build failed"; }
    RAMPART_BIN="$BUILD_DIR/src/rampart"
  fi
  [[ -x "$RAMPART_BIN" ]] || die "no rampart binary at $RAMPART_BIN"
}

# build_bench_programs TARGET...: configures $BUILD_DIR (Release, -DRAMPART_BENCH=ON) from this
# tree and builds the targets; installs rampart's build dependencies when cmake fails (unless
# NO_INSTALL=1).
build_bench_programs() {
  if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] &&
    ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$SRC_DIR" "$BUILD_DIR/CMakeCache.txt"; then
    die "$BUILD_DIR was configured from another source tree; set BUILD_DIR"
  fi
  # -Wno-restrict and -Wno-maybe-uninitialized: GCC 12's false positives at -O3 (in std::string's
  # operator+ and in src/signatures/request_parts.cc), which -Werror would turn into a failed
  # Release build.
  local configure=(cmake -S "$SRC_DIR" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DRAMPART_BENCH=ON -DRAMPART_TESTS=OFF
    -DCMAKE_CXX_FLAGS="-Wno-restrict -Wno-maybe-uninitialized")
  log "building $* (Release) in $BUILD_DIR"
  if ! "${configure[@]}" >"$BUILD_DIR.cmake.log" 2>&1; then
    [[ "${NO_INSTALL:-0}" == 1 ]] && { tail -20 "$BUILD_DIR.cmake.log" >&2; die "cmake failed"; }
    log "cmake failed; installing rampart's build dependencies (scripts/install-deps.sh)"
    "$SRC_DIR/scripts/install-deps.sh" >&2
    "${configure[@]}" >"$BUILD_DIR.cmake.log" 2>&1 ||
      { tail -20 "$BUILD_DIR.cmake.log" >&2; die "cmake failed"; }
  fi
  ninja -C "$BUILD_DIR" "$@" >"$BUILD_DIR.ninja.log" 2>&1 ||
    { grep -A15 FAILED "$BUILD_DIR.ninja.log" | head -40 >&2; die "build failed"; }
}

# machine_line: "N CPUs (model), load average L; <compiler version>" for a report's first line;
# warns when the machine is busy.
machine_line() {
  local load1
  read -r load1 _ </proc/loadavg
  log "load average before the run: $load1"
  if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: the machine is busy; CPU-time figures hold up better than wall time"
  fi
  echo "$(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))," \
    "kernel $(uname -r), load average $load1;" \
    "$("$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")" --version |
      head -1)"
}

# ---------------------------------------------------------------------------------------------
# Process bookkeeping: every process started is recorded in PIDS and stopped on exit.

PIDS=()
declare -A PORT PID

make_tmp() {  # prefix: the run's directory, removed on exit unless KEEP_TMP=1
  TMP="$(mktemp -d "/tmp/$1.XXXXXX")"
  chmod 755 "$TMP"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

stop_pid() {  # pid: TERM, wait up to 3 s, then KILL
  local pid="$1" _
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null && return
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (: </dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
}

wait_port() {  # port pid: until something accepts on 127.0.0.1:port (at most 10 s)
  local _
  for _ in $(seq 100); do
    (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Peak RSS (VmHWM, KiB) of a process plus its direct children (nginx's workers). For nginx the
# sum counts pages shared between master and workers more than once; said in the README.
peak_rss_kib() {
  local total=0 pid kib
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    kib=$(awk '/^VmHWM:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

cpu_ticks() {  # pid: user + system clock ticks of a process and its direct children
  local total=0 pid t
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    # Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
    t=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# Runs a command (pinned when TASKSET is set) in place of the calling shell. Used as
# `pin cmd... &`, so that $! is the command's own pid, the one we measure and stop.
pin() { if [[ -n "${TASKSET:-}" ]]; then exec taskset -c "$TASKSET" "$@"; else exec "$@"; fi; }

# Right after a target was started in the background ($!): records its pid and waits until it
# accepts on its port (and any extra ports); shows LOG and stops the script when it does not.
await_started() {  # name log what [extra_port ...]
  local name="$1" log="$2" what="$3" port
  shift 3
  PID[$name]=$!
  PIDS+=("${PID[$name]}")
  for port in "${PORT[$name]}" "$@"; do
    wait_port "$port" "${PID[$name]}" || { cat "$log" >&2; die "$what did not start"; }
  done
}

check_rampart_config() {  # dir holding rampart.yaml
  "$RAMPART_BIN" check -c "$1/rampart.yaml" >"$1/check.log" 2>&1 ||
    { cat "$1/check.log" >&2; die "rampart check failed"; }
}

nginx_temp_paths() {  # dir: temp paths for every module this nginx has
  local d="$1" m
  echo "client_body_temp_path $d/client_body; proxy_temp_path $d/proxy;"
  for m in fastcgi uwsgi scgi; do
    "$NGINX" -V 2>&1 | grep -q -- "--without-http_${m}_module" || echo "${m}_temp_path $d/$m;"
  done
}

nginx_user() {  # as root, workers would drop to nobody and could not use our tmp dir
  if [[ "$(id -u)" -eq 0 ]]; then echo "user root;"; fi
}

check_200() {  # url: must answer 200 before we load it
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true)
  [[ "$code" == 200 ]] || die "$1 answered $code"
}

# ---------------------------------------------------------------------------------------------
# Numbers

to_ms() {  # wrk latency ("812.00us", "1.20ms", "1.03s", "1.00m") -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000;
    else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}

median() {  # values [printf format]
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk -v f="${2:-%.2f}" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf f "\n", m }'
}
spread() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
  END { print lo "-" hi }'; }
total() { tr ' ' '\n' <<<"$1" | awk '{ s += $1 } END { print s + 0 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

# nginx's "location /" of every proxying nginx target: proxy to the "backend" upstream with
# keep-alive, the headers rampart adds, and bodies streamed through memory as rampart does
# instead of spooled to temp files.
nginx_proxy_location() {
  cat <<'EOF'
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The headers rampart adds.
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header Via "1.1 nginx";
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header traceparent "00-$request_id-00f067aa0ba902b7-01";
      add_header X-Request-Id $request_id always;
      proxy_request_buffering off;
      proxy_max_temp_file_size 0;
    }
EOF
}

# The backend of the proxy benchmarks: one nginx worker answering every GET with a fixed 1 KiB
# body, on PORT[backend] (chosen here), under $TMP/backend. Sets BODY_1K.
start_simple_backend() {  # nginx_binary
  local nginx="$1"
  BODY_1K="$(head -c 1024 /dev/zero | tr '\0' 'x')"
  PORT[backend]="$(free_port)"
  mkdir -p "$TMP/backend"
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
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  $(nginx_temp_paths "$TMP/backend")
  server {
    listen 127.0.0.1:${PORT[backend]};
    location / { return 200 "$BODY_1K"; }
  }
}
EOF
  "$nginx" -p "$TMP/backend" -c "$TMP/backend/nginx.conf" -e "$TMP/backend/error.log" \
    >"$TMP/backend/stdout.log" 2>&1 &
  await_started backend "$TMP/backend/error.log" "backend nginx"
}

# ---------------------------------------------------------------------------------------------
# nginx + ModSecurity with rampart's rules (bench/waf.sh, bench/eval.sh)

# The unicode.mapping rampart picks (src/modsec/engine.cc): its candidates, then rules_dir's
# ($RULES_DIR). Prints the path, or nothing.
find_unicode_map() {
  local f
  for f in /etc/nginx/unicode.mapping /usr/share/nginx/docs/modsecurity/unicode.mapping \
    "$RULES_DIR/unicode.mapping"; do
    if [[ -f "$f" ]]; then echo "$f"; return; fi
  done
}

# The rule set rampart composes for the route (src/modsec/policy_rules.cc, rules/README.md):
# head (base config, unicode map, engine, body limits, generated ids 900000/900001), then
# crs-setup.conf and CRS's REQUEST-*/RESPONSE-* files in name order without 900/999.
setvar_action() {  # id setvar...: a phase-1 SecAction written as rampart's AppendSetVar does
  local id="$1" line s
  shift
  line="SecAction \"id:$id,phase:1,pass,nolog,t:none"
  for s in "$@"; do line+=",setvar:'$s'"; done
  echo "$line\""
}

# write_modsec_rules FILE [PARANOIA]: the rules of a route {mode: block, profile: crs, paranoia: PARANOIA
# (default 1), request_body.limit: $BODY_LIMIT}, from RULES_DIR, UNICODE_MAP and CRS_DIR.
write_modsec_rules() {
  local paranoia="${2:-1}"
  {
    echo "# rampart's rules for a route {mode: block, profile: crs, paranoia: $paranoia," \
      "request_body.limit: $BODY_LIMIT}"
    echo "Include $RULES_DIR/modsecurity.conf"
    if [[ -n "$UNICODE_MAP" ]]; then echo "SecUnicodeMapFile $UNICODE_MAP 20127"; fi
    echo "SecRuleEngine On"
    echo "SecRequestBodyLimit $BODY_LIMIT"
    echo "SecRequestBodyNoFilesLimit $BODY_LIMIT"
    echo "SecRequestBodyLimitAction ProcessPartial"
    echo "SecResponseBodyAccess Off"
    echo "SecResponseBodyLimit 524288"
    echo "SecResponseBodyLimitAction ProcessPartial"
    setvar_action 900000 "tx.paranoia_level=$paranoia" "tx.executing_paranoia_level=$paranoia"
    setvar_action 900001 tx.inbound_anomaly_score_threshold=5 tx.outbound_anomaly_score_threshold=4
    echo "Include $RULES_DIR/crs-setup.conf"
    local f
    while read -r f; do
      case "$(basename "$f")" in
        REQUEST-900-* | RESPONSE-999-*) ;;
        REQUEST-*.conf | RESPONSE-*.conf) echo "Include $f" ;;
      esac
    done < <(find "$CRS_DIR/rules" -maxdepth 1 -name '*.conf' | LC_ALL=C sort)
  } >"$1"
}
