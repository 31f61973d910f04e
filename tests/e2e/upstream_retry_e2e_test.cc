// Retries, passive outlier ejection and circuit breaking through the real proxy, with three
// loopback origins of which one misbehaves on a path only it treats specially (/if/a/...):
// an idempotent request that meets a reset or a retryable status is served by another origin;
// a POST that reached a backend is never sent twice; consecutive failures eject a server for
// base_ejection; max_pending_requests refuses the request over the limit at once.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/upstream_fixture.h"

namespace rampart::test {
namespace {

using std::chrono::milliseconds;

class UpstreamRetryTest : public UpstreamTest {
 protected:
  size_t Received(size_t i) { return origin(i).RequestCount(); }
};

TEST_F(UpstreamRetryTest, GetResetByABackendIsServedByAnother) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"balance: round_robin", "retries: 1"})));
  OriginCounts counts = Spread(30, "/if/a/reset");
  EXPECT_EQ(TotalOf(counts), 30u);
  EXPECT_EQ(CountOf(counts, "a"), 0u) << DescribeCounts(counts);
  EXPECT_GE(Received(0), 1u) << "a never got the request, so nothing was retried";
}

TEST_F(UpstreamRetryTest, PostThatReachedABackendIsNotRetried) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"balance: round_robin", "retries: 2"})));
  size_t bad_gateways = 0;
  size_t served = 0;
  Client c;
  for (int i = 0; i < 6; ++i) {
    if (!c.connected()) {
      ASSERT_TRUE(c.Connect(port())) << c.error();
    }
    auto r = c.Post("/if/a/reset", "order=" + std::to_string(i));
    ASSERT_TRUE(r) << c.error();
    if (OriginOf(r).empty()) {
      EXPECT_EQ(r->status, 502) << r->body;
      ++bad_gateways;
    } else {
      EXPECT_EQ(r->status, 200);
      EXPECT_NE(OriginOf(r), "a");
      ++served;
    }
    if (HeaderHasToken(r->headers, "Connection", "close")) c.Close();
  }
  EXPECT_GE(bad_gateways, 1u) << "no POST reached a";
  // Each POST reached exactly one backend: a's resets were not sent on to b or c.
  EXPECT_EQ(Received(0), bad_gateways);
  EXPECT_EQ(Received(1) + Received(2), served);
  for (const RecordedRequest& r : origin(0).Requests()) EXPECT_EQ(r.method, "POST");
}

TEST_F(UpstreamRetryTest, RetryableStatusIsRetriedForIdempotentRequestsOnly) {
  ASSERT_NO_FATAL_FAILURE(
      Start(AppPool({"balance: round_robin", "retries: 1", "retry_statuses: [503]",
                     "outlier: {consecutive_failures: 0}"})));
  OriginCounts counts = Spread(30, "/if/a/status/503");
  EXPECT_EQ(TotalOf(counts), 30u);
  EXPECT_EQ(CountOf(counts, "a"), 0u) << DescribeCounts(counts);
  EXPECT_GE(Received(0), 1u) << "a never answered 503, so nothing was retried";

  // A status not in retry_statuses is passed on.
  size_t a_before = Received(0);
  int passed_on = 0;
  for (int i = 0; i < 3; ++i) {
    auto r = Get("/if/a/status/500");
    ASSERT_TRUE(r);
    if (r->status == 500) ++passed_on;
  }
  EXPECT_EQ(passed_on, 1) << "round robin sends one in three to a";
  EXPECT_EQ(Received(0), a_before + 1);

  // A POST answered 503 is not sent again.
  size_t before = Received(0) + Received(1) + Received(2);
  int unavailable = 0;
  for (int i = 0; i < 3; ++i) {
    Client c;
    ASSERT_TRUE(c.Connect(port()));
    auto r = c.Post("/if/a/status/503", "x", {{"Connection", "close"}});
    ASSERT_TRUE(r) << c.error();
    if (r->status == 503) {
      ++unavailable;
      EXPECT_EQ(OriginOf(r), "a") << "the backend's own 503 is passed on";
    }
  }
  EXPECT_EQ(unavailable, 1);
  EXPECT_EQ(Received(0) + Received(1) + Received(2), before + 3) << "a POST was sent twice";
}

