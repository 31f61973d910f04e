#pragma once
// ip_hash: a client address always goes to the same server (weighted), as long as that server
// is available; a simple stickiness for applications that keep sessions in process memory.

#include <cstdint>
#include <vector>

#include "upstream/balancer.h"

namespace rampart::upstream {

// Immutable after construction; shared by all workers.
class IpHash final : public Balancer {
 public:
  explicit IpHash(const std::vector<Server>& servers);

  size_t Pick(const PickContext& context) const override;

 private:
  // The servers of one tier (primaries or backups) laid end to end by weight: a hash modulo
  // `total` falls on server index[k] for the first k with cumulative[k] > it.
  struct Tier {
    std::vector<size_t> index;
    std::vector<uint64_t> cumulative;
    uint64_t total = 0;
    size_t Lookup(uint64_t hash) const;
  };

  Tier primaries_;
  Tier backups_;
};

}  // namespace rampart::upstream
