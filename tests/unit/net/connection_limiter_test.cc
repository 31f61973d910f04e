#include "net/connection_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace rampart::net {
namespace {

using Verdict = ConnectionLimiter::Verdict;

TEST(ConnectionLimiterTest, ZeroMeansUnlimited) {
  ConnectionLimiter limiter;  // limits start at 0
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  EXPECT_EQ(limiter.active(), 1000u);
  limiter.SetLimits(0, 0);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  EXPECT_EQ(limiter.active(), 1001u);
}

TEST(ConnectionLimiterTest, GlobalLimit) {
  ConnectionLimiter limiter;
  limiter.SetLimits(3, 0);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.2"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.3"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.4"), Verdict::kGlobalLimit);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kGlobalLimit);
  EXPECT_EQ(limiter.active(), 3u);  // refusals are not counted
  limiter.Release("10.0.0.2");
  EXPECT_EQ(limiter.active(), 2u);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.4"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.5"), Verdict::kGlobalLimit);
}

TEST(ConnectionLimiterTest, PerClientLimit) {
  ConnectionLimiter limiter;
  limiter.SetLimits(0, 2);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kPerClientLimit);
  // Other addresses have their own budget.
  EXPECT_EQ(limiter.TryAcquire("10.0.0.2"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("::1"), Verdict::kAccepted);
  EXPECT_EQ(limiter.active(), 4u);
  limiter.Release("10.0.0.1");
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kPerClientLimit);
  EXPECT_EQ(limiter.active(), 4u);
}

TEST(ConnectionLimiterTest, GlobalLimitIsCheckedFirst) {
  ConnectionLimiter limiter;
  limiter.SetLimits(1, 1);
  EXPECT_EQ(limiter.TryAcquire("a"), Verdict::kAccepted);
  EXPECT_EQ(limiter.TryAcquire("a"), Verdict::kGlobalLimit);
  EXPECT_EQ(limiter.TryAcquire("b"), Verdict::kGlobalLimit);
}

TEST(ConnectionLimiterTest, ReleaseEveryConnectionFreesTheAddress) {
  ConnectionLimiter limiter;
  limiter.SetLimits(0, 3);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
    ASSERT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kPerClientLimit);
    for (int i = 0; i < 3; ++i) limiter.Release("10.0.0.1");
    ASSERT_EQ(limiter.active(), 0u);
  }
}

TEST(ConnectionLimiterTest, LoweredLimitsApplyToNewConnections) {
  ConnectionLimiter limiter;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  limiter.SetLimits(10, 2);  // reload: the address is over its new limit
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kPerClientLimit);
  for (int i = 0; i < 3; ++i) limiter.Release("10.0.0.1");
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kPerClientLimit);  // 2 still open
  limiter.Release("10.0.0.1");
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1"), Verdict::kAccepted);
  limiter.SetLimits(2, 0);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.9"), Verdict::kGlobalLimit);
}

TEST(ConnectionLimiterTest, RefusedPerClientLeavesNoCountBehind) {
  ConnectionLimiter limiter;
  limiter.SetLimits(0, 1);
  EXPECT_EQ(limiter.TryAcquire("x"), Verdict::kAccepted);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(limiter.TryAcquire("x"), Verdict::kPerClientLimit);
  limiter.Release("x");
  EXPECT_EQ(limiter.active(), 0u);
  EXPECT_EQ(limiter.TryAcquire("x"), Verdict::kAccepted);
}

// BUG (src/net/connection_limiter.cc:26, Release): total_ is decremented before the address
// is looked up, so releasing an address that holds no connection (a double Release, or a
// Release after a refused TryAcquire) drives the global count below the truth: here from 0 to
// UINT64_MAX, and from then on one more connection than max_connections is let in. Fix: only
// decrement total_ when the address was found (move the fetch_sub after the find).
TEST(ConnectionLimiterTest, ReleaseOfAnUnknownAddressKeepsTheCount) {
  ConnectionLimiter limiter;
  limiter.SetLimits(1, 0);
  ASSERT_EQ(limiter.TryAcquire("a"), Verdict::kAccepted);
  limiter.Release("never-acquired");
  EXPECT_EQ(limiter.active(), 1u);
  EXPECT_EQ(limiter.TryAcquire("b"), Verdict::kGlobalLimit);
}

TEST(ConnectionLimiterTest, ConcurrentUseKeepsCountsExact) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 20000;
  constexpr uint32_t kPerIp = 3;
  ConnectionLimiter limiter;
  limiter.SetLimits(0, kPerIp);
  // Every thread hammers the same two addresses plus one of its own; per address, no more
  // than kPerIp may ever be held at once.
  std::atomic<int> shared_held[2] = {0, 0};
  std::atomic<int> over_limit{0};
  std::atomic<int> accepted_total{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "10.1.0." + std::to_string(t);
      for (int i = 0; i < kIterations; ++i) {
        const int which = i % 2;
        const std::string ip = which == 0 ? "192.0.2.1" : "192.0.2.2";
        if (limiter.TryAcquire(ip) == Verdict::kAccepted) {
          if (shared_held[which].fetch_add(1) + 1 > static_cast<int>(kPerIp)) ++over_limit;
          ++accepted_total;
          shared_held[which].fetch_sub(1);
          limiter.Release(ip);
        }
        ASSERT_EQ(limiter.TryAcquire(own), Verdict::kAccepted);
        limiter.Release(own);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(over_limit.load(), 0);
  EXPECT_GT(accepted_total.load(), 0);
  EXPECT_EQ(limiter.active(), 0u);
  // Every per-address count went back to zero: each address again gets exactly kPerIp.
  for (const char* ip : {"192.0.2.1", "192.0.2.2", "10.1.0.0", "10.1.0.3"}) {
    for (uint32_t i = 0; i < kPerIp; ++i) EXPECT_EQ(limiter.TryAcquire(ip), Verdict::kAccepted);
    EXPECT_EQ(limiter.TryAcquire(ip), Verdict::kPerClientLimit) << ip;
  }
  EXPECT_EQ(limiter.active(), 4u * kPerIp);
}

TEST(ConnectionLimiterTest, ConcurrentGlobalLimitIsNeverExceeded) {
  constexpr int kThreads = 4;
  constexpr uint32_t kMax = 8;
  ConnectionLimiter limiter;
  limiter.SetLimits(kMax, 0);
  std::atomic<int> held{0};
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string ip = "10.0.0." + std::to_string(t);
      std::vector<int> mine;
      for (int i = 0; i < 20000; ++i) {
        // Hold up to 3 connections per thread, so the threads together press on the limit.
        if (mine.size() < 3 && limiter.TryAcquire(ip) == Verdict::kAccepted) {
          const int now = held.fetch_add(1) + 1;
          int seen = peak.load();
          while (now > seen && !peak.compare_exchange_weak(seen, now)) {
          }
          mine.push_back(i);
        } else if (!mine.empty()) {
          held.fetch_sub(1);
          limiter.Release(ip);
          mine.pop_back();
        }
      }
      for (size_t k = 0; k < mine.size(); ++k) {
        held.fetch_sub(1);
        limiter.Release(ip);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(peak.load(), static_cast<int>(kMax));
  EXPECT_EQ(limiter.active(), 0u);
}

}  // namespace
}  // namespace rampart::net