// With no other server able to take it, a retryable status is the best answer there is: the
// backend's own response goes to the client, not rampart's error page.
TEST_F(UpstreamRetryTest, RetryableStatusIsPassedOnWhenNoOtherServerCanTakeIt) {
  ASSERT_NO_FATAL_FAILURE(
      Start(AppPool({"balance: round_robin", "retries: 2", "retry_statuses: [503]",
                     "outlier: {consecutive_failures: 0}"},
                    {0, 1})));
  ASSERT_EQ(AdminAction("app", "b", "drain"), 200);
  auto r = Get("/status/503");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(OriginOf(r), "a") << "the backend's response, passed on";
  EXPECT_EQ(r->body, "status 503\n");
}

TEST_F(UpstreamRetryTest, ConsecutiveFailuresEjectAServerForTheBaseEjection) {
  ASSERT_NO_FATAL_FAILURE(
      Start(AppPool({"balance: round_robin", "retries: 0",
                     "outlier: {consecutive_failures: 3, base_ejection: 1s, max_ejection: 10s}"})));
  // Round robin: a gets every third request; its third 500 ejects it.
  int failures = 0;
  Clock::time_point third_failure{};
  Client c;
  for (int i = 0; i < 12 && failures < 3; ++i) {
    if (!c.connected()) {
      ASSERT_TRUE(c.Connect(port())) << c.error();
    }
    auto r = c.Get("/if/a/status/500");
    ASSERT_TRUE(r) << c.error();
    if (r->status == 500) {
      ++failures;
      third_failure = Clock::now();
    } else {
      EXPECT_EQ(r->status, 200);
    }
    if (HeaderHasToken(r->headers, "Connection", "close")) c.Close();
  }
  ASSERT_EQ(failures, 3);
  std::string state;
  EXPECT_TRUE(WaitForState("app", "a", "ejected", Timeout(500), &state)) << state;

  // Ejected: no traffic at all for a while...
  size_t a_before = Received(0);
  OriginCounts counts = Spread(30, "/while-ejected");
  EXPECT_EQ(CountOf(counts, "a"), 0u) << DescribeCounts(counts);
  EXPECT_EQ(Received(0), a_before);

  // ...then it comes back. Paced polling: the end of an ejection is a point in time.
  Clock::time_point back{};
  for (Deadline deadline = DeadlineIn(Timeout(5'000)); Clock::now() < deadline;) {
    auto r = c.Get("/after-ejection");
    ASSERT_TRUE(r) << c.error();
    ASSERT_EQ(r->status, 200);
    if (OriginOf(r) == "a") {
      back = Clock::now();
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_NE(back, Clock::time_point{}) << "a never came back; state " << ServerState("app", "a");
  auto ejected_for = std::chrono::duration_cast<milliseconds>(back - third_failure).count();
  Measure("ejection observed (base_ejection 1s)", std::to_string(ejected_for) + " ms");
  EXPECT_GE(ejected_for, 800) << "back before base_ejection";
  EXPECT_LT(ejected_for, 4'000);
  EXPECT_EQ(ServerState("app", "a"), "up");
}

TEST_F(UpstreamRetryTest, MaxPendingRequestsRefusesTheNextRequestAtOnce) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool(
      {"balance: round_robin", "retries: 0", "circuit_breaker: {max_pending_requests: 2}"})));
  // Two slow requests fill the pool's budget.
  std::vector<Client> slow(2);
  for (size_t i = 0; i < slow.size(); ++i) {
    ASSERT_TRUE(slow[i].Connect(port())) << slow[i].error();
    ASSERT_TRUE(slow[i].Send(BuildRequest("GET", "/delay/1500?slow=" + std::to_string(i), port())));
  }
  ASSERT_TRUE(WaitForTotalRequests(2));

  Clock::time_point start = Clock::now();
  auto refused = Get("/delay/1500?third");
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_TRUE(OriginOf(refused).empty());
  // "At once": well before the slow requests could have freed a slot (1.5 s).
  EXPECT_LT(took, 1'000);
  EXPECT_EQ(Received(0) + Received(1) + Received(2), 2u) << "the third request reached a backend";

  for (Client& c : slow) {
    auto r = c.ReadResponse({}, Timeout(5'000));
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
  }
  // The slots are free again.
  auto after = Get("/after");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

}  // namespace
}  // namespace rampart::test
