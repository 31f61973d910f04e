#pragma once
// Consistent hashing (ketama-style ring): a key keeps its server, and when a server leaves or
// joins only the keys on that server move. For caches keyed by URL, user or session.

#include <cstdint>
#include <vector>

#include "upstream/balancer.h"

namespace rampart::upstream {

// Immutable after construction; shared by all workers. One ring for primaries and backups:
// the candidate filter already keeps a pick within one tier.
class ConsistentHash final : public Balancer {
 public:
  static constexpr uint32_t kPointsPerWeight = 160;

  explicit ConsistentHash(const std::vector<Server>& servers);

  size_t Pick(const PickContext& context) const override;

 private:
  struct Point {
    uint64_t hash;
    size_t server;
  };
  std::vector<Point> ring_;  // sorted by hash
};

}  // namespace rampart::upstream
