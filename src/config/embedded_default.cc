// The configuration rampart runs with when no file is given: the README's first command.

#include <string_view>

#include "config/loader.h"

namespace rampart::config {

namespace {

constexpr std::string_view kDefaultYaml = R"yaml(# rampart's built-in demo configuration.
workers: auto
listen:
  - address: 127.0.0.1:8080
admin:
  address: 127.0.0.1:9901
pools:
  demo:
    servers:
      - address: 127.0.0.1:8081
routes:
  - match: {path: /old}
    redirect: {to: /, status: 301}
  # Cached for 30 s (the demo backend sends no Cache-Control), and compressed.
  - match: {path_prefix: /cached/}
    pool: demo
    waf:
      mode: block   # profile balanced (the default): docs/detection.md
      exclusions: [{id: 920350}]
    signatures: {}
    cache: {ttl: 30s, cache_status: true}
    compression: {}
  - match: {path_prefix: /}
    pool: demo
    set_response_headers:
      X-Served-By: rampart
    waf:
      mode: block
      # The demo is reached as 127.0.0.1: CRS would note every request for a numeric Host.
      exclusions: [{id: 920350}]
    signatures: {}
    # Per client address: bursts of 20, then 10 a second; past it, 429 with Retry-After.
    rate_limit: {key: client_ip, rate: 10/s, burst: 20}
logging:
  access_log: "-"
  access_log_format: json
  attack_log: "-"
)yaml";

}  // namespace

const std::string& EmbeddedDefaultYaml() {
  static const std::string yaml(kDefaultYaml);
  return yaml;
}

}  // namespace rampart::config
