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
  - match: {path_prefix: /}
    pool: demo
    set_response_headers:
      X-Served-By: rampart
logging:
  access_log: "-"
  access_log_format: json
)yaml";

}  // namespace

const std::string& EmbeddedDefaultYaml() {
  static const std::string yaml(kDefaultYaml);
  return yaml;
}

}  // namespace rampart::config
