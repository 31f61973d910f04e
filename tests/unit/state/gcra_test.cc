#include "state/gcra.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace rampart::state {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr int64_t kSecond = 1'000'000'000;
// A "now" far from zero, as the monotonic clock is.
constexpr int64_t kStart = 1000 * kSecond;

RatePolicy Policy(uint64_t rate, nanoseconds period, uint64_t burst) {
  RatePolicy policy;
  policy.rate = rate;
  policy.period = period;
  policy.burst = burst;
  return policy;
}

// Applies one step to `tat` the way a table does: stores the new TAT only when allowed.
RateDecision Step(int64_t& tat, int64_t now, const RatePolicy& policy) {
  const GcraResult result = GcraStep(tat, now, policy);
  if (result.decision.allowed) {
    EXPECT_GT(result.tat, now);
  } else {
    EXPECT_EQ(result.tat, tat) << "a refusal must not move the TAT";
  }
  tat = result.tat;
  return result.decision;
}

TEST(GcraTest, IntervalIsPeriodOverRate) {
  EXPECT_EQ(GcraInterval(Policy(5, seconds(1), 1)), 200'000'000);
  EXPECT_EQ(GcraInterval(Policy(100, std::chrono::minutes(1), 1)), 600'000'000);
  EXPECT_EQ(GcraInterval(Policy(3, seconds(1), 1)), 333'333'333);  // truncated
  EXPECT_EQ(GcraInterval(Policy(0, seconds(1), 1)), kSecond);      // rate 0 counts as 1
  EXPECT_EQ(GcraInterval(Policy(10, nanoseconds(1), 1)), 1);       // at least 1 ns
  EXPECT_EQ(GcraInterval(Policy(1, nanoseconds(-5), 1)), 1);
}

TEST(GcraTest, FreshKeyLetsBurstThroughThenOnePerInterval) {
  const RatePolicy policy = Policy(5, seconds(1), 3);  // T = 200ms, 3 at once
  const int64_t t = 200 * 1'000'000;
  int64_t tat = 0;
  for (uint64_t i = 0; i < 3; ++i) {
    const RateDecision d = Step(tat, kStart, policy);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 3u);
    EXPECT_EQ(d.remaining, 2 - i);
    EXPECT_EQ(d.retry_after, nanoseconds(0));
    EXPECT_EQ(d.reset, nanoseconds((i + 1) * t));
  }
  EXPECT_EQ(tat, kStart + 3 * t);

  // The fourth at the same instant: refused until one interval has passed.
  RateDecision d = Step(tat, kStart, policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.limit, 3u);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.retry_after, nanoseconds(t));
  EXPECT_EQ(d.reset, nanoseconds(3 * t));

  // 50ms later: 150ms to wait, 550ms until full.
  d = Step(tat, kStart + 50'000'000, policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, milliseconds(150));
  EXPECT_EQ(d.reset, milliseconds(550));

  // Exactly one interval later: one passes, and it uses up the slot again.
  d = Step(tat, kStart + t, policy);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.reset, nanoseconds(3 * t));
  d = Step(tat, kStart + t, policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, nanoseconds(t));

  // One nanosecond short of the next slot is still refused.
  d = Step(tat, kStart + 2 * t - 1, policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, nanoseconds(1));
}

TEST(GcraTest, SteadyRateAtTheLimitIsAlwaysAllowed) {
  const RatePolicy policy = Policy(5, seconds(1), 1);
  int64_t tat = 0;
  for (int i = 0; i < 100; ++i) {
    const RateDecision d = Step(tat, kStart + i * 200'000'000LL, policy);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 0u);
    EXPECT_EQ(d.reset, milliseconds(200));
  }
  // Twice as fast: every other one is refused.
  int allowed = 0;
  for (int i = 0; i < 100; ++i) {
    if (Step(tat, kStart + 20 * kSecond + i * 100'000'000LL, policy).allowed) ++allowed;
  }
  EXPECT_EQ(allowed, 50);
}

TEST(GcraTest, HundredPerMinuteWithBurstTen) {
  const RatePolicy policy = Policy(100, std::chrono::minutes(1), 10);  // T = 600ms
  int64_t tat = 0;
  int allowed = 0;
  for (int i = 0; i < 50; ++i) {
    if (Step(tat, kStart, policy).allowed) ++allowed;
  }
  EXPECT_EQ(allowed, 10);
  // Over the next minute, at 1000 requests per second: 100 more, one per 600ms.
  allowed = 0;
  for (int64_t ms = 1; ms <= 60'000; ++ms) {
    if (Step(tat, kStart + ms * 1'000'000, policy).allowed) ++allowed;
  }
  EXPECT_EQ(allowed, 100);
}

TEST(GcraTest, BucketRefillsWhileIdle) {
  const RatePolicy policy = Policy(5, seconds(1), 3);
  int64_t tat = 0;
  for (int i = 0; i < 3; ++i) Step(tat, kStart, policy);
  // 400ms idle: two slots back.
  RateDecision d = Step(tat, kStart + 400'000'000, policy);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 1u);
  // Long idle: the stored TAT is in the past, the same as a fresh key.
  const GcraResult idle = GcraStep(tat, kStart + 10 * kSecond, policy);
  const GcraResult fresh = GcraStep(0, kStart + 10 * kSecond, policy);
  EXPECT_EQ(idle.tat, fresh.tat);
  EXPECT_EQ(idle.decision.remaining, 2u);
  EXPECT_EQ(idle.decision.reset, milliseconds(200));
}

TEST(GcraTest, RemainingFloorsPartialSlots) {
  const RatePolicy policy = Policy(10, seconds(1), 5);  // T = 100ms, span 500ms
  int64_t tat = 0;
  for (int i = 0; i < 5; ++i) Step(tat, kStart, policy);  // TAT = start + 500ms
  // 250ms later, one more: TAT = start + 600ms, 350ms ahead; (500 - 350) / 100 = 1.5 -> 1.
  const RateDecision d = Step(tat, kStart + 250'000'000, policy);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 1u);
  EXPECT_EQ(d.reset, milliseconds(350));
}

TEST(GcraTest, BurstZeroCountsAsOne) {
  const RatePolicy policy = Policy(1, seconds(1), 0);
  int64_t tat = 0;
  RateDecision d = Step(tat, kStart, policy);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 1u);
  EXPECT_EQ(d.remaining, 0u);
  d = Step(tat, kStart, policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, seconds(1));
}

TEST(GcraTest, AbsurdPoliciesSaturateInsteadOfOverflowing) {
  const RatePolicy huge = Policy(1, std::chrono::hours(24 * 365 * 100), 1ULL << 62);
  int64_t tat = 0;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(Step(tat, kStart, huge).allowed);
  // A period of INT64_MAX ns: the sums saturate (UBSan would catch an overflow) and the answers
  // stay non-negative.
  const RatePolicy slow = Policy(1, nanoseconds(std::numeric_limits<int64_t>::max()), 2);
  tat = 0;
  for (int i = 0; i < 3; ++i) {
    const GcraResult r = GcraStep(tat, kStart, slow);
    EXPECT_GE(r.decision.retry_after.count(), 0);
    EXPECT_GE(r.decision.reset.count(), 0);
    EXPECT_LE(r.decision.remaining, 2u);
    tat = r.tat;
  }
}

}  // namespace
}  // namespace rampart::state
