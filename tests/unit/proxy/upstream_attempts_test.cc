#include "proxy/upstream_attempts.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace rampart::proxy {
namespace {

using Failure = UpstreamAttempts::Failure;

// A pool config with `count` servers on 127.0.0.1, ports from 9000.
config::PoolConfig PoolConfigOf(const std::string& name, size_t count) {
  config::PoolConfig pc;
  pc.name = name;
  for (size_t i = 0; i < count; ++i) {
    config::ServerConfig s;
    s.address = "127.0.0.1:" + std::to_string(9000 + i);
    pc.servers.push_back(s);
  }
  return pc;
}

class UpstreamAttemptsTest : public ::testing::Test {
 protected:
  std::shared_ptr<const upstream::Pool> MakePool(size_t servers, uint32_t retries = 1) {
    config::PoolConfig pc = PoolConfigOf("app", servers);
    pc.retries = retries;
    pc.connect_timeout_ms = 1'000;
    return Build(pc);
  }
  std::shared_ptr<const upstream::Pool> Build(const config::PoolConfig& pc) {
    auto pool = upstream::Pool::Build(pc, registry_);
    EXPECT_TRUE(pool.ok());
    return pool.value();
  }
  static std::optional<size_t> Next(UpstreamAttempts& a, int64_t now = 0) {
    return a.Next("", "", 0, now);
  }

