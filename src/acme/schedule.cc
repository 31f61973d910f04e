#include "acme/schedule.h"

#include <algorithm>

namespace rampart::acme {

Clock::time_point RenewalTime(Clock::time_point not_before, Clock::time_point not_after,
                              std::chrono::seconds renew_before) {
  if (renew_before.count() > 0) return not_after - renew_before;
  return not_after - (not_after - not_before) / 3;
}

bool RenewalDue(Clock::time_point not_before, Clock::time_point not_after, Clock::time_point now,
                std::chrono::seconds renew_before) {
  return now >= RenewalTime(not_before, not_after, renew_before);
}

std::chrono::seconds RetryDelay(int failures, std::chrono::seconds retry_min,
                                std::chrono::seconds retry_max) {
  const std::chrono::seconds floor = std::max(retry_min, std::chrono::seconds(1));
  const std::chrono::seconds cap = std::max(retry_max, floor);
  std::chrono::seconds delay = floor;
  // Doubling stops at the cap, so a long run of failures cannot overflow.
  for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

}  // namespace rampart::acme
