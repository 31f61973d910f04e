#pragma once
// When to renew a certificate and how long to wait after a failed attempt. Pure functions of
// their arguments (the clock is passed in), so tests need no server and no waiting.

#include <chrono>

namespace rampart::acme {

using Clock = std::chrono::system_clock;

// The moment a certificate valid from `not_before` to `not_after` is due for renewal:
// `renew_before` ahead of not_after, or, when renew_before is zero, when a third of its
// lifetime is left.
Clock::time_point RenewalTime(Clock::time_point not_before, Clock::time_point not_after,
                              std::chrono::seconds renew_before);

// Whether that moment has come at `now`.
bool RenewalDue(Clock::time_point not_before, Clock::time_point not_after, Clock::time_point now,
                std::chrono::seconds renew_before);

// The wait after the `failures`-th failure in a row (1 for the first): retry_min, doubled for
// each failure after the first, capped at retry_max (and never below one second).
std::chrono::seconds RetryDelay(int failures, std::chrono::seconds retry_min,
                                std::chrono::seconds retry_max);

}  // namespace rampart::acme
