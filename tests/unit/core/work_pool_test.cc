#include "core/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

namespace rampart::core {
namespace {

TEST(WorkPoolTest, RunsEveryJobOffTheCallingThread) {
  std::atomic<int> ran{0};
  std::atomic<bool> on_caller{false};
  const auto caller = std::this_thread::get_id();
  {
    WorkPool pool(3);
    EXPECT_EQ(pool.threads(), 3u);
    for (int i = 0; i < 100; ++i) {
      pool.Post([&] {
        if (std::this_thread::get_id() == caller) on_caller = true;
        ++ran;
      });
    }
  }  // the destructor runs what is still queued
  EXPECT_EQ(ran.load(), 100);
  EXPECT_FALSE(on_caller.load());
}

TEST(WorkPoolTest, ABlockedJobDoesNotHoldUpTheOthers) {
  WorkPool pool(2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  pool.Post([released] { released.wait(); });  // occupies one thread
  std::promise<int> answer;
  pool.Post([&answer] { answer.set_value(42); });
  auto result = answer.get_future();
  // The second job needs the other thread only; it must finish while the first still waits.
  EXPECT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(result.get(), 42);
  release.set_value();
}

}  // namespace
}  // namespace rampart::core
