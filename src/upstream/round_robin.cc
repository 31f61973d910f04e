#include "upstream/round_robin.h"

namespace rampart::upstream {

size_t RoundRobin::Pick(const PickContext& context) const {
  // Cycling over the candidates only, so a down or already-tried server does not skew the
  // others' shares.
  const uint64_t k = next_.fetch_add(1, std::memory_order_relaxed);
  return context.candidates[k % context.candidates.size()];
}

}  // namespace rampart::upstream
