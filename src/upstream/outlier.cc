#include "upstream/outlier.h"

#include <algorithm>

namespace rampart::upstream {

void RecordSuccess(ServerState& state) {
  // Read before writing: every response passes here, and a store on every one would bounce
  // the cache line between the workers' cores.
  if (state.consecutive_failures.load(std::memory_order_relaxed) != 0) {
    state.consecutive_failures.store(0, std::memory_order_relaxed);
  }
  // A success after an ejection: the server has earned a short ejection next time.
  if (state.ejection_level.load(std::memory_order_relaxed) != 0) {
    state.ejection_level.store(0, std::memory_order_relaxed);
  }
}

uint64_t RecordFailure(ServerState& state, const config::OutlierConfig& config, int64_t now_ms) {
  state.failures_total.fetch_add(1, std::memory_order_relaxed);
  if (config.consecutive_failures == 0) return 0;
  // Failures of requests that were in flight when the server was ejected neither extend the
  // ejection nor count towards the next one: a returning server gets a full streak of trials.
  int64_t until = state.ejected_until_ms.load(std::memory_order_relaxed);
  if (now_ms < until) return 0;
  const uint32_t failures = state.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < config.consecutive_failures) return 0;
  const uint32_t level = state.ejection_level.load(std::memory_order_relaxed);
  uint64_t ms = config.base_ejection_ms;
  for (uint32_t i = 0; i < level && ms < config.max_ejection_ms; ++i) ms *= 2;
  ms = std::min(ms, config.max_ejection_ms);
  const int64_t new_until = now_ms + static_cast<int64_t>(ms);
  // Workers may cross the threshold together: exactly one ejects.
  if (!state.ejected_until_ms.compare_exchange_strong(until, new_until,
                                                      std::memory_order_relaxed)) {
    return 0;
  }
  state.ejection_level.fetch_add(1, std::memory_order_relaxed);
  state.ramp_start_ms.store(new_until, std::memory_order_relaxed);  // slow start once it is back
  state.consecutive_failures.store(0, std::memory_order_relaxed);
  state.ejections_total.fetch_add(1, std::memory_order_relaxed);
  return ms;
}

}  // namespace rampart::upstream
