// SIGTERM: rampart stops accepting, closes idle keep-alive connections, lets in-flight requests
// finish within timeouts.drain, then exits 0.

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

class ShutdownTest : public ProxyTest {};

TEST_F(ShutdownTest, DrainsInFlightRequestsThenExits) {
  ConfigOptions options;
  options.extra = "timeouts:\n  drain: 5s\n";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));

  Client idle = Connect();
  auto warm = idle.Get("/idle-warm-up");
  ASSERT_TRUE(warm) << idle.error();
  ASSERT_EQ(warm->status, 200);

  Client busy = Connect();
  ASSERT_TRUE(busy.Send(BuildRequest("GET", "/delay/1500", port())));
  ASSERT_TRUE(origin_.WaitForTarget("/delay/1500")) << "the request is not in flight";

  size_t from = rampart_.LineCount();
  Deadline sent_term = Clock::now();
  ASSERT_TRUE(rampart_.Signal(SIGTERM));
  ASSERT_TRUE(rampart_.WaitForLine("draining", kDefaultTimeout, from)) << rampart_.Log();

  // The idle connection is closed right away, not when the process ends.
  EXPECT_TRUE(idle.IsClosedByPeer(Timeout(1'000))) << "idle keep-alive connection kept open";

  // New connections are refused while draining.
  Client fresh;
  EXPECT_FALSE(fresh.Connect(port(), Timeout(2'000))) << "a new connection was accepted";
  EXPECT_EQ(fresh.connect_errno(), ECONNREFUSED) << fresh.error();

  // The in-flight request completes normally.
  auto r = busy.ReadResponse({}, Timeout(10'000));
  ASSERT_TRUE(r) << busy.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("X-Origin-Target"), "/delay/1500");
  EXPECT_EQ(r->body, Origin::kDefaultBody);
  EXPECT_TRUE(busy.IsClosedByPeer(Timeout(5'000)));

  std::optional<int> code = rampart_.WaitExit(Timeout(5'000 + 5'000));
  ASSERT_TRUE(code) << "rampart did not exit within the drain bound";
  EXPECT_EQ(*code, 0) << rampart_.Log();
  EXPECT_LT(std::chrono::duration_cast<Timeout>(Clock::now() - sent_term).count(), 5'000 + 2'000);
  EXPECT_TRUE(rampart_.WaitForLine("stopped", Timeout(2'000), from));
}

TEST_F(ShutdownTest, IdleProcessExitsPromptly) {
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  auto r = Get("/");
  ASSERT_TRUE(r);
  Deadline start = Clock::now();
  ASSERT_TRUE(rampart_.Signal(SIGTERM));
  std::optional<int> code = rampart_.WaitExit(Timeout(5'000));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
  EXPECT_LT(std::chrono::duration_cast<Timeout>(Clock::now() - start).count(), 2'000)
      << "nothing was in flight: exit should not wait for the drain bound";
}

TEST_F(ShutdownTest, DrainIsBoundedWhenARequestNeverEnds) {
  ConfigOptions options;
  options.extra = "timeouts:\n  drain: 1s\n";
  options.pool_lines = {"read_timeout: 60s"};
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  Client stuck = Connect();
  ASSERT_TRUE(stuck.Send(BuildRequest("GET", "/hang", port())));
  ASSERT_TRUE(origin_.WaitForTarget("/hang"));
  Deadline start = Clock::now();
  ASSERT_TRUE(rampart_.Signal(SIGTERM));
  std::optional<int> code = rampart_.WaitExit(Timeout(1'000 + 4'000));
  ASSERT_TRUE(code) << "rampart outlived its drain bound";
  auto elapsed = std::chrono::duration_cast<Timeout>(Clock::now() - start).count();
  EXPECT_GE(elapsed, 900) << "did not wait for the in-flight request at all";
  EXPECT_TRUE(stuck.IsClosedByPeer(Timeout(1'000)));
}

}  // namespace
}  // namespace rampart::test
