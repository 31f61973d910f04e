#!/usr/bin/env bash
# Bot challenge benchmark. See bench/README.md.
#   1. bench/bot_bench (in process): what the challenge costs rampart per request — checking a
#      clearance cookie (valid, forged), Challenger::Cleared on an exchange, issuing a page,
#      checking an answer — in µs of CPU time.
#   2. Solve times in a real browser: the real rampart with one `bot: {challenge: always}` route
#      per difficulty (/d12/, /d14/, ...) in front of a tiny backend (python3 -m http.server);
#      headless Chromium, with a fresh profile each run, opens /dD/?run=N, solves the page and
#      loads the page again with its new cookie; once the backend has that request, Chromium's
#      process group is ended. The solve time is what the page reported (X-Rampart-Elapsed:
#      from starting its worker to the nonce found), read from rampart's attack log ("bot:solved
#      ... N ms in the browser") and checked against the /metrics histogram's count and sum.
#      Runs go round the difficulties in turn, so that drift in the machine's load reaches all
#      of them alike.
#
# Everything listens on 127.0.0.1 only, on ports the kernel picks; every process this script
# starts is stopped on exit (Chromium by its process group). Nothing under /etc is written and
# no system service is touched.
#
# Environment (all optional):
#   RAMPART_BIN    use this rampart binary for part 2 (bot_bench is built anyway)
#   BUILD_DIR      where to build (default /tmp/rampart-bench-bot-build)
#   BUDGET_MS      CPU milliseconds of each in-process case's timed samples (default 1000)
#   MICRO          1: part 1 (default 1)
#   SOLVE          1: part 2 (default 1)
#   DIFFICULTIES   the difficulties of part 2 (default "12 14 16 18 20")
#   RUNS           browser runs per difficulty (default 9)
#   RUN_TIMEOUT    seconds a run may take, browser start included (default 60)
#   CHROMIUM       the browser (default: chromium, else chromium-browser)
#   NO_INSTALL=1   never call apt-get
#   KEEP_TMP=1     keep the temporary directory (config, logs)
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-bot-build}"
BUDGET_MS="${BUDGET_MS:-1000}"
MICRO="${MICRO:-1}"
SOLVE="${SOLVE:-1}"
DIFFICULTIES="${DIFFICULTIES:-12 14 16 18 20}"
RUNS="${RUNS:-9}"
RUN_TIMEOUT="${RUN_TIMEOUT:-60}"
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

# ---------------------------------------------------------------------------------------------
# Tools and build

CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
need_install=()
command -v cmake >/dev/null 2>&1 || need_install+=(cmake)
command -v ninja >/dev/null 2>&1 || need_install+=(ninja-build)
if [[ "$SOLVE" == 1 ]]; then
  [[ -n "$CHROMIUM" ]] || need_install+=(chromium)
  command -v python3 >/dev/null 2>&1 || need_install+=(python3)
  command -v curl >/dev/null 2>&1 || need_install+=(curl)
fi
install_packages "${need_install[@]}"
[[ "$SOLVE" != 1 || -n "$CHROMIUM" ]] || CHROMIUM="$(command -v chromium)"

targets=(bot_bench)
[[ "$SOLVE" == 1 && -z "${RAMPART_BIN:-}" ]] && targets+=(rampart)
build_bench_programs "${targets[@]}"
RAMPART_BIN="${RAMPART_BIN:-$BUILD_DIR/src/rampart}"

make_tmp rampart-bench-bot
# Chromium runs in a process group of its own (setsid); the one running, if any, is ended on
# exit with the rest.
CHROME_PGID=""
stop_chromium() {
  [[ -n "$CHROME_PGID" ]] || return 0
  kill -TERM -- "-$CHROME_PGID" 2>/dev/null || true
  local _
  for _ in $(seq 20); do
    kill -0 -- "-$CHROME_PGID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$CHROME_PGID" 2>/dev/null || true
  CHROME_PGID=""
}
trap 'stop_chromium; cleanup' EXIT

echo "rampart bot bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(machine_line)"

# ---------------------------------------------------------------------------------------------
# 1. In process

if [[ "$MICRO" == 1 ]]; then
  echo
  "$BUILD_DIR/bench/bot_bench" --budget-ms "$BUDGET_MS"
fi
[[ "$SOLVE" == 1 ]] || exit 0
[[ -x "$RAMPART_BIN" ]] || die "no rampart binary at $RAMPART_BIN"

# ---------------------------------------------------------------------------------------------
# 2. Solve times in headless Chromium

# The backend: a directory of one small page per difficulty.
mkdir -p "$TMP/site" "$TMP/rampart"
for d in $DIFFICULTIES; do
  mkdir -p "$TMP/site/d$d"
  printf '<!doctype html><title>d%s</title><p>behind the challenge, D = %s</p>\n' "$d" "$d" \
    >"$TMP/site/d$d/index.html"
done
PORT[backend]="$(free_port)"
python3 -u -m http.server "${PORT[backend]}" --bind 127.0.0.1 --directory "$TMP/site" \
  >"$TMP/backend.log" 2>&1 &
await_started backend "$TMP/backend.log" "backend (python3 -m http.server)"

