#!/usr/bin/env bash
# Refreshes rules/good-bots/*.txt from the address lists search engines publish for their
# crawlers (JSON documents of {"prefixes": [{"ipv4Prefix": ...} | {"ipv6Prefix": ...}]}).
# Usage: scripts/update-good-bots.sh [RULES_DIR]   (default: the repository's rules/)
# A download that fails or holds no prefix leaves the old file as it was.
set -euo pipefail
rules_dir="${1:-$(cd "$(dirname "$0")/.." && pwd)/rules}"
declare -A SOURCES=(
  [googlebot]="https://developers.google.com/static/search/apis/ipranges/googlebot.json"
  [bingbot]="https://www.bing.com/toolbox/bingbot.json"
)
for name in "${!SOURCES[@]}"; do
  url="${SOURCES[$name]}"
  tmp="$(mktemp)"
  if ! curl -fsSL --max-time 30 "$url" -o "$tmp"; then
    echo "update-good-bots: cannot download $url; $name.txt kept" >&2
    rm -f "$tmp"
    continue
  fi
  out="$rules_dir/good-bots/$name.txt"
  if python3 - "$tmp" "$url" >"$out.new" <<'PY'; then
import json, sys
data = json.load(open(sys.argv[1]))
prefixes = [p.get("ipv4Prefix") or p.get("ipv6Prefix") for p in data.get("prefixes", [])]
prefixes = [p for p in prefixes if p]
if not prefixes:
    sys.exit(1)
print(f"# {sys.argv[2]}, creationTime {data.get('creationTime', '?')}")
print("\n".join(prefixes))
PY
    mv "$out.new" "$out"
    echo "update-good-bots: $name: $(grep -vc '^#' "$out") prefixes" >&2
  else
    echo "update-good-bots: no prefixes in $url; $name.txt kept" >&2
    rm -f "$out.new"
  fi
  rm -f "$tmp"
done
