#include "state/memory_rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace rampart::state {
namespace {

using std::chrono::seconds;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1000 * kSecond;

RatePolicy Policy(uint64_t rate, std::chrono::nanoseconds period, uint64_t burst) {
  RatePolicy policy;
  policy.rate = rate;
  policy.period = period;
  policy.burst = burst;
  return policy;
}

TEST(MemoryRateLimiterTest, BurstThenOnePerIntervalPerKey) {
  MemoryRateLimiter limiter(1000);
  const RatePolicy policy = Policy(5, seconds(1), 3);
  for (int i = 0; i < 3; ++i) {
    const RateDecision d = limiter.Check("ip:192.0.2.1", policy, kStart);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, static_cast<uint64_t>(2 - i));
  }
  RateDecision d = limiter.Check("ip:192.0.2.1", policy, kStart);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, std::chrono::milliseconds(200));
  // Another key has its own bucket.
  EXPECT_TRUE(limiter.Check("ip:192.0.2.2", policy, kStart).allowed);
  d = limiter.Check("ip:192.0.2.1", policy, kStart + 200'000'000);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(limiter.size(), 2u);
}

TEST(MemoryRateLimiterTest, ThreadsOnOneKeyAtAFrozenClockGetExactlyTheBurst) {
  MemoryRateLimiter limiter(1000);
  const RatePolicy policy = Policy(1, std::chrono::minutes(1), 100);
  constexpr int kThreads = 8;
  constexpr int kEach = 2000;
  std::atomic<int> allowed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        if (limiter.Check("hot", policy, kStart).allowed) ++allowed;
      }
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(MemoryRateLimiterTest, ThreadsOnManyKeysEachGetTheirBurst) {
  MemoryRateLimiter limiter(100000);
  const RatePolicy policy = Policy(1, std::chrono::minutes(1), 3);
  constexpr int kThreads = 4;
  constexpr int kKeys = 500;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    // Every thread walks every key, so keys are contended from all threads.
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (int k = 0; k < kKeys; ++k) {
          const std::string key = "key-" + std::to_string((k + t * 37) % kKeys);
          if (limiter.Check(key, policy, kStart).allowed) ++allowed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), kKeys * 3);
  EXPECT_EQ(limiter.size(), static_cast<size_t>(kKeys));
}

TEST(MemoryRateLimiterTest, FloodOfRandomKeysKeepsSizeAndMemoryFlat) {
  constexpr size_t kMaxKeys = 10000;
  MemoryRateLimiter limiter(kMaxKeys);
  // A long period: nothing expires, so only the bound can make room.
  const RatePolicy policy = Policy(1, std::chrono::hours(1), 10);
  std::mt19937_64 random(42);
  size_t bytes_when_full = 0;
  size_t most_bytes = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    // One length (27), long enough that every key has its own heap block.
    char key[32];
    std::snprintf(key, sizeof key, "rl:route-a:%016llx", static_cast<unsigned long long>(random()));
    ASSERT_TRUE(limiter.Check(key, policy, kStart + i).allowed);
    if (i == 100'000) bytes_when_full = limiter.memory_bytes();
    if (i % 10'000 == 0) most_bytes = std::max(most_bytes, limiter.memory_bytes());
  }
  EXPECT_LE(limiter.size(), kMaxKeys);
  EXPECT_GE(limiter.size(), kMaxKeys * 9 / 10);  // the bound is used, not wasted
  const size_t bytes = limiter.memory_bytes();
  EXPECT_EQ(most_bytes, bytes_when_full);
  EXPECT_EQ(bytes, bytes_when_full);
  // Honest: at least the keys and nodes, at most a few hundred bytes an entry.
  EXPECT_GE(bytes, limiter.size() * (sizeof(std::string) + 32));
  EXPECT_LE(bytes, limiter.size() * 400);
}

TEST(MemoryRateLimiterTest, EvictsTheLeastRecentlyUsedKey) {
  MemoryRateLimiter limiter(4);  // one shard of 4
  const RatePolicy policy = Policy(1, std::chrono::hours(1), 2);
  for (const char* key : {"a", "b", "c", "d"}) limiter.Check(key, policy, kStart);
  limiter.Check("a", policy, kStart);  // a is now the most recent (and spent)
  limiter.Check("e", policy, kStart);  // full: b goes
  EXPECT_EQ(limiter.size(), 4u);
  EXPECT_FALSE(limiter.Check("a", policy, kStart).allowed) << "a was kept";
  EXPECT_EQ(limiter.Check("b", policy, kStart).remaining, 1u) << "b was forgotten";
}

TEST(MemoryRateLimiterTest, ExpiredKeysMakeRoomBeforeLiveOnes) {
  MemoryRateLimiter limiter(4);
  const RatePolicy slow = Policy(1, std::chrono::hours(1), 2);
  const RatePolicy fast = Policy(1000, seconds(1), 1);  // TAT 1ms ahead
  limiter.Check("live", slow, kStart);                  // the least recently used, but not expired
  for (const char* key : {"x", "y", "z"}) limiter.Check(key, fast, kStart);
  limiter.Check("new", slow, kStart + kSecond);
  EXPECT_EQ(limiter.size(), 2u) << "the three expired keys were dropped";
  EXPECT_EQ(limiter.Check("live", slow, kStart + kSecond).remaining, 0u) << "live was kept";
}

TEST(MemoryRateLimiterTest, IdleKeysAreDroppedAsNewOnesArrive) {
  MemoryRateLimiter limiter(30);  // one shard
  const RatePolicy policy = Policy(1000, seconds(1), 1);
  for (int i = 0; i < 20; ++i) limiter.Check("old" + std::to_string(i), policy, kStart);
  EXPECT_EQ(limiter.size(), 20u);
  // Not full: each new key still drops up to two expired ones.
  for (int i = 0; i < 10; ++i) limiter.Check("new" + std::to_string(i), policy, kStart + kSecond);
  EXPECT_EQ(limiter.size(), 10u);
}

TEST(MemoryRateLimiterTest, AnExpiredKeyCountsAsFresh) {
  MemoryRateLimiter limiter(100);
  const RatePolicy policy = Policy(5, seconds(1), 3);
  for (int i = 0; i < 4; ++i) limiter.Check("k", policy, kStart);
  const RateDecision d = limiter.Check("k", policy, kStart + 5 * kSecond);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 2u);
}

}  // namespace
}  // namespace rampart::state
