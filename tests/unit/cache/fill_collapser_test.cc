#include "cache/fill_collapser.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace rampart::cache {
namespace {

TEST(FillCollapserTest, LeaderThenFollowersWokenOnce) {
  FillCollapser collapser;
  int woken_a = 0;
  int woken_b = 0;
  EXPECT_TRUE(collapser.Join("k", [] { FAIL() << "a leader's wake is never called"; }));
  EXPECT_EQ(collapser.in_flight(), 1u);
  EXPECT_FALSE(collapser.Join("k", [&] { ++woken_a; }));
  EXPECT_FALSE(collapser.Join("k", [&] { ++woken_b; }));
  EXPECT_EQ(woken_a, 0);
  collapser.Finish("k");
  EXPECT_EQ(woken_a, 1);
  EXPECT_EQ(woken_b, 1);
  EXPECT_EQ(collapser.in_flight(), 0u);
  // Finishing again wakes nobody twice.
  collapser.Finish("k");
  EXPECT_EQ(woken_a, 1);
  // The next request leads a new fill.
  EXPECT_TRUE(collapser.Join("k", nullptr));
  collapser.Finish("k");
}

TEST(FillCollapserTest, KeysAreIndependent) {
  FillCollapser collapser;
  int woken = 0;
  EXPECT_TRUE(collapser.Join("a", nullptr));
  EXPECT_TRUE(collapser.Join("b", nullptr));
  EXPECT_FALSE(collapser.Join("a", [&] { ++woken; }));
  EXPECT_EQ(collapser.in_flight(), 2u);
  collapser.Finish("b");
  EXPECT_EQ(woken, 0);
  collapser.Finish("a");
  EXPECT_EQ(woken, 1);
}

TEST(FillCollapserTest, WakeMayJoinAgain) {
  // The wake runs outside the lock: a follower re-entering (e.g. to lead a retry) is fine.
  FillCollapser collapser;
  bool led = false;
  EXPECT_TRUE(collapser.Join("k", nullptr));
  EXPECT_FALSE(collapser.Join("k", [&] { led = collapser.Join("k", nullptr); }));
  collapser.Finish("k");
  EXPECT_TRUE(led);
  EXPECT_EQ(collapser.in_flight(), 1u);
}

TEST(FillCollapserTest, ManyThreadsOneLeaderEachFollowerWokenOnce) {
  FillCollapser collapser;
  constexpr int kThreads = 8;
  std::atomic<int> leaders{0};
  std::atomic<int> followers{0};
  std::atomic<int> wakes{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      if (collapser.Join("shared", [&] { ++wakes; })) {
        ++leaders;
      } else {
        ++followers;
      }
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(leaders.load(), 1);
  EXPECT_EQ(followers.load(), kThreads - 1);
  EXPECT_EQ(wakes.load(), 0);
  std::thread finisher([&] { collapser.Finish("shared"); });
  finisher.join();
  EXPECT_EQ(wakes.load(), kThreads - 1);
  EXPECT_EQ(collapser.in_flight(), 0u);
}

}  // namespace
}  // namespace rampart::cache
