// Load balancing through the real proxy, three loopback origins behind one pool: how each
// balancer spreads requests (round_robin, weighted_round_robin, least_conn, ip_hash,
// consistent_hash, p2c) and cookie stickiness. The measured shares are printed ("[measure]")
// and recorded as test properties.

#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "support/load.h"
#include "support/upstream_fixture.h"

namespace rampart::test {
namespace {

class UpstreamBalancingTest : public UpstreamTest {
 protected:
  // The share of `name` in `counts`, 0..1.
  static double Share(const OriginCounts& counts, const std::string& name) {
    size_t total = TotalOf(counts);
    return total == 0 ? 0 : static_cast<double>(CountOf(counts, name)) / total;
  }

  // Runs `threads` keep-alive clients on `target(thread, n)` until `total` responses or the
  // bound passes; returns the load's counts.
  LoadCounts RunLoad(int threads, size_t total, std::function<std::string(int, uint64_t)> target,
                     Timeout bound = Timeout(6'000)) {
    LoadOptions options;
    options.port = port();
    options.threads = threads;
    options.target = std::move(target);
    Load load(options);
    load.WaitFor([&](const LoadCounts& c) { return c.total >= total; }, bound);
    load.Stop();
    return load.Counts();
  }
};

TEST_F(UpstreamBalancingTest, RoundRobinIsEven) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"balance: round_robin"})));
  OriginCounts counts = Spread(300);
  Measure("round_robin", DescribeCounts(counts));
  ASSERT_EQ(TotalOf(counts), 300u);
  for (size_t i = 0; i < kOrigins; ++i) {
    // One cursor shared by the workers: sequential requests cycle exactly.
    EXPECT_NEAR(CountOf(counts, Name(i)), 100, 3) << DescribeCounts(counts);
  }
}

TEST_F(UpstreamBalancingTest, WeightedRoundRobinFollowsWeights) {
  ASSERT_NO_FATAL_FAILURE(
      Start(AppPool({"balance: weighted_round_robin"}, {0, 1, 2},
                    {{0, ", weight: 5"}, {1, ", weight: 3"}, {2, ", weight: 2"}})));
  OriginCounts counts = Spread(1000);
  Measure("weighted_round_robin 5:3:2", DescribeCounts(counts));
  ASSERT_EQ(TotalOf(counts), 1000u);
  EXPECT_NEAR(Share(counts, "a"), 0.5, 0.03) << DescribeCounts(counts);
  EXPECT_NEAR(Share(counts, "b"), 0.3, 0.03) << DescribeCounts(counts);
  EXPECT_NEAR(Share(counts, "c"), 0.2, 0.03) << DescribeCounts(counts);
}

// A slow origin holds its requests longer, so a balancer that looks at load sends it fewer of
// the concurrent requests than the third round_robin would give it.
TEST_F(UpstreamBalancingTest, LeastConnSendsFewerToASlowOrigin) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"balance: least_conn"})));
  LoadCounts counts =
      RunLoad(6, 600, [](int, uint64_t n) { return "/if/a/delay/100?n=" + std::to_string(n); });
  Measure("least_conn, a slow (100 ms), 6 clients", DescribeCounts(counts.origins));
  EXPECT_EQ(counts.problems(), 0u) << counts.first_problem;
  ASSERT_GE(counts.total, 300u) << "the load did not get going: " << counts.first_problem;
  EXPECT_LT(Share(counts.origins, "a"), 0.10) << DescribeCounts(counts.origins);
  // How the two fast origins split the rest follows the moment-to-moment counts of both
  // workers (on a busy machine 20/80 has been seen): both are used, which is all least_conn
  // promises between equally fast servers.
  EXPECT_GT(Share(counts.origins, "b"), 0.10) << DescribeCounts(counts.origins);
  EXPECT_GT(Share(counts.origins, "c"), 0.10) << DescribeCounts(counts.origins);
}

