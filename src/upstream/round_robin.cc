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
  // Cycle over the eligible servers only (primaries not yet tried; backups when none is left),
  // so excluding one server or configuring a backup does not skew the others' shares.
  for (bool backups : {false, true}) {
    const auto eligible = [&](size_t i) {
      return context.servers[i].backup == backups && !IsExcluded(context, i);
    };
    size_t count = 0;
    for (size_t i = 0; i < n; ++i) count += eligible(i) ? 1 : 0;
    if (count == 0) continue;
    size_t k = static_cast<size_t>(next_.fetch_add(1, std::memory_order_relaxed) % count);
    for (size_t i = 0; i < n; ++i) {
      if (eligible(i) && k-- == 0) return i;
    }
  }
  return std::nullopt;
}

}  // namespace rampart::upstream
