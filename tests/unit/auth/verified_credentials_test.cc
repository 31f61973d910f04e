// VerifiedCredentials: the bounded memory of user/password pairs that passed an htpasswd check,
// driven with made-up time points (no waiting).

#include "auth/verified_credentials.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace rampart::auth {
namespace {

using namespace std::chrono_literals;
using Clock = VerifiedCredentials::Clock;

// A fixed point far from the clock's epoch, so that earlier points are representable too.
const Clock::time_point kT0 = Clock::time_point(std::chrono::hours(1000));

TEST(VerifiedCredentialsTest, EmptyAtFirst) {
  VerifiedCredentials memory;
  EXPECT_EQ(memory.size(), 0u);
  EXPECT_FALSE(memory.Contains("alice", "s3cret", kT0));
  EXPECT_FALSE(memory.Contains("", "", kT0));
}

TEST(VerifiedCredentialsTest, RemembersTheExactPair) {
  VerifiedCredentials memory;
  memory.Remember("alice", "s3cret", kT0);
  EXPECT_EQ(memory.size(), 1u);
  EXPECT_TRUE(memory.Contains("alice", "s3cret", kT0));
  EXPECT_FALSE(memory.Contains("alice", "s3cret ", kT0));
  EXPECT_FALSE(memory.Contains("alice", "S3cret", kT0));
  EXPECT_FALSE(memory.Contains("alice", "", kT0));
  EXPECT_FALSE(memory.Contains("Alice", "s3cret", kT0));
  EXPECT_FALSE(memory.Contains("bob", "s3cret", kT0));
  EXPECT_FALSE(memory.Contains("s3cret", "alice", kT0));
}

TEST(VerifiedCredentialsTest, SplitBetweenUserAndPasswordMatters) {
  VerifiedCredentials memory;
  memory.Remember("ab", "c", kT0);
  EXPECT_TRUE(memory.Contains("ab", "c", kT0));
  EXPECT_FALSE(memory.Contains("a", "bc", kT0));
  EXPECT_FALSE(memory.Contains("abc", "", kT0));
  EXPECT_FALSE(memory.Contains("", "abc", kT0));
  // A user name that looks like the length prefix of another pair.
  memory.Remember("1:a", "b", kT0);
  EXPECT_FALSE(memory.Contains("1", "a:b", kT0));
  EXPECT_FALSE(memory.Contains("", "1:ab", kT0));
  // ':' and NUL bytes are ordinary bytes.
  memory.Remember("u", std::string("p\0q", 3), kT0);
  EXPECT_TRUE(memory.Contains("u", std::string("p\0q", 3), kT0));
  EXPECT_FALSE(memory.Contains("u", "p", kT0));
  EXPECT_FALSE(memory.Contains(std::string("u\0p", 3), "q", kT0));
  EXPECT_EQ(memory.size(), 3u);
}

TEST(VerifiedCredentialsTest, ForgetsAfterTheTtl) {
  VerifiedCredentials memory(60s, 100);
  memory.Remember("alice", "s3cret", kT0);
  EXPECT_TRUE(memory.Contains("alice", "s3cret", kT0 + 1s));
  EXPECT_TRUE(memory.Contains("alice", "s3cret", kT0 + 60s - 1ns));
  EXPECT_FALSE(memory.Contains("alice", "s3cret", kT0 + 60s));
  EXPECT_FALSE(memory.Contains("alice", "s3cret", kT0 + 1h));
  // Contains does not drop anything itself.
  EXPECT_EQ(memory.size(), 1u);
}

TEST(VerifiedCredentialsTest, DefaultTtlIsFiveMinutes) {
  VerifiedCredentials memory;
  memory.Remember("alice", "s3cret", kT0);
  EXPECT_TRUE(memory.Contains("alice", "s3cret", kT0 + 5min - 1s));
  EXPECT_FALSE(memory.Contains("alice", "s3cret", kT0 + 5min));
}

TEST(VerifiedCredentialsTest, RememberingAgainRestartsTheTtl) {
  VerifiedCredentials memory(60s, 100);
  memory.Remember("alice", "s3cret", kT0);
  memory.Remember("alice", "s3cret", kT0 + 50s);
  EXPECT_EQ(memory.size(), 1u);
  EXPECT_TRUE(memory.Contains("alice", "s3cret", kT0 + 100s));
  EXPECT_FALSE(memory.Contains("alice", "s3cret", kT0 + 110s));
}

TEST(VerifiedCredentialsTest, EachPairHasItsOwnTtl) {
  VerifiedCredentials memory(60s, 100);
  memory.Remember("alice", "a", kT0);
  memory.Remember("bob", "b", kT0 + 30s);
  EXPECT_FALSE(memory.Contains("alice", "a", kT0 + 70s));
  EXPECT_TRUE(memory.Contains("bob", "b", kT0 + 70s));
}

TEST(VerifiedCredentialsTest, WhenFullExpiredEntriesGoFirst) {
  VerifiedCredentials memory(60s, 3);
  memory.Remember("old1", "p", kT0);
  memory.Remember("old2", "p", kT0);
  memory.Remember("fresh", "p", kT0 + 40s);
  EXPECT_EQ(memory.size(), 3u);
  // At +70s the two old ones have expired: they make room; the fresh one stays.
  memory.Remember("new", "p", kT0 + 70s);
  EXPECT_EQ(memory.size(), 2u);
  EXPECT_TRUE(memory.Contains("fresh", "p", kT0 + 70s));
  EXPECT_TRUE(memory.Contains("new", "p", kT0 + 70s));
  EXPECT_FALSE(memory.Contains("old1", "p", kT0 + 70s));
  EXPECT_FALSE(memory.Contains("old2", "p", kT0 + 70s));
}

TEST(VerifiedCredentialsTest, WhenFullOfLiveEntriesEverythingGoes) {
  VerifiedCredentials memory(60s, 3);
  memory.Remember("a", "p", kT0);
  memory.Remember("b", "p", kT0);
  memory.Remember("c", "p", kT0);
  memory.Remember("d", "p", kT0 + 1s);
  EXPECT_EQ(memory.size(), 1u);
  EXPECT_TRUE(memory.Contains("d", "p", kT0 + 1s));
  for (const char* user : {"a", "b", "c"}) {
    EXPECT_FALSE(memory.Contains(user, "p", kT0 + 1s)) << user;
  }
}

TEST(VerifiedCredentialsTest, NeverHoldsMoreThanMaxEntries) {
  VerifiedCredentials memory(60s, 5);
  for (int i = 0; i < 50; ++i) {
    memory.Remember("user" + std::to_string(i), "p", kT0 + std::chrono::seconds(i));
    EXPECT_LE(memory.size(), 5u) << i;
    // The pair just remembered is always there.
    EXPECT_TRUE(memory.Contains("user" + std::to_string(i), "p", kT0 + std::chrono::seconds(i)));
  }
}

TEST(VerifiedCredentialsTest, InstancesDoNotShareEntries) {
  VerifiedCredentials one;
  VerifiedCredentials two;
  one.Remember("alice", "s3cret", kT0);
  EXPECT_TRUE(one.Contains("alice", "s3cret", kT0));
  EXPECT_FALSE(two.Contains("alice", "s3cret", kT0));
}

TEST(VerifiedCredentialsTest, ConcurrentUse) {
  VerifiedCredentials memory(60s, 1000);
  std::atomic<int> misses{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&memory, &misses, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string user = "t" + std::to_string(t) + "u" + std::to_string(i);
        memory.Remember(user, "pw", kT0);
        if (!memory.Contains(user, "pw", kT0)) ++misses;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(memory.size(), 800u);
}

}  // namespace
}  // namespace rampart::auth