TEST_F(UpstreamBalancingTest, P2cSpreadsEvenLoadAndAvoidsASlowOrigin) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"balance: p2c"})));
  // Sequential requests: every server idle at each pick, so the choice is among equals.
  OriginCounts even = Spread(600);
  Measure("p2c, sequential", DescribeCounts(even));
  for (size_t i = 0; i < kOrigins; ++i) {
    EXPECT_GT(Share(even, Name(i)), 0.20) << DescribeCounts(even);
    EXPECT_LT(Share(even, Name(i)), 0.47) << DescribeCounts(even);
  }
  LoadCounts slow =
      RunLoad(6, 600, [](int, uint64_t n) { return "/if/a/delay/100?n=" + std::to_string(n); });
  Measure("p2c, a slow (100 ms), 6 clients", DescribeCounts(slow.origins));
  EXPECT_EQ(slow.problems(), 0u) << slow.first_problem;
  ASSERT_GE(slow.total, 300u) << "the load did not get going: " << slow.first_problem;
  EXPECT_LT(Share(slow.origins, "a"), 0.15) << DescribeCounts(slow.origins);
}

// Every test client is on loopback; clients bound to different 127/8 addresses are different
// client IPs to rampart.
TEST_F(UpstreamBalancingTest, IpHashKeepsAClientOnOneOriginAndSpreadsClients) {
  ASSERT_NO_FATAL_FAILURE(Start(AppPool({"balance: ip_hash"})));
  // One client, fresh connections: always the same origin.
  std::set<std::string> seen;
  for (int i = 0; i < 30; ++i) {
    auto r = Get("/ip-hash-" + std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    seen.insert(OriginOf(r));
  }
  EXPECT_EQ(seen.size(), 1u) << "127.0.0.1 was sent to more than one origin";

  // 90 clients: each sticks to one origin, and they spread over all three.
  OriginCounts clients;
  for (int i = 0; i < 90; ++i) {
    std::string ip = "127.0.2." + std::to_string(10 + i);
    OriginCounts per = Spread(4, "/ip-hash", {}, ip);
    ASSERT_EQ(TotalOf(per), 4u);
    EXPECT_EQ(per.size(), 1u) << ip << " went to " << DescribeCounts(per);
    ++clients[per.begin()->first];
  }
  Measure("ip_hash, 90 client IPs", DescribeCounts(clients));
  for (size_t i = 0; i < kOrigins; ++i) {
    EXPECT_GE(CountOf(clients, Name(i)), 15u) << DescribeCounts(clients);
  }
}

TEST_F(UpstreamBalancingTest, ConsistentHashIsStickyAndRemapsOnlyTheRemovedServersKeys) {
  const std::vector<std::string> pool_lines = {"balance: consistent_hash",
                                               "hash_key: \"header:X-User\""};
  ASSERT_NO_FATAL_FAILURE(Start(AppPool(pool_lines)));
  constexpr size_t kUsers = 1000;
  auto user = [](size_t i) { return "user-" + std::to_string(i); };

  // Which origin serves each user, asked twice.
  auto map_users = [&](std::vector<std::string>* placement) {
    placement->assign(kUsers, "");
    Client c;
    for (size_t i = 0; i < kUsers; ++i) {
      if (!c.connected()) {
        ASSERT_TRUE(c.Connect(port())) << c.error();
      }
      auto r = c.Get("/u", {{"X-User", user(i)}});
      ASSERT_TRUE(r) << c.error();
      ASSERT_EQ(r->status, 200) << r->body;
      (*placement)[i] = OriginOf(r);
      if (HeaderHasToken(r->headers, "Connection", "close")) c.Close();
    }
  };
  std::vector<std::string> first;
  std::vector<std::string> second;
  ASSERT_NO_FATAL_FAILURE(map_users(&first));
  ASSERT_NO_FATAL_FAILURE(map_users(&second));
  OriginCounts spread;
  size_t moved_between_passes = 0;
  for (size_t i = 0; i < kUsers; ++i) {
    ++spread[first[i]];
    if (first[i] != second[i]) ++moved_between_passes;
  }
  Measure("consistent_hash, 1000 users", DescribeCounts(spread));
  EXPECT_EQ(moved_between_passes, 0u) << "a user changed origin with nothing changed";
  for (size_t i = 0; i < kOrigins; ++i) {
    EXPECT_GT(Share(spread, Name(i)), 0.20) << DescribeCounts(spread);
    EXPECT_LT(Share(spread, Name(i)), 0.47) << DescribeCounts(spread);
  }

  // Without server c: only c's users move.
  ASSERT_NO_FATAL_FAILURE(Reload(AppPool(pool_lines, {0, 1})));
  std::vector<std::string> after;
  ASSERT_NO_FATAL_FAILURE(map_users(&after));
  size_t kept_users = 0;
  size_t kept_moved = 0;
  size_t moved = 0;
  OriginCounts after_spread;
  for (size_t i = 0; i < kUsers; ++i) {
    ++after_spread[after[i]];
    if (after[i] != first[i]) ++moved;
    if (first[i] != "c") {
      ++kept_users;
      if (after[i] != first[i]) ++kept_moved;
    }
  }
  char line[200];
  std::snprintf(line, sizeof line,
                "%zu/%zu users remapped (%.1f%%); of the %zu users not on the removed server, "
                "%zu remapped (%.1f%%)",
                moved, kUsers, 100.0 * moved / kUsers, kept_users, kept_moved,
                kept_users == 0 ? 0.0 : 100.0 * kept_moved / kept_users);
  Measure("consistent_hash remap after removing c", line);
  Measure("consistent_hash after removing c", DescribeCounts(after_spread));
  EXPECT_EQ(kept_moved, 0u) << line;
  EXPECT_EQ(CountOf(after_spread, "c"), 0u);
  EXPECT_EQ(moved, kUsers - kept_users) << "every user of c moves, and only they";
}

TEST_F(UpstreamBalancingTest, StickyCookiePinsAClientToItsOrigin) {
  ASSERT_NO_FATAL_FAILURE(
      Start(AppPool({"balance: round_robin", "sticky: {cookie: rampart_server}"})));
  // Three cookie-less clients get three origins (round robin) and a cookie naming each.
  std::map<std::string, std::string> cookie_of;  // origin -> cookie value
  for (int i = 0; i < 3; ++i) {
    auto r = Get("/first");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    std::optional<std::string> set_cookie;
    for (const std::string& v : FindHeaders(r->headers, "Set-Cookie")) {
      if (v.rfind("rampart_server=", 0) == 0) set_cookie = v;
    }
    ASSERT_TRUE(set_cookie) << "no Set-Cookie: rampart_server=... in\n" << r->raw;
    std::string value = set_cookie->substr(std::string("rampart_server=").size());
    value = value.substr(0, value.find(';'));
    ASSERT_FALSE(value.empty()) << *set_cookie;
    EXPECT_EQ(value.find("127.0.0.1"), std::string::npos)
        << "the cookie should not reveal the server address: " << *set_cookie;
    cookie_of[OriginOf(r)] = value;
  }
  ASSERT_EQ(cookie_of.size(), 3u) << "round robin should have given three origins";

  for (const auto& [name, value] : cookie_of) {
    OriginCounts counts = Spread(30, "/again", [&](size_t) {
      return HeaderList{{"Cookie", "theme=dark; rampart_server=" + value}};
    });
    EXPECT_EQ(CountOf(counts, name), 30u)
        << "cookie " << value << " of " << name << ": " << DescribeCounts(counts);
  }

  // An unknown cookie value falls back to the balancer.
  OriginCounts stale = Spread(30, "/stale", [](size_t) {
    return HeaderList{{"Cookie", "rampart_server=no-such-server"}};
  });
  EXPECT_EQ(TotalOf(stale), 30u);
  EXPECT_EQ(stale.size(), 3u) << DescribeCounts(stale);
}

}  // namespace
}  // namespace rampart::test
