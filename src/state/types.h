#pragma once
// The values that move between the stages and the shared-state store: rate-limit policies and
// decisions, bans, strike policies.

#include <chrono>
#include <cstdint>
#include <string>

namespace rampart::state {

// GCRA: `rate` requests per `period` on average, and up to `burst` requests at once (burst >= 1).
struct RatePolicy {
  uint64_t rate = 1;
  std::chrono::nanoseconds period = std::chrono::seconds(1);
  uint64_t burst = 1;
};

struct RateDecision {
  bool allowed = true;
  uint64_t limit = 0;      // the policy's burst: what RateLimit-Limit reports
  uint64_t remaining = 0;  // requests that would still be allowed right now
  // Until the next request would be allowed (0 when allowed); Retry-After rounds it up.
  std::chrono::nanoseconds retry_after{0};
  // Until the bucket is full again (RateLimit-Reset).
  std::chrono::nanoseconds reset{0};
};

// What a failed shared-state call reports (Redis unreachable, timed out or answered an error).
struct StateError {
  std::string message;
};

struct Ban {
  std::string ip;  // canonical text ("192.0.2.7", "2001:db8::1")
  std::chrono::system_clock::time_point expires;
  std::string reason;  // "3 blocked requests in 60s on route api", "admin"
};

// Dynamic bans: `threshold` blocked or challenged requests within `window` ban the IP for
// `ban_for`.
struct StrikePolicy {
  uint32_t threshold = 0;  // 0: no dynamic bans
  std::chrono::nanoseconds window = std::chrono::seconds(60);
  std::chrono::nanoseconds ban_for = std::chrono::minutes(10);
};

}  // namespace rampart::state
