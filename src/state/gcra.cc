#include "state/gcra.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace rampart::state {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Both operands are >= 0 here; saturating keeps absurd policies (burst 2^60) well defined.
int64_t SatAdd(int64_t a, int64_t b) { return a > kMax - b ? kMax : a + b; }

int64_t SatMul(uint64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  if (a > static_cast<uint64_t>(kMax / b)) return kMax;
  return static_cast<int64_t>(a) * b;
}

}  // namespace

int64_t GcraInterval(const RatePolicy& policy) {
  const uint64_t rate = std::max<uint64_t>(policy.rate, 1);
  const int64_t period = std::max<int64_t>(policy.period.count(), 0);
  const uint64_t interval = static_cast<uint64_t>(period) / rate;
  return std::max<int64_t>(static_cast<int64_t>(interval), 1);
}

GcraResult GcraStep(int64_t tat, int64_t now_ns, const RatePolicy& policy) {
  const uint64_t burst = std::max<uint64_t>(policy.burst, 1);
  const int64_t interval = GcraInterval(policy);
  const int64_t span = SatMul(burst, interval);  // tau + T

  const int64_t start = std::max(tat, now_ns);
  const int64_t next = SatAdd(start, interval);
  // next - span <= now, written so that nothing overflows.
  const bool allowed = next - now_ns <= span;
  const int64_t after = allowed ? next : start;

  GcraResult result;
  result.tat = allowed ? next : tat;
  RateDecision& d = result.decision;
  d.allowed = allowed;
  d.limit = burst;
  const int64_t ahead = after - now_ns;  // >= 0
  d.remaining = ahead >= span ? 0 : static_cast<uint64_t>((span - ahead) / interval);
  d.retry_after = std::chrono::nanoseconds(allowed ? 0 : next - now_ns - span);
  d.reset = std::chrono::nanoseconds(ahead);
  return result;
}

}  // namespace rampart::state
