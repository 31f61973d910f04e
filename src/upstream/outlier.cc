#include "upstream/outlier.h"

#include <algorithm>

namespace rampart::upstream {

void RecordSuccess(ServerState& state) {
  state.consecutive_failures.store(0, std::memory_order_relaxed);
  // A success after an ejection: the server has earned a short ejection next time.
  state.ejection_level.store(0, std::memory_order_relaxed);
}

uint64_t RecordFailure(ServerState& state, const config::OutlierConfig& config, int64_t now_ms) {
  state.failures_total.fetch_add(1, std::memory_order_relaxed);
  if (config.consecutive_failures == 0) return 0;
  const uint32_t failures = state.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  // Exactly one of the workers that see the threshold crossed ejects; failures counted while
  // the server is already ejected (requests that were in flight) do not extend it.
  if (failures != config.consecutive_failures) return 0;
  if (now_ms < state.ejected_until_ms.load(std::memory_order_relaxed)) return 0;
  const uint32_t level = state.ejection_level.fetch_add(1, std::memory_order_relaxed);
  uint64_t ms = config.base_ejection_ms;
  for (uint32_t i = 0; i < level && ms < config.max_ejection_ms; ++i) ms *= 2;
  ms = std::min(ms, config.max_ejection_ms);
  const auto until = now_ms + static_cast<int64_t>(ms);
  state.ejected_until_ms.store(until, std::memory_order_relaxed);
  state.ramp_start_ms.store(until, std::memory_order_relaxed);  // slow start once it is back
  state.consecutive_failures.store(0, std::memory_order_relaxed);
  state.ejections_total.fetch_add(1, std::memory_order_relaxed);
  return ms;
}

}  // namespace rampart::upstream
