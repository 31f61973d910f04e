// Traffic splits through the real proxy: one route whose requests go to pool "stable" (origin
// a), "canary" (origin b) or "beta" (origin c). Weights divide the traffic, a header or cookie
// rule sends matching requests to its pool always, and a sticky split keeps each client (by
// client IP; clients bound to different 127/8 addresses are different clients) in one pool.

#include <gtest/gtest.h>

#include <string>

#include "support/upstream_fixture.h"

namespace rampart::test {
namespace {

class UpstreamSplitTest : public UpstreamTest {
 protected:
  std::string Pools() const {
    return "pools:\n"
           "  stable:\n    servers:\n" +
           ServersYaml({0}) + "  canary:\n    servers:\n" + ServersYaml({1}) +
           "  beta:\n    servers:\n" + ServersYaml({2});
  }
  // The catch-all route with a split; `sticky` is a "sticky: ..." line or empty.
  static std::string Routes(const std::string& sticky) {
    std::string y =
        "routes:\n"
        "  - name: main\n"
        "    match: {path_prefix: /}\n"
        "    split:\n";
    if (!sticky.empty()) y += "      " + sticky + "\n";
    y += "      to:\n"
         "        - {pool: beta, header: X-Beta, value: \"1\"}\n"
         "        - {pool: beta, cookie: beta, value: \"yes\"}\n"
         "        - {pool: stable, weight: 90}\n"
         "        - {pool: canary, weight: 10}\n";
    return y;
  }
};

TEST_F(UpstreamSplitTest, WeightsDivideTheTraffic) {
  ASSERT_NO_FATAL_FAILURE(Start(Pools(), Routes("")));
  OriginCounts counts = Spread(1000);
  Measure("split 90/10 over 1000 requests", DescribeCounts(counts));
  ASSERT_EQ(TotalOf(counts), 1000u);
  EXPECT_EQ(CountOf(counts, "c"), 0u) << "no request carried the beta rule's header or cookie";
  EXPECT_NEAR(static_cast<double>(CountOf(counts, "b")) / 1000, 0.10, 0.035)
      << DescribeCounts(counts);
}

TEST_F(UpstreamSplitTest, HeaderAndCookieRulesAlwaysWin) {
  ASSERT_NO_FATAL_FAILURE(Start(Pools(), Routes("")));
  OriginCounts by_header = Spread(100, "/beta", [](size_t) { return HeaderList{{"X-Beta", "1"}}; });
  EXPECT_EQ(CountOf(by_header, "c"), 100u) << DescribeCounts(by_header);
  OriginCounts by_cookie = Spread(100, "/beta", [](size_t) {
    return HeaderList{{"Cookie", "session=x; beta=yes"}};
  });
  EXPECT_EQ(CountOf(by_cookie, "c"), 100u) << DescribeCounts(by_cookie);
  // Another value is no match: the weights decide.
  OriginCounts other = Spread(200, "/beta", [](size_t) { return HeaderList{{"X-Beta", "2"}}; });
  EXPECT_EQ(CountOf(other, "c"), 0u) << DescribeCounts(other);
  EXPECT_GT(CountOf(other, "a"), 100u) << DescribeCounts(other);
}

TEST_F(UpstreamSplitTest, StickySplitKeepsAClientInOnePool) {
  ASSERT_NO_FATAL_FAILURE(Start(Pools(), Routes("sticky: client_ip")));
  // One client, fresh connections.
  OriginCounts one;
  for (int i = 0; i < 40; ++i) {
    auto r = Get("/sticky-" + std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    ++one[OriginOf(r)];
  }
  EXPECT_EQ(one.size(), 1u) << "127.0.0.1 moved between pools: " << DescribeCounts(one);

  // 100 clients: each keeps its pool; about a tenth are canaries.
  OriginCounts clients;
  for (int i = 0; i < 100; ++i) {
    std::string ip = "127.0.3." + std::to_string(10 + i);
    OriginCounts per = Spread(5, "/sticky", {}, ip);
    ASSERT_EQ(TotalOf(per), 5u);
    EXPECT_EQ(per.size(), 1u) << ip << " moved between pools: " << DescribeCounts(per);
    ++clients[per.begin()->first];
  }
  Measure("sticky split, 100 client IPs", DescribeCounts(clients));
  EXPECT_EQ(CountOf(clients, "c"), 0u);
  EXPECT_GE(CountOf(clients, "b"), 2u) << DescribeCounts(clients);
  EXPECT_LE(CountOf(clients, "b"), 25u) << DescribeCounts(clients);

  // The value rules still apply to a sticky client.
  OriginCounts beta = Spread(20, "/beta", [](size_t) { return HeaderList{{"X-Beta", "1"}}; });
  EXPECT_EQ(CountOf(beta, "c"), 20u) << DescribeCounts(beta);
}

}  // namespace
}  // namespace rampart::test
