#pragma once
// Server lists for balancer tests: server i is "10.0.0.<i+1>:8080" with its own state.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "upstream/pool.h"

namespace rampart::upstream::testing {

inline std::vector<Server> MakeServers(const std::vector<uint32_t>& weights,
                                       const std::vector<bool>& backup = {}) {
  std::vector<Server> servers(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    servers[i].address_text = "10.0.0." + std::to_string(i + 1) + ":8080";
    servers[i].weight = weights[i];
    servers[i].backup = i < backup.size() && backup[i];
    servers[i].state = std::make_shared<ServerState>();
  }
  return servers;
}

// `count` servers of weight 1.
inline std::vector<Server> MakeEqualServers(size_t count) {
  return MakeServers(std::vector<uint32_t>(count, 1));
}

}  // namespace rampart::upstream::testing
