#include "upstream/outlier.h"

#include <gtest/gtest.h>

#include <vector>

namespace rampart::upstream {
namespace {

config::OutlierConfig Config(uint32_t failures, uint64_t base_ms, uint64_t max_ms) {
  config::OutlierConfig c;
  c.consecutive_failures = failures;
  c.base_ejection_ms = base_ms;
  c.max_ejection_ms = max_ms;
  return c;
}

TEST(OutlierTest, EjectsAfterConsecutiveFailuresOnly) {
  ServerState s;
  const auto cfg = Config(3, 1'000, 60'000);
  EXPECT_EQ(RecordFailure(s, cfg, 100), 0u);
  EXPECT_EQ(RecordFailure(s, cfg, 100), 0u);
  RecordSuccess(s);  // the streak is broken
  EXPECT_EQ(RecordFailure(s, cfg, 100), 0u);
  EXPECT_EQ(RecordFailure(s, cfg, 100), 0u);
  EXPECT_EQ(s.ejected_until_ms.load(), 0);
  EXPECT_EQ(RecordFailure(s, cfg, 100), 1'000u);
  EXPECT_EQ(s.ejected_until_ms.load(), 1'100);
  EXPECT_EQ(s.ramp_start_ms.load(), 1'100) << "slow start begins when the ejection ends";
  EXPECT_EQ(s.ejections_total.load(), 1u);
  EXPECT_EQ(s.failures_total.load(), 5u);
}

TEST(OutlierTest, EjectionDoublesUntilASuccessAndIsCapped) {
  ServerState s;
  const auto cfg = Config(1, 1'000, 5'000);
  int64_t now = 0;
  std::vector<uint64_t> lengths;
  for (int i = 0; i < 5; ++i) {
    const uint64_t ms = RecordFailure(s, cfg, now);
    lengths.push_back(ms);
    now += static_cast<int64_t>(ms);  // the next failure comes right after it is back
  }
  EXPECT_EQ(lengths, (std::vector<uint64_t>{1'000, 2'000, 4'000, 5'000, 5'000}));
  RecordSuccess(s);
  EXPECT_EQ(RecordFailure(s, cfg, now), 1'000u) << "a success resets the back-off";
}

TEST(OutlierTest, FailuresWhileEjectedDoNotExtendTheEjection) {
  ServerState s;
  const auto cfg = Config(2, 1'000, 60'000);
  RecordFailure(s, cfg, 0);
  EXPECT_EQ(RecordFailure(s, cfg, 0), 1'000u);
  // Requests that were in flight fail later, while the server is out.
  EXPECT_EQ(RecordFailure(s, cfg, 10), 0u);
  EXPECT_EQ(RecordFailure(s, cfg, 20), 0u);
  EXPECT_EQ(s.ejected_until_ms.load(), 1'000);
  // Back: it gets a full streak of trials, and still failing, is ejected for twice as long.
  EXPECT_EQ(RecordFailure(s, cfg, 1'000), 0u);
  EXPECT_EQ(RecordFailure(s, cfg, 1'000), 2'000u);
}

TEST(OutlierTest, ZeroFailuresTurnsEjectionOff) {
  ServerState s;
  const auto cfg = Config(0, 1'000, 60'000);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(RecordFailure(s, cfg, 0), 0u);
  EXPECT_EQ(s.ejected_until_ms.load(), 0);
  EXPECT_EQ(s.failures_total.load(), 100u);
}

}  // namespace
}  // namespace rampart::upstream
