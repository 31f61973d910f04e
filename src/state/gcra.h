#pragma once
// GCRA (generic cell rate algorithm): the pure arithmetic of one rate-limit step, shared by the
// in-process limiter (memory_rate_limiter.h) and, line for line, by the Redis backend's Lua
// script. Both must give the same answers, so the definition is exact:
//
// Units: every time is int64 nanoseconds on one monotonic clock (the caller's, or Redis's own
// for the shared limiter). The only state per key is its theoretical arrival time TAT; an absent
// key, TAT 0, and any TAT <= now all mean "bucket full".
//
//   rate  = max(policy.rate, 1)        burst = max(policy.burst, 1)
//   T     = max(floor(period_ns / rate), 1)                emission interval
//   span  = burst * T                  = tau + T, where tau = (burst - 1) * T is the tolerance
//   tat   = max(TAT, now)
//   new   = tat + T
//   allowed  iff  new - span <= now    (i.e. tat - now <= tau)
//   if allowed: store TAT := new (the caller keeps it until new <= now); otherwise TAT is left
//   unchanged and nothing is written.
//   after = allowed ? new : tat
//   limit       = burst
//   remaining   = max(0, floor((now + span - after) / T))
//   retry_after = allowed ? 0 : (new - span) - now          (> 0: when the next one passes)
//   reset       = after - now                               (until the bucket is full again)
//
// So a fresh key lets `burst` requests through at once (remaining burst-1 ... 0), the next one is
// refused with retry_after = T, and then one passes every T. Products saturate at INT64_MAX
// instead of overflowing (absurd policies, not real ones).

#include <cstdint>

#include "state/types.h"

namespace rampart::state {

struct GcraResult {
  RateDecision decision;
  // The TAT to store when decision.allowed (> now); the input TAT when refused.
  int64_t tat = 0;
};

// One GCRA step for a key whose stored TAT is `tat` (0 when absent) at `now_ns`.
GcraResult GcraStep(int64_t tat, int64_t now_ns, const RatePolicy& policy);

// The emission interval T of `policy` in nanoseconds (at least 1).
int64_t GcraInterval(const RatePolicy& policy);

}  // namespace rampart::state
