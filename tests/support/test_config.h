#pragma once
// Builds rampart YAML configurations for e2e tests: the common case (one listener and the admin
// listener on 127.0.0.1:0, one pool "app", one catch-all route "main") plus hooks for what a
// test changes. Plain text in, plain text out; see src/config/config.h for the schema.

#include <cstdint>
#include <string>
#include <vector>

namespace rampart::test {

struct ConfigOptions {
  int workers = 2;
  // Servers of pool "app"; the origin's port normally.
  std::vector<uint16_t> backend_ports;
  // Extra "key: value" lines inside pools.app (e.g. "read_timeout: 300ms").
  std::vector<std::string> pool_lines;
  // Extra "key: value" lines inside the catch-all route (e.g. "set_response_headers: {X-A: b}").
  std::vector<std::string> route_lines;
  // When set, replaces the whole "pools:" section (text starting with "pools:").
  std::string pools_yaml;
  // When set, replaces the whole "routes:" section (text starting with "routes:").
  std::string routes_yaml;
  // Appended verbatim at top level (e.g. "timeouts:\n  client_header: 1s\n").
  std::string extra;
  bool admin = true;
  // admin.token_file (the admin API's bearer token); empty: none.
  std::string admin_token_file;
};

// The YAML text. Logs go under `dir` (the test's RampartProcess::dir()).
std::string MakeConfig(const std::string& dir, const ConfigOptions& options);
// Shorthand: one backend, everything else default.
std::string MakeConfig(const std::string& dir, uint16_t backend_port);

}  // namespace rampart::test
