#!/usr/bin/env bash
# Runs testssl.sh (Debian's package testssl.sh) against rampart's TLS listener with the default
# TLS settings (profile intermediate, session cache, tickets, h2 in ALPN), and prints its
# findings: protocols, cipher categories, forward secrecy, server defaults, HTTP headers,
# vulnerabilities, client simulation.
#
#   scripts/testssl.sh                                  # build rampart (Release) and run
#   RAMPART_BIN=/path/to/rampart scripts/testssl.sh     # use an existing binary
#
# rampart listens on 127.0.0.1 only, on a port the kernel picks, with an ECDSA P-256
# certificate for localhost and 127.0.0.1 made with the openssl CLI in a mktemp -d directory;
# it proxies to a python3 http.server on 127.0.0.1 (testssl's header checks send one GET).
# testssl connects to 127.0.0.1 only: --ip 127.0.0.1 (no resolving of the URI's host), --nodns
# none (no DNS lookups at all), and no --phone-out (the default: no CRL or OCSP fetches).
# testssl 3.0.x prints no overall rating (grade); the rating came in 3.1.
#
# Known artifacts of testssl 3.0.8 with OpenSSL 3 on a TLS 1.3 server (nginx shows them too):
# "Session Resumption" runs `openssl s_client -sess_out ... </dev/null`, which quits on the
# empty stdin and often before the post-handshake NewSessionTicket arrives, so the ticket check
# reports "Connect problem" or "yes" by chance, and "ID: no" comes from the same race (it asks
# with TLS 1.3, which has no session ids). bench/tls.sh measures both kinds of resumption.
#
# Environment (all optional):
#   RAMPART_BIN     rampart binary (default: build one in BUILD_DIR)
#   BUILD_DIR       where to build (default /tmp/rampart-testssl-build)
#   TESTSSL         the testssl.sh command (default: testssl, else testssl.sh)
#   TESTSSL_ARGS    test selection (default: none, testssl's full default run: -p -s -f -P -S
#                   -h -U -c); e.g. "-p -s -U" for protocols, ciphers and vulnerabilities only
#   PROFILE         rampart's tls.profile (default: unset, rampart's default: intermediate)
#   NO_INSTALL=1    never call apt-get
#   KEEP_TMP=1      keep the temporary directory (config, logs, testssl's JSON)
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-/tmp/rampart-testssl-build}"
TESTSSL_ARGS="${TESTSSL_ARGS:-}"
PROFILE="${PROFILE:-}"
TASKSET=""
# The helpers (install_packages, build_rampart, free_port, await_started, cleanup, ...).
# shellcheck source=bench/lib.sh
source "$SRC_DIR/bench/lib.sh"

TESTSSL="${TESTSSL:-$(command -v testssl || command -v testssl.sh || true)}"
need_install=()
[[ -n "$TESTSSL" ]] || need_install+=(testssl.sh)
command -v openssl >/dev/null 2>&1 || need_install+=(openssl)
command -v python3 >/dev/null 2>&1 || need_install+=(python3)
mapfile -t -O "${#need_install[@]}" need_install < <(build_tools_missing)
install_packages "${need_install[@]}"
TESTSSL="${TESTSSL:-$(command -v testssl || command -v testssl.sh)}"
build_rampart

make_tmp rampart-testssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >"$TMP/openssl.log" 2>&1 ||
  { cat "$TMP/openssl.log" >&2; die "openssl req failed"; }

# Backend: python3's http.server on an empty directory (GET / answers 200 with a listing).
mkdir -p "$TMP/www"
PORT[backend]="$(free_port)"
python3 -m http.server --bind 127.0.0.1 --directory "$TMP/www" "${PORT[backend]}" \
  >"$TMP/backend.log" 2>&1 &
await_started backend "$TMP/backend.log" "python3 http.server"

PORT[rampart]="$(free_port)"
profile=""
[[ -n "$PROFILE" ]] && profile=", profile: $PROFILE"
cat >"$TMP/rampart.yaml" <<EOF
listen:
  - address: 127.0.0.1:${PORT[rampart]}
    tls: {certificates: [{cert: $TMP/cert.pem, key: $TMP/key.pem}]$profile}
pools:
  app:
    servers: [{address: 127.0.0.1:${PORT[backend]}}]
routes: [{match: {path_prefix: /}, pool: app}]
logging: {level: warn}
EOF
check_rampart_config "$TMP"
"$RAMPART_BIN" run -c "$TMP/rampart.yaml" >"$TMP/rampart.log" 2>&1 &
await_started rampart "$TMP/rampart.log" rampart

log "$("$TESTSSL" --version 2>/dev/null | sed -n 's/^ *\(testssl.*[0-9]\) from.*/\1/p' | tr -s ' ' | head -1)" \
  "against rampart on 127.0.0.1:${PORT[rampart]} (certificate: ECDSA P-256, self-signed)"
set +e
# shellcheck disable=SC2086
"$TESTSSL" --quiet --color 0 --warnings off --nodns none --ip 127.0.0.1 \
  --connect-timeout 5 --openssl-timeout 5 --jsonfile "$TMP/testssl.json" $TESTSSL_ARGS \
  "localhost:${PORT[rampart]}" | tee "$TMP/testssl.txt"
status=${PIPESTATUS[0]}
set -e
[[ -s "$TMP/testssl.json" ]] || die "testssl wrote no findings (exit status $status)"

# The findings testssl rates LOW or worse, and its warnings (its JSON severities), and its exit
# status.
echo
echo "testssl exit status: $status"
python3 - "$TMP/testssl.json" <<'PY'
import json, sys
findings = json.load(open(sys.argv[1]))
order = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3, "WARN": 4}
flagged = [f for f in findings if f.get("severity") in order]
flagged.sort(key=lambda f: order[f["severity"]])
print(f"findings of severity LOW or worse, and warnings: {len(flagged)}")
for f in flagged:
    print(f"  {f['severity']:<8} {f['id']:<28} {f['finding']}")
PY