  upstream::StateRegistry registry_;
};

TEST_F(UpstreamAttemptsTest, CountsActiveRequestsPerAttemptAndPendingPerRequest) {
  auto pool = MakePool(2);
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  EXPECT_EQ(pool->state().pending_requests.load(), 1);
  const auto first = Next(a);
  ASSERT_TRUE(first);
  const auto& state = *pool->servers()[*first].state;
  EXPECT_EQ(state.active_requests.load(), 1);
  EXPECT_EQ(state.requests_total.load(), 1u);
  EXPECT_TRUE(a.Failed(Failure::kConnect, true, 0));
  EXPECT_EQ(state.active_requests.load(), 0) << "a failed attempt is no longer active";
  const auto second = Next(a);
  ASSERT_TRUE(second);
  EXPECT_NE(*second, *first) << "a retry goes to another server";
  a.Reset();
  EXPECT_EQ(pool->state().pending_requests.load(), 0);
  EXPECT_EQ(pool->state().retries_in_flight.load(), 0);
  EXPECT_EQ(pool->servers()[*second].state->active_requests.load(), 0);
  EXPECT_EQ(pool->state().retries_total.load(), 1u);
}

TEST_F(UpstreamAttemptsTest, RetriesAreBoundedByRetriesAndServers) {
  auto pool = MakePool(5, 2);
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  ASSERT_TRUE(Next(a));
  EXPECT_TRUE(a.Failed(Failure::kConnect, true, 0));
  ASSERT_TRUE(Next(a));
  EXPECT_TRUE(a.Failed(Failure::kConnect, true, 0));
  ASSERT_TRUE(Next(a));
  EXPECT_FALSE(a.Failed(Failure::kConnect, true, 0)) << "1 attempt + 2 retries";
  EXPECT_TRUE(a.nothing_connected());

  auto two = MakePool(2, 5);
  UpstreamAttempts b;
  ASSERT_TRUE(b.Admit(*two));
  ASSERT_TRUE(Next(b));
  EXPECT_TRUE(b.Failed(Failure::kConnect, true, 0));
  ASSERT_TRUE(Next(b));
  EXPECT_FALSE(b.Failed(Failure::kConnect, true, 0)) << "every server tried";
}

TEST_F(UpstreamAttemptsTest, UnsafeResendIsNeverRetried) {
  auto pool = MakePool(3, 2);
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  ASSERT_TRUE(Next(a));
  a.Connected();
  EXPECT_FALSE(a.Failed(Failure::kReset, false, 0));
  EXPECT_FALSE(a.nothing_connected());
}

TEST_F(UpstreamAttemptsTest, PendingLimitRefusesAtOnce) {
  config::PoolConfig pc = PoolConfigOf("small", 1);
  pc.max_pending_requests = 2;
  auto pool = Build(pc);
  UpstreamAttempts a, b, c;
  EXPECT_TRUE(a.Admit(*pool));
  EXPECT_TRUE(b.Admit(*pool));
  EXPECT_FALSE(c.Admit(*pool));
  EXPECT_EQ(pool->state().overflow_pending_total.load(), 1u);
  EXPECT_EQ(pool->state().pending_requests.load(), 2);
  a.Reset();
  EXPECT_TRUE(c.Admit(*pool));
}

TEST_F(UpstreamAttemptsTest, RetryBudgetLimitsRetriesInFlight) {
  config::PoolConfig pc = PoolConfigOf("budget", 4);
  pc.retries = 3;
  pc.retry_budget_percent = 0;
  pc.retry_budget_min = 2;  // at most two requests retrying at a time
  auto pool = Build(pc);
  std::vector<std::unique_ptr<UpstreamAttempts>> requests;
  std::vector<bool> retried;
  for (int i = 0; i < 4; ++i) {
    requests.push_back(std::make_unique<UpstreamAttempts>());
    ASSERT_TRUE(requests.back()->Admit(*pool));
    ASSERT_TRUE(Next(*requests.back()));
    retried.push_back(requests.back()->Failed(Failure::kConnect, true, 0));
  }
  EXPECT_EQ(retried, (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(pool->state().overflow_retries_total.load(), 2u);
  // A request keeps its one ticket for all its retries.
  ASSERT_TRUE(Next(*requests[0]));
  EXPECT_TRUE(requests[0]->Failed(Failure::kConnect, true, 0));
  EXPECT_EQ(pool->state().retries_in_flight.load(), 2);
  requests[0]->Reset();
  EXPECT_EQ(pool->state().retries_in_flight.load(), 1);
}

TEST_F(UpstreamAttemptsTest, MaxRetriesInFlightIsAHardLimit) {
  config::PoolConfig pc = PoolConfigOf("cb", 2);
  pc.retries = 1;
  pc.retry_budget_min = 100;
  pc.max_retries_in_flight = 1;
  auto pool = Build(pc);
  UpstreamAttempts a, b;
  ASSERT_TRUE(a.Admit(*pool));
  ASSERT_TRUE(b.Admit(*pool));
  ASSERT_TRUE(Next(a));
  ASSERT_TRUE(Next(b));
  EXPECT_TRUE(a.Failed(Failure::kConnect, true, 0));
  EXPECT_FALSE(b.Failed(Failure::kConnect, true, 0));
}

TEST_F(UpstreamAttemptsTest, ConnectDeadlineCoversEveryAttemptUntilOneConnects) {
  auto pool = MakePool(3, 2);  // connect_timeout 1000 ms
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  ASSERT_TRUE(Next(a, 10'000));
  EXPECT_EQ(a.ConnectTimeoutMs(10'000), 500u) << "half is left for another server";
  EXPECT_TRUE(a.Failed(Failure::kConnect, true, 10'500));  // hung until its half was over
  ASSERT_TRUE(Next(a, 10'500));
  EXPECT_EQ(a.ConnectTimeoutMs(10'500), 250u);
  EXPECT_TRUE(a.Failed(Failure::kConnect, true, 10'750));
  ASSERT_TRUE(Next(a, 10'750));
  EXPECT_EQ(a.ConnectTimeoutMs(10'750), 250u) << "the last attempt gets all that is left";
  EXPECT_FALSE(a.Failed(Failure::kConnect, true, 11'000)) << "timed out at the deadline";
  EXPECT_FALSE(Next(a, 11'000));

  // Refused at once: the next server gets (half of) nearly the whole deadline.
  UpstreamAttempts r;
  ASSERT_TRUE(r.Admit(*pool));
  ASSERT_TRUE(Next(r, 0));
  EXPECT_TRUE(r.Failed(Failure::kConnect, true, 2));
  ASSERT_TRUE(Next(r, 2));
  EXPECT_EQ(r.ConnectTimeoutMs(2), 499u);

  UpstreamAttempts b;
  ASSERT_TRUE(b.Admit(*pool));
  ASSERT_TRUE(Next(b, 0));
  b.Connected();
  EXPECT_TRUE(b.Failed(Failure::kReset, true, 5'000));
  ASSERT_TRUE(Next(b, 5'000));
  EXPECT_EQ(b.ConnectTimeoutMs(5'000), 1'000u) << "once a backend was reached: the full timeout";
}

TEST_F(UpstreamAttemptsTest, NoFailoverLeftMeansTheWholeConnectTimeout) {
  auto single = MakePool(1, 2);
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*single));
  ASSERT_TRUE(Next(a, 0));
  EXPECT_EQ(a.ConnectTimeoutMs(0), 1'000u) << "no other server";
  auto no_retries = MakePool(3, 0);
  UpstreamAttempts b;
  ASSERT_TRUE(b.Admit(*no_retries));
  ASSERT_TRUE(Next(b, 0));
  EXPECT_EQ(b.ConnectTimeoutMs(0), 1'000u) << "no retry allowed";
}

TEST_F(UpstreamAttemptsTest, ConsecutiveFailuresEjectTheServer) {
  config::PoolConfig pc = PoolConfigOf("outlier", 2);
  pc.retries = 0;
  pc.outlier.consecutive_failures = 2;
  pc.outlier.base_ejection_ms = 500;
  auto pool = Build(pc);
  const auto& bad = *pool->servers()[0].state;
  for (int i = 0; i < 2; ++i) {
    UpstreamAttempts a;
    ASSERT_TRUE(a.Admit(*pool));
    ASSERT_EQ(a.Next("", pool->servers()[0].sticky_id, 0, 0), std::optional<size_t>(0));
    a.CountFailure(0);
  }
  EXPECT_EQ(bad.ejected_until_ms.load(), 500);
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  EXPECT_EQ(a.Next("", pool->servers()[0].sticky_id, 0, 100), std::optional<size_t>(1));
}

TEST_F(UpstreamAttemptsTest, ConnectDeadlineStartsAtTheFirstAttemptNotAtAdmission) {
  auto pool = MakePool(2);  // connect_timeout 1000 ms
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  // A body was buffered for six seconds before the backend was needed.
  ASSERT_TRUE(Next(a, 6'000));
  EXPECT_EQ(a.ConnectTimeoutMs(6'000), 500u) << "the deadline runs from the first attempt";
  EXPECT_TRUE(a.Failed(Failure::kConnect, true, 6'100));
}

TEST_F(UpstreamAttemptsTest, NoRetryWhenNoOtherServerIsAvailable) {
  auto pool = MakePool(3, 2);
  pool->servers()[1].state->drained = true;
  pool->servers()[2].state->healthy = false;
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  ASSERT_EQ(Next(a), std::optional<size_t>(0));
  EXPECT_FALSE(a.AnotherServerAvailable(0));
  EXPECT_FALSE(a.Failed(Failure::kConnect, true, 0));
  EXPECT_EQ(pool->state().retries_in_flight.load(), 0) << "no retry ticket spent for nothing";
}

TEST_F(UpstreamAttemptsTest, MaxConnectionsIsEnforcedWhenTheAttemptStarts) {
  config::PoolConfig pc = PoolConfigOf("limited", 2);
  for (auto& s : pc.servers) s.max_connections = 1;
  auto pool = Build(pc);
  UpstreamAttempts a, b, c;
  ASSERT_TRUE(a.Admit(*pool));
  ASSERT_TRUE(b.Admit(*pool));
  ASSERT_TRUE(c.Admit(*pool));
  const auto first = Next(a);
  const auto second = Next(b);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  EXPECT_FALSE(Next(c)) << "both servers are at max_connections";
  EXPECT_EQ(pool->servers()[0].state->active_requests.load(), 1);
  EXPECT_EQ(pool->servers()[1].state->active_requests.load(), 1);
  a.Reset();
  EXPECT_EQ(Next(c), first) << "a slot came free; c had only tried, not taken, the others";
}

TEST_F(UpstreamAttemptsTest, AnAttemptCountsOneOutcome) {
  auto pool = MakePool(1, 0);
  UpstreamAttempts a;
  ASSERT_TRUE(a.Admit(*pool));
  ASSERT_TRUE(Next(a));
  a.CountFailure(0);                                  // a 5xx passed on to the client ...
  EXPECT_FALSE(a.Failed(Failure::kReset, false, 0));  // ... whose body then broke off
  EXPECT_EQ(pool->servers()[0].state->failures_total.load(), 1u);
}

}  // namespace
}  // namespace rampart::proxy
