#!/usr/bin/env bash
# README command 1: install, build, and run rampart on its embedded default — 127.0.0.1:8080 in
# front of a demo backend it starts itself (127.0.0.1:8081), admin on 127.0.0.1:9901.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAMPART_TESTS=OFF >/dev/null
ninja -C build rampart
cat <<'TRY'

rampart is starting on http://127.0.0.1:8080 (Ctrl-C to stop). In another terminal, try:
  curl -i http://127.0.0.1:8080/hello?name=world            # proxied to the demo backend
  curl -i http://127.0.0.1:8080/old                         # a redirect route (301)
  curl -i -d 'comment=hi' http://127.0.0.1:8080/form        # a POST with a body
  curl -i "http://127.0.0.1:8080/?id=1%27%20OR%201=1--"     # SQL injection: 403 from the WAF
  curl -i -A 'sqlmap/1.7.2#stable' http://127.0.0.1:8080/   # a scanner: 403 from the signatures
  curl -i --path-as-is http://127.0.0.1:8080/static/../.git/config  # an exploit probe: 403
  curl -i -d 'q=<script>alert(1)</script>' http://127.0.0.1:8080/search
                                                            # XSS in a form body: 403; the
                                                            # attack record is the JSON line
                                                            # with "rules" on stdout
  curl -i -H 'Transfer-Encoding: chunked' -H 'Content-Length: 3' -d abc http://127.0.0.1:8080/
                                                            # smuggling attempt: 400, never proxied
  for i in $(seq 30); do curl -s -o /dev/null -w '%{http_code} ' http://127.0.0.1:8080/; done; echo
                                                            # a burst of 20 passes, then 429 (rate limit)
  curl -s http://127.0.0.1:9901/metrics | grep rampart_     # Prometheus metrics
  curl -i --http2-prior-knowledge http://127.0.0.1:8080/hello  # HTTP/2 (h2c), same stages
  kill -HUP <pid>                                           # reload the configuration

TRY
exec build/src/rampart run
