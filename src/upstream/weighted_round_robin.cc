#include "upstream/weighted_round_robin.h"

#include <algorithm>

#include "upstream/pool.h"

namespace rampart::upstream {

size_t WeightedRoundRobin::Pick(const PickContext& context) const {
  std::lock_guard lock(mutex_);
  if (current_.size() < context.servers.size()) current_.resize(context.servers.size(), 0);
  // Only the candidates take part, so a down or tried server neither gains credit while out
  // nor skews the others' shares.
  int64_t total = 0;
  size_t best = context.candidates.front();
  for (size_t i : context.candidates) {
    const int64_t weight = std::max<uint32_t>(context.servers[i].weight, 1);
    current_[i] += weight;
    total += weight;
    // Strictly greater: on a tie the lowest index wins, which makes the order deterministic.
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total;
  return best;
}

}  // namespace rampart::upstream
