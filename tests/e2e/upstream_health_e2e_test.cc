// Active health checks and what they mean to clients: an origin killed under steady load costs
// no client a failed request (retries), is reported down, and after it comes back rejoins once
// `rise` checks pass, with its share ramping up under slow start; a failing /healthz status
// takes a server out; with every server down clients get rampart's 503 at once. Also connect
// timeouts against a blackholed server, and drain/enable through the admin API.

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "support/blackhole.h"
#include "support/load.h"
#include "support/upstream_fixture.h"

namespace rampart::test {
namespace {

using std::chrono::milliseconds;

const std::vector<std::string> kFastHealth = {
    "health: {path: /healthz, interval: 100ms, timeout: 1s, rise: 2, fall: 2}"};

std::vector<std::string> With(std::vector<std::string> lines,
                              const std::vector<std::string>& more) {
  lines.insert(lines.end(), more.begin(), more.end());
  return lines;
}

class UpstreamHealthTest : public UpstreamTest {
 protected:
  // rampart_upstream_server_up for a server; nullopt when the metric is absent.
  std::optional<double> UpMetric(const std::string& server) {
    return MetricValue(Metrics(), "rampart_upstream_server_up",
                       {{"pool", "app"}, {"server", server}});
  }
};

TEST_F(UpstreamHealthTest, KilledOriginCostsNoRequestAndRejoinsWithSlowStart) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool(With(
      kFastHealth, {"balance: round_robin", "retries: 2", "connect_timeout: 1s", "slow_start: 2s",
                    // health alone decides here, not passive ejection
                    "outlier: {consecutive_failures: 0}"}))));
  // Every origin has been probed and found up before the load starts.
  for (size_t i = 0; i < kOrigins; ++i) ASSERT_TRUE(origin(i).WaitForHealthChecks(2));

  LoadOptions options;
  options.port = port();
  options.threads = 3;
  options.pace = milliseconds(1);  // steady, not flat out: the machine runs other tests too
  options.target = [](int t, uint64_t n) {
    return "/steady/" + std::to_string(t) + "/" + std::to_string(n);
  };
  Load load(options);
  ASSERT_TRUE(
      load.WaitFor([](const LoadCounts& c) { return c.origin("a") >= 50; }, Timeout(10'000)))
      << "the load did not reach a: " << load.Counts().first_problem;

  Kill(0);
  std::string last;
  EXPECT_TRUE(WaitForState("app", "a", "down", Timeout(5'000), &last))
      << "a killed origin was not reported down; state: " << last;
  if (std::optional<double> up = UpMetric("a")) {
    EXPECT_EQ(*up, 0) << "rampart_upstream_server_up{server=a}";
  } else {
    ADD_FAILURE() << "no rampart_upstream_server_up{pool=app,server=a} in /metrics";
  }
  ASSERT_TRUE(load.WaitForMore(300)) << "the load stalled while a was down";

  Revive(0);
  ASSERT_TRUE(origin(0).WaitForRequests(1, Timeout(5'000)))
      << "a came back but got no request; state: " << ServerState("app", "a");
  Clock::time_point back = Clock::now();
  // Rejoined only after `rise` passing checks.
  EXPECT_GE(origin(0).HealthCheckCount(), 2u);
  EXPECT_TRUE(WaitForState("app", "a", "up", Timeout(2'000), &last)) << last;

  // Slow start: a's share in the first 300 ms after its return against a later window, once
  // the 2 s ramp is over. Both windows are waited out: the ramp is itself a matter of time.
  std::this_thread::sleep_until(back + milliseconds(2'700));
  OriginCounts early = load.OriginsBetween(back, back + milliseconds(300));
  OriginCounts late = load.OriginsBetween(back + milliseconds(2'200), back + milliseconds(2'700));
  load.Stop();
  auto share = [](const OriginCounts& counts) {
    size_t total = TotalOf(counts);
    return total == 0 ? 0.0 : static_cast<double>(CountOf(counts, "a")) / total;
  };
  Measure("slow start, first 300 ms", DescribeCounts(early));
  Measure("slow start, 2.2-2.7 s", DescribeCounts(late));
  EXPECT_GT(TotalOf(early), 30u) << "too few samples to compare";
  EXPECT_GT(TotalOf(late), 30u) << "too few samples to compare";
  EXPECT_GT(share(late), 0.2) << DescribeCounts(late);
  EXPECT_LT(share(early), 0.7 * share(late))
      << "early " << DescribeCounts(early) << ", late " << DescribeCounts(late);

  LoadCounts counts = load.Counts();
  Measure("kill and revive under load",
          std::to_string(counts.total) + " requests, " + DescribeCounts(counts.origins));
  EXPECT_EQ(counts.problems(), 0u)
      << "every request must succeed (retries); first problem: " << counts.first_problem;
}

TEST_F(UpstreamHealthTest, FailingHealthStatusTakesAServerOutUntilItPassesAgain) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool(With(kFastHealth, {"balance: round_robin"}))));
  for (size_t i = 0; i < kOrigins; ++i) ASSERT_TRUE(origin(i).WaitForHealthChecks(2));
  EXPECT_EQ(ServerState("app", "b"), "up");

  origin(1).SetHealthStatus(503);
  std::string last;
  ASSERT_TRUE(WaitForState("app", "b", "down", Timeout(5'000), &last)) << last;
  size_t b_before = origin(1).RequestCount();
  OriginCounts counts = Spread(60);
  EXPECT_EQ(CountOf(counts, "b"), 0u) << DescribeCounts(counts);
  EXPECT_EQ(origin(1).RequestCount(), b_before);
  EXPECT_EQ(TotalOf(counts), 60u);

  origin(1).SetHealthStatus(204);  // any status in the default expect range 200-399 passes
  ASSERT_TRUE(WaitForState("app", "b", "up", Timeout(5'000), &last)) << last;
  counts = Spread(60);
  EXPECT_EQ(CountOf(counts, "b"), 20u) << DescribeCounts(counts);
}

TEST_F(UpstreamHealthTest, AllServersDownIsAPromptRampart503) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool(With(kFastHealth, {"connect_timeout: 1s", "retries: 2"}))));
  for (size_t i = 0; i < kOrigins; ++i) Kill(i);
  for (size_t i = 0; i < kOrigins; ++i) {
    std::string last;
    ASSERT_TRUE(WaitForState("app", Name(i), "down", Timeout(5'000), &last))
        << Name(i) << ": " << last;
  }
  Clock::time_point start = Clock::now();
  auto r = Get("/nobody-home");
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_FALSE(r->Header("X-Origin-Name"));
  EXPECT_NE(r->body.find("503 Service Unavailable"), std::string::npos) << r->body;
  EXPECT_TRUE(r->Header("X-Request-Id"));
  // No server to try: nothing to wait for (generous margin; it is about not waiting for a
  // connect timeout per server).
  EXPECT_LT(took.count(), 1'000);
}

// No health checks: the dead servers are found by trying them. Refused connects fail at once,
// so the answer comes within the connect timeout however many servers are tried.
TEST_F(UpstreamHealthTest, AllServersRefusingIsAnsweredWithinTheConnectTimeout) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"connect_timeout: 1s", "retries: 2"})));
  for (size_t i = 0; i < kOrigins; ++i) Kill(i);
  Clock::time_point start = Clock::now();
  auto r = Get("/nobody-home");
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << "no server could be reached";
  EXPECT_NE(r->body.find("503 Service Unavailable"), std::string::npos) << r->body;
  EXPECT_FALSE(r->Header("X-Origin-Name"));
  EXPECT_LT(took.count(), 3'000);
}

// A connect that hangs (SYN dropped) is cut at connect_timeout: the connect timeout is the
// request's deadline for reaching some server, so a pool of one blackholed server answers 503
// after it, not later. A blackholed server among live ones is ejected after its connect
// timeouts (consecutive_failures: 1 here) and then costs nothing.
TEST_F(UpstreamHealthTest, BlackholedServerFailsOverWithinTheConnectTimeoutAndIsEjected) {
  Blackhole hole;
  std::string pools =
      "pools:\n"
      "  hole:\n"
      "    connect_timeout: 300ms\n"
      "    retries: 0\n"
      "    servers:\n"
      "      - {address: " +
      hole.address() +
      ", name: hole}\n"
      "  app:\n"
      "    balance: round_robin\n"
      "    connect_timeout: 300ms\n"
      "    retries: 1\n"
      "    outlier: {consecutive_failures: 1, base_ejection: 1m, max_ejection: 1m}\n"
      "    servers:\n"
      "      - {address: " +
      hole.address() + ", name: hole}\n" + ServersYaml({0});
  std::string routes =
      "routes:\n"
      "  - name: hole\n    match: {path_prefix: /hole/}\n    pool: hole\n"
      "  - name: main\n    match: {path_prefix: /}\n    pool: app\n";
  ASSERT_NO_FATAL_FAILURE(Start(pools, routes));

  // Only the blackhole: no server reached, 503, once the connect timeout has passed.
  Clock::time_point start = Clock::now();
  auto r = Get("/hole/x");
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("503 Service Unavailable"), std::string::npos) << r->body;
  EXPECT_GE(took.count(), 250) << "answered before the connect timeout could have passed";
  EXPECT_LT(took.count(), 3'000);

  // The blackhole and a live origin: the request that meets the blackhole first gives up on
  // it after half the connect timeout and is served by a; the blackhole is ejected, and from
  // then on every request goes straight to a.
  for (int i = 0; i < 2; ++i) {
    auto first = Get("/meet-the-hole-" + std::to_string(i));
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 200);
  }
  std::string state;
  EXPECT_TRUE(WaitForState("app", "hole", "ejected", Timeout(2'000), &state)) << state;
  OriginCounts counts = Spread(20);
  EXPECT_EQ(CountOf(counts, "a"), 20u) << DescribeCounts(counts);
}

TEST_F(UpstreamHealthTest, DrainLetsInFlightRequestsFinishAndEnableBringsTheServerBack) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"balance: round_robin"})));

  // A slow request in flight on a: /if/a/delay/1000 is slow only there; one that lands on b or
  // c is answered at once, and the next is tried.
  Client slow;
  bool on_a = false;
  for (int i = 0; i < 6 && !on_a; ++i) {
    ASSERT_TRUE(slow.Connect(port())) << slow.error();
    std::string target = "/if/a/delay/1000?try=" + std::to_string(i);
    ASSERT_TRUE(slow.Send(BuildRequest("GET", target, port())));
    if (origin(0).WaitForTarget(target, Timeout(300))) {
      on_a = true;
    } else {
      auto r = slow.ReadResponse();
      ASSERT_TRUE(r) << slow.error();
      ASSERT_EQ(r->status, 200);
    }
  }
  ASSERT_TRUE(on_a) << "no request reached a";

  int no_token = AdminStatus("POST", "/api/upstreams/app/a/drain", {});
  EXPECT_TRUE(no_token == 401 || no_token == 403) << "drain without the token: " << no_token;
  int bad_token =
      AdminStatus("POST", "/api/upstreams/app/a/drain", {{"Authorization", "Bearer wrong"}});
  EXPECT_TRUE(bad_token == 401 || bad_token == 403) << "drain with a wrong token: " << bad_token;
  EXPECT_EQ(ServerState("app", "a"), "up") << "a refused drain took effect";

  ASSERT_EQ(AdminAction("app", "a", "drain"), 200);
  EXPECT_EQ(ServerState("app", "a"), "drained");
  size_t a_before = origin(0).RequestCount();
  OriginCounts counts = Spread(30);
  EXPECT_EQ(CountOf(counts, "a"), 0u) << DescribeCounts(counts);
  EXPECT_EQ(CountOf(counts, "b") + CountOf(counts, "c"), 30u) << DescribeCounts(counts);
  EXPECT_EQ(origin(0).RequestCount(), a_before);

  auto in_flight = slow.ReadResponse({}, Timeout(5'000));
  ASSERT_TRUE(in_flight) << slow.error();
  EXPECT_EQ(in_flight->status, 200);
  EXPECT_EQ(OriginOf(in_flight), "a");

  ASSERT_EQ(AdminAction("app", "a", "enable"), 200);
  EXPECT_EQ(ServerState("app", "a"), "up");
  counts = Spread(30);
  EXPECT_EQ(CountOf(counts, "a"), 10u) << DescribeCounts(counts);

  EXPECT_EQ(AdminAction("app", "nope", "drain"), 404);
  EXPECT_EQ(AdminAction("nope", "a", "drain"), 404);
}

}  // namespace
}  // namespace rampart::test
