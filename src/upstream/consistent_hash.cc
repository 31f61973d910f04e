#include "upstream/consistent_hash.h"

#include <algorithm>
#include <string>

#include "core/hash.h"
#include "upstream/pool.h"

namespace rampart::upstream {

ConsistentHash::ConsistentHash(const std::vector<Server>& servers) {
  for (size_t s = 0; s < servers.size(); ++s) {
    // A point depends on the server's own address only, so adding or removing a server leaves
    // every other server's points, and thus its keys, where they were.
    const uint32_t points = kPointsPerWeight * std::max<uint32_t>(servers[s].weight, 1);
    for (uint32_t i = 0; i < points; ++i) {
      ring_.push_back({core::StableHash(servers[s].address_text + '#' + std::to_string(i)), s});
    }
  }
  // The server breaks hash collisions, so the ring does not depend on the sort's whims.
  std::sort(ring_.begin(), ring_.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.server < b.server;
  });
}

size_t ConsistentHash::Pick(const PickContext& context) const {
  const uint64_t hash = core::StableHash(context.key);
  const auto start = std::lower_bound(ring_.begin(), ring_.end(), hash,
                                      [](const Point& p, uint64_t h) { return p.hash < h; });
  // Clockwise to the first candidate's point: a down or tried server's keys spill onto the
  // servers that follow each of its points, spread over all the others.
  const size_t first = static_cast<size_t>(start - ring_.begin());
  for (size_t k = 0; k < ring_.size(); ++k) {
    const Point& point = ring_[(first + k) % ring_.size()];
    if (IsCandidate(context, point.server)) return point.server;
  }
  return context.candidates[hash % context.candidates.size()];
}

}  // namespace rampart::upstream
