#include "state/strike_counter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace rampart::state {
namespace {

using std::chrono::seconds;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1000 * kSecond;

TEST(StrikeCounterTest, CountsWithinAFixedWindowFromTheFirstStrike) {
  StrikeCounter strikes(1000);
  EXPECT_EQ(strikes.Add("192.0.2.1", seconds(60), kStart), 1u);
  EXPECT_EQ(strikes.Add("192.0.2.1", seconds(60), kStart + 10 * kSecond), 2u);
  EXPECT_EQ(strikes.Add("192.0.2.1", seconds(60), kStart + 60 * kSecond - 1), 3u);
  // The window ends 60s after the first strike, however recent the last one was.
  EXPECT_EQ(strikes.Add("192.0.2.1", seconds(60), kStart + 60 * kSecond), 1u);
  EXPECT_EQ(strikes.Add("192.0.2.1", seconds(60), kStart + 61 * kSecond), 2u);
  // Other IPs count apart.
  EXPECT_EQ(strikes.Add("2001:db8::1", seconds(60), kStart), 1u);
  EXPECT_EQ(strikes.size(), 2u);
}

TEST(StrikeCounterTest, ResetStartsOver) {
  StrikeCounter strikes(1000);
  strikes.Add("192.0.2.1", seconds(60), kStart);
  strikes.Add("192.0.2.1", seconds(60), kStart);
  strikes.Reset("192.0.2.1");
  strikes.Reset("192.0.2.99");  // unknown: nothing to do
  EXPECT_EQ(strikes.size(), 0u);
  EXPECT_EQ(strikes.Add("192.0.2.1", seconds(60), kStart + 1), 1u);
}

TEST(StrikeCounterTest, ThreadsCountEveryStrike) {
  StrikeCounter strikes(1000);
  constexpr int kThreads = 8;
  constexpr int kEach = 1000;
  std::atomic<uint32_t> highest{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        const uint32_t count = strikes.Add("198.51.100.7", seconds(60), kStart);
        uint32_t seen = highest.load();
        while (count > seen && !highest.compare_exchange_weak(seen, count)) {
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(highest.load(), static_cast<uint32_t>(kThreads * kEach));
  EXPECT_EQ(strikes.Add("198.51.100.7", seconds(60), kStart), kThreads * kEach + 1u);
}

TEST(StrikeCounterTest, BoundedUnderManyIps) {
  constexpr size_t kMaxKeys = 5000;
  StrikeCounter strikes(kMaxKeys);
  size_t bytes_when_full = 0;
  for (uint32_t i = 0; i < 200'000; ++i) {
    const std::string ip = "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) +
                           "." + std::to_string(i & 255);
    ASSERT_EQ(strikes.Add(ip, seconds(600), kStart), 1u);
    if (i == 50'000) bytes_when_full = strikes.memory_bytes();
  }
  EXPECT_LE(strikes.size(), kMaxKeys);
  EXPECT_GE(strikes.size(), kMaxKeys * 9 / 10);
  EXPECT_EQ(strikes.memory_bytes(), bytes_when_full);  // short IPs: no key heap blocks
}

TEST(StrikeCounterTest, EndedWindowsMakeRoomBeforeTheLeastRecentlyUsed) {
  StrikeCounter strikes(3);  // one shard of 3
  strikes.Add("long", seconds(600), kStart);
  strikes.Add("a", seconds(1), kStart);
  strikes.Add("b", seconds(1), kStart);
  strikes.Add("c", seconds(1), kStart + 2 * kSecond);  // full: a and b have ended
  EXPECT_EQ(strikes.size(), 2u);
  EXPECT_EQ(strikes.Add("long", seconds(600), kStart + 3 * kSecond), 2u);
}

}  // namespace
}  // namespace rampart::state