PORT[rampart]="$(free_port)"
ADMIN_PORT="$(free_port)"
{
  echo "workers: 1"
  echo "listen: [{address: 127.0.0.1:${PORT[rampart]}}]"
  echo "admin: {address: 127.0.0.1:$ADMIN_PORT}"
  echo "pools: {site: {servers: [{address: 127.0.0.1:${PORT[backend]}}]}}"
  echo "routes:"
  for d in $DIFFICULTIES; do
    echo "  - {match: {path_prefix: /d$d/}, pool: site, bot: {challenge: always, difficulty: $d}}"
  done
  echo "logging: {attack_log: $TMP/rampart/attack.log, level: warn}"
} >"$TMP/rampart/rampart.yaml"
check_rampart_config "$TMP/rampart"
"$RAMPART_BIN" run -c "$TMP/rampart/rampart.yaml" >"$TMP/rampart/stdout.log" 2>&1 &
await_started rampart "$TMP/rampart/stdout.log" rampart "$ADMIN_PORT"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
  "http://127.0.0.1:${PORT[rampart]}/d${DIFFICULTIES%% *}/" || true)
[[ "$code" == 403 ]] || die "a route with challenge: always answered $code, not 403"
: >"$TMP/rampart/attack.log"

metric() {  # name: its value on rampart's /metrics
  curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" |
    awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }'
}

now_ms() { date +%s%3N; }

chromium_version="$("$CHROMIUM" --version 2>/dev/null | head -1 || echo chromium)"
log "solve runs: $RUNS per difficulty ($DIFFICULTIES), $chromium_version"
declare -A SOLVE_MS WALL_MS FAILED
count0="$(metric rampart_bot_solve_seconds_count)"
sum0="$(metric rampart_bot_solve_seconds_sum)"
for run in $(seq "$RUNS"); do
  for d in $DIFFICULTIES; do
    url="http://127.0.0.1:${PORT[rampart]}/d$d/?run=$run"
    profile="$(mktemp -d "$TMP/profile.XXXXXX")"
    records_before=$(wc -l <"$TMP/rampart/attack.log")
    t0=$(now_ms)
    setsid "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
      --user-data-dir="$profile" --remote-debugging-port=0 "$url" \
      >"$TMP/chromium.log" 2>&1 &
    CHROME_PGID=$!
    # Out of the job table: the shell reports no "Aborted" when Chromium dies of our TERM.
    disown "$CHROME_PGID"
    # Until the backend has the page the cleared browser loads again.
    reached=0
    while (($(now_ms) - t0 < RUN_TIMEOUT * 1000)); do
      if grep -qF "\"GET /d$d/?run=$run " "$TMP/backend.log"; then
        reached=1
        break
      fi
      sleep 0.05
    done
    t1=$(now_ms)
    stop_chromium
    rm -rf "$profile"
    if ((!reached)); then
      log "D=$d run $run: the backend never got the page within ${RUN_TIMEOUT}s"
      FAILED[$d]=$((${FAILED[$d]:-0} + 1))
      continue
    fi
    # The attack-log record of the answer (written by the worker; give it a moment).
    ms=""
    for _ in $(seq 50); do
      ms=$(tail -n +"$((records_before + 1))" "$TMP/rampart/attack.log" |
        grep -o "difficulty $d, [0-9]* ms in the browser" | head -1 | awk '{ print $3 }' || true)
      [[ -n "$ms" ]] && break
      sleep 0.1
    done
    if [[ -z "$ms" ]]; then
      log "D=$d run $run: no bot:solved record with a time in the attack log"
      FAILED[$d]=$((${FAILED[$d]:-0} + 1))
      continue
    fi
    SOLVE_MS[$d]+="$ms "
    WALL_MS[$d]+="$((t1 - t0)) "
    log "D=$d run $run: solved in $ms ms (browser start to backend $((t1 - t0)) ms)"
  done
done
count1="$(metric rampart_bot_solve_seconds_count)"
sum1="$(metric rampart_bot_solve_seconds_sum)"

mean() { tr ' ' '\n' <<<"$1" | awk 'NF { s += $1; n++ } END { printf "%.0f", n ? s / n : 0 }'; }
all_ms=""
echo
echo "Solve times in headless Chromium ($chromium_version), as the page reports them; runs" \
  "interleaved over the difficulties"
echo "| D | expected hashes (2^D) | runs | median ms | mean ms | min-max ms |" \
  "browser start to backend, median ms | failed |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for d in $DIFFICULTIES; do
  v="${SOLVE_MS[$d]:-}"
  all_ms+="$v"
  if [[ -z "$v" ]]; then
    echo "| $d | $((1 << d)) | 0 | - | - | - | - | ${FAILED[$d]:-0} |"
    continue
  fi
  n=$(wc -w <<<"$v")
  echo "| $d | $((1 << d)) | $n | $(median "$v" %.0f) | $(mean "$v") | $(spread "$v") |" \
    "$(median "${WALL_MS[$d]}" %.0f) | ${FAILED[$d]:-0} |"
done
# The /metrics histogram saw the same answers (its sum is in seconds, 3 decimals).
solved=$(wc -w <<<"$all_ms")
metric_count=$(awk -v a="$count0" -v b="$count1" 'BEGIN { print b - a }')
metric_sum_ms=$(awk -v a="$sum0" -v b="$sum1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
echo "/metrics: rampart_bot_solve_seconds count +$metric_count, sum +$metric_sum_ms ms;" \
  "attack log: $solved answers, $(total "$all_ms") ms"
