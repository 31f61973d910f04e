#include "support/test_config.h"

namespace rampart::test {

std::string MakeConfig(const std::string& dir, const ConfigOptions& options) {
  std::string y;
  y += "workers: " + std::to_string(options.workers) + "\n";
  y += "listen:\n  - address: 127.0.0.1:0\n";
  if (options.admin) {
    y += "admin:\n  address: 127.0.0.1:0\n";
    if (!options.admin_token_file.empty()) y += "  token_file: " + options.admin_token_file + "\n";
  }
  if (!options.pools_yaml.empty()) {
    y += options.pools_yaml;
    if (y.back() != '\n') y += "\n";
  } else {
    y += "pools:\n  app:\n    servers:\n";
    for (uint16_t port : options.backend_ports) {
      y += "      - address: 127.0.0.1:" + std::to_string(port) + "\n";
    }
    for (const std::string& line : options.pool_lines) y += "    " + line + "\n";
  }
  if (!options.routes_yaml.empty()) {
    y += options.routes_yaml;
    if (y.back() != '\n') y += "\n";
  } else {
    y += "routes:\n  - name: main\n    match:\n      path_prefix: /\n    pool: app\n";
    for (const std::string& line : options.route_lines) y += "    " + line + "\n";
  }
  y += "logging:\n  access_log: " + dir + "/access.log\n";
  y += options.extra;
  if (!y.empty() && y.back() != '\n') y += "\n";
  return y;
}

std::string MakeConfig(const std::string& dir, uint16_t backend_port) {
  ConfigOptions options;
  options.backend_ports = {backend_port};
  return MakeConfig(dir, options);
}

}  // namespace rampart::test
