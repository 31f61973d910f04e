#include "upstream/round_robin.h"

#include "upstream/pool.h"

namespace rampart::upstream {

bool IsExcluded(const PickContext& context, size_t index) {
  for (size_t e : context.excluded) {
    if (e == index) return true;
  }
  return false;
}

std::optional<size_t> RoundRobin::Pick(const PickContext& context) const {
  const size_t n = context.servers.size();
  if (n == 0) return std::nullopt;
  const uint64_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (bool backups : {false, true}) {
    for (size_t k = 0; k < n; ++k) {
      const size_t i = static_cast<size_t>((start + k) % n);
      if (context.servers[i].backup == backups && !IsExcluded(context, i)) return i;
    }
  }
  return std::nullopt;
}

}  // namespace rampart::upstream
