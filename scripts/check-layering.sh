#!/usr/bin/env bash
# Fails when a module includes a module it must not depend on (docs/architecture.md), or when a
# third-party header is included outside its one adapter. Run by ctest.
set -euo pipefail
cd "$(dirname "$0")/../src"

declare -A ALLOWED=(
  [core]=""
  [http]="core"
  [compress]="core"
  [cache]="http core"
  [static_files]="http core"
  [auth]="http core"
  [config]="core"
  [modsec]="core"
  [signatures]="http config core"
  [fastpath]="modsec core"
  [net]="core"
  [tls]="core"
  [acme]="tls core"
  [geo]="net core"
  [state]="net core"
  [bot]="net config http core"
  [pipeline]="http core"
  [routing]="pipeline static_files config http core"
  [stages]="stages auth bot modsec fastpath signatures geo state pipeline net http config core"
  [upstream]="net http config core"
  [proxy]="tls routing upstream pipeline net cache compress static_files http config core"
  [review]="net core"
  [server]="review acme proxy cache tls stages auth bot modsec fastpath signatures geo state routing upstream pipeline net http config core"
)
# Third-party headers and the only folder (or file) allowed to include them. A key ending in "/"
# is a header directory (<modsecurity/...>); a value is a file, or a folder or file-name prefix
# ending in "/" or "_" (state/redis_ covers state/redis_client.cc and state/redis_backend.cc).
declare -A ADAPTER=(
  [pcre2.h]="core/regex.cc"
  [modsecurity/]="modsec/"
  [hs/]="signatures/ fastpath/pattern_set.cc"
  [maxminddb.h]="geo/geo_database.cc"
  [hiredis/]="state/redis_"
  [crypt.h]="auth/htpasswd.cc"
  [openssl/ssl.h]="tls/"
  [curl/]="acme/curl_transport.cc"
  [nghttp2/]="proxy/h2_"
  [zlib.h]="compress/gzip_encoder.cc"
  [brotli/]="compress/brotli_encoder.cc"
  [zstd.h]="compress/zstd_encoder.cc"
)

status=0
for module in "${!ALLOWED[@]}"; do
  [ -d "$module" ] || continue
  while IFS=: read -r file _ line; do
    dep=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    [ "$dep" = "$module" ] && continue
    if [[ " ${ALLOWED[$module]} " != *" $dep "* ]]; then
      echo "layering: $file includes $dep/ (allowed for $module: ${ALLOWED[$module]:-nothing})"
      status=1
    fi
  done < <(grep -rn '#include "[a-z_]*/' "$module" || true)
done
for header in "${!ADAPTER[@]}"; do
  allowed=${ADAPTER[$header]}
  pattern="#include <$header>"
  [[ "$header" == */ ]] && pattern="#include <$header"
  while IFS=: read -r file _; do
    ok=0
    for place in $allowed; do  # several places: space-separated
      if [[ "$place" == */ || "$place" == *_ ]]; then
        [[ "$file" == "$place"* ]] && ok=1
      elif [ "$file" = "$place" ]; then
        ok=1
      fi
    done
    [ $ok -eq 1 ] && continue
    echo "adapter: $file includes <$header...>; only $allowed may"
    status=1
  done < <(grep -rlnF "$pattern" . | sed 's|^\./||' | sed 's/$/:/' || true)
done
[ $status -eq 0 ] && echo "layering: ok"
exit $status
