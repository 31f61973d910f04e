#pragma once
// Least connections: the candidate with the fewest requests in flight per unit of weight, so
// slow servers, which hold requests longer, get fewer new ones.

#include <atomic>
#include <cstdint>

#include "upstream/balancer.h"

namespace rampart::upstream {

// True when `a` has fewer active requests per unit of weight than `b`. Compares
// active_a * weight_b < active_b * weight_a: exact, no floating point.
bool LessLoaded(const Server& a, const Server& b);

// One per pool, shared by all workers; reads the servers' atomic load counters.
class LeastConn final : public Balancer {
 public:
  size_t Pick(const PickContext& context) const override;

 private:
  // Chooses among equally loaded candidates in turn, so at rest (all idle) they share evenly
  // instead of the first one taking every request.
  mutable std::atomic<uint64_t> next_{0};
};

}  // namespace rampart::upstream
