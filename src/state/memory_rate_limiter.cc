#include "state/memory_rate_limiter.h"

#include "state/gcra.h"

namespace rampart::state {

MemoryRateLimiter::MemoryRateLimiter(size_t max_keys) : table_(max_keys) {}

RateDecision MemoryRateLimiter::Check(std::string_view key, const RatePolicy& policy,
                                      int64_t now_ns) {
  // A refused request never creates a key: a fresh key is always allowed.
  return table_.Update(key, now_ns, [&](Entry& entry) {
    const GcraResult step = GcraStep(entry.tat, now_ns, policy);
    entry.tat = step.tat;
    return step.decision;
  });
}

}  // namespace rampart::state
