#include "routing/traffic_split.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "routing/hash_key.h"

namespace rampart::routing {
namespace {

http::Request RequestWith(std::initializer_list<std::pair<std::string, std::string>> headers) {
  http::Request r;
  r.method = "GET";
  r.target = "/";
  for (const auto& [name, value] : headers) r.headers.Add(name, value);
  return r;
}

TrafficSplit Canary(uint32_t stable, uint32_t canary) {
  TrafficSplit split;
  split.targets.push_back({2, 0, "X-Beta", "", "1"});  // value rules first
  split.targets.push_back({2, 0, "", "ab", "b"});
  split.targets.push_back({0, stable, "", "", ""});
  split.targets.push_back({1, canary, "", "", ""});
  return split;
}

TEST(TrafficSplitTest, WeightsDivideTheRequests) {
  const TrafficSplit split = Canary(90, 10);
  const http::Request req = RequestWith({});
  std::mt19937_64 rng(7);
  std::map<size_t, int> counts;
  for (int i = 0; i < 100'000; ++i) ++counts[split.Choose(req, "/", "127.0.0.1", rng())];
  EXPECT_EQ(counts.count(2), 0u) << "value-rule pools get only matching requests";
  EXPECT_NEAR(counts[0], 90'000, 1'000);
  EXPECT_NEAR(counts[1], 10'000, 1'000);
}

TEST(TrafficSplitTest, ZeroWeightGetsNothing) {
  const TrafficSplit split = Canary(100, 0);  // blue-green: everything on blue
  const http::Request req = RequestWith({});
  for (uint64_t r = 0; r < 1'000; ++r) EXPECT_EQ(split.Choose(req, "/", "127.0.0.1", r * 977), 0u);
}

TEST(TrafficSplitTest, HeaderAndCookieRulesWin) {
  const TrafficSplit split = Canary(90, 10);
  for (uint64_t r = 0; r < 100; ++r) {
    EXPECT_EQ(split.Choose(RequestWith({{"x-beta", "1"}}), "/", "127.0.0.1", r), 2u);
    EXPECT_EQ(split.Choose(RequestWith({{"Cookie", "ab=b"}}), "/", "127.0.0.1", r), 2u);
  }
  // A different value is not a match: the weights decide.
  std::map<size_t, int> counts;
  for (uint64_t r = 0; r < 1'000; ++r) {
    ++counts[split.Choose(RequestWith({{"X-Beta", "0"}, {"Cookie", "ab=a"}}), "/", "", r * 7919)];
  }
  EXPECT_EQ(counts.count(2), 0u);
}

TEST(TrafficSplitTest, StickySplitKeepsAClientInItsPoolAndSpreadsClients) {
  TrafficSplit split = Canary(50, 50);
  split.sticky = config::HashKeyConfig{config::HashKeyConfig::Kind::kClientIp, ""};
  const http::Request req = RequestWith({});
  std::map<size_t, int> clients;
  for (int c = 0; c < 2'000; ++c) {
    const std::string ip = "10.0." + std::to_string(c / 256) + "." + std::to_string(c % 256);
    const size_t first = split.Choose(req, "/", ip, 1);
    for (uint64_t r = 2; r < 6; ++r) ASSERT_EQ(split.Choose(req, "/", ip, r), first) << ip;
    ++clients[first];
  }
  EXPECT_NEAR(clients[0], 1'000, 150);
  EXPECT_NEAR(clients[1], 1'000, 150);
}

TEST(HashKeyTest, EachKindAndItsFallback) {
  using Kind = config::HashKeyConfig::Kind;
  const http::Request with = RequestWith({{"X-User", "alice"}, {"Cookie", "sid=s1"}});
  const http::Request without = RequestWith({});
  EXPECT_EQ(HashKeyOf({Kind::kClientIp, ""}, with, "/p", "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(HashKeyOf({Kind::kPath, ""}, with, "/p", "10.0.0.1"), "/p");
  EXPECT_EQ(HashKeyOf({Kind::kHeader, "x-user"}, with, "/p", "10.0.0.1"), "alice");
  EXPECT_EQ(HashKeyOf({Kind::kCookie, "sid"}, with, "/p", "10.0.0.1"), "s1");
  EXPECT_EQ(HashKeyOf({Kind::kHeader, "X-User"}, without, "/p", "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(HashKeyOf({Kind::kCookie, "sid"}, without, "/p", "10.0.0.1"), "10.0.0.1");
}

}  // namespace
}  // namespace rampart::routing
