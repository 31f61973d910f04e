#pragma once
// TrafficSplit: a route that sends its requests to several pools — by header or cookie value
// (A/B: the first matching rule wins), else by weight (canary, blue-green). A sticky split
// hashes a per-client key instead of drawing at random, so a client keeps its pool.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "http/message.h"

namespace rampart::routing {

struct SplitTarget {
  size_t pool_index = 0;  // into the runtime's pools
  uint32_t weight = 0;    // 0: a value rule only
  std::string header;     // value rule: this header (or cookie) equals value
  std::string cookie;
  std::string value;
};

struct TrafficSplit {
  std::vector<SplitTarget> targets;
  std::optional<config::HashKeyConfig> sticky;

  // The pool index for this request. `random` is used when the split is not sticky.
  size_t Choose(const http::Request& request, std::string_view path, std::string_view client_ip,
                uint64_t random) const;
};

}  // namespace rampart::routing
