#pragma once
// Smooth weighted round robin, as nginx does it: each server gets its weight's share, and the
// picks of a heavy server are interleaved with the others' rather than sent in a burst.

#include <cstdint>
#include <mutex>
#include <vector>

#include "upstream/balancer.h"

namespace rampart::upstream {

// One per pool, shared by all workers; the per-server current weights sit behind a mutex held
// for one pass over the candidates.
class WeightedRoundRobin final : public Balancer {
 public:
  explicit WeightedRoundRobin(size_t server_count) : current_(server_count, 0) {}

  size_t Pick(const PickContext& context) const override;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<int64_t> current_;  // nginx's current_weight, by server index
};

}  // namespace rampart::upstream
