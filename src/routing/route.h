#pragma once
// Route: one compiled entry of the routing table — what it matches and what it does with a
// matched request. Part of the immutable runtime snapshot, shared by all workers.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/regex.h"
#include "pipeline/chain.h"
#include "pipeline/exchange.h"
#include "routing/traffic_split.h"
#include "static_files/static_root.h"

namespace rampart::routing {

struct Route {
  std::string name;

  // Match conditions (all that are set must hold).
  std::string host;            // lower case; empty: any
  bool host_wildcard = false;  // host holds ".example.com" for "*.example.com"
  std::string path_prefix;
  std::string exact_path;
  std::shared_ptr<const core::Regex> path_regex;
  std::vector<std::string> methods;
  std::vector<std::pair<std::string, std::string>> headers;

  // What to do with a match.
  std::string pool;                   // empty for redirect routes
  size_t pool_index = 0;              // index into the runtime's pools, resolved at build time
  std::optional<TrafficSplit> split;  // set: the pool is chosen per request (pool is unused)
  std::optional<config::RedirectConfig> redirect;
  bool strip_prefix = false;
  std::shared_ptr<const core::Regex> rewrite_regex;
  std::string rewrite_replacement;
  bool preserve_host = true;
  std::optional<uint64_t> max_body_size;  // bytes (0: unlimited); unset: limits.max_body_size
  // Cleartext requests are answered with this redirect status to https:// (0: off), on
  // https_port (0: none, i.e. 443; the Host's own port is always dropped).
  int https_redirect = 0;
  uint16_t https_port = 0;
  // The Strict-Transport-Security value added to responses over TLS; empty: none.
  std::string hsts;

  // The RFC 9111 cache in front of the backends; unset: nothing is cached.
  std::optional<config::RouteCacheConfig> cache;
  bool authenticated = false;  // the route has an `auth` stage (the cache treats it as private)
  // Compression of responses to clients; unset: bodies are sent as the backend sent them.
  std::optional<config::CompressionConfig> compression;
  // A static directory served instead of a pool (with Cache-Control from `expires`).
  std::shared_ptr<const static_files::StaticRoot> static_root;
  std::optional<uint64_t> static_expires_s;

  pipeline::Chain chain;  // the route's request/response stages, in order
  // Request fields holding this route's credentials (auth.api_key): set on each exchange as soon
  // as the route matches, so that the logs mask them whichever stage refuses the request.
  std::shared_ptr<const pipeline::CredentialFields> credential_fields;
};

}  // namespace rampart::routing
