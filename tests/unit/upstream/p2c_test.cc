#include "upstream/p2c.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "test_servers.h"
#include "upstream/pool.h"

namespace rampart::upstream {
namespace {

using testing::MakeEqualServers;

std::map<size_t, int> Histogram(const P2c& p2c, const std::vector<Server>& servers,
                                const std::vector<size_t>& candidates, int picks) {
  std::mt19937_64 random(42);
  std::map<size_t, int> counts;
  for (int i = 0; i < picks; ++i) {
    const PickContext context{servers, candidates, "", random()};
    ++counts[p2c.Pick(context)];
  }
  return counts;
}

TEST(P2cTest, OneCandidate) {
  const auto servers = MakeEqualServers(3);
  const P2c p2c;
  EXPECT_EQ(Histogram(p2c, servers, {2}, 100), (std::map<size_t, int>{{2, 100}}));
}

TEST(P2cTest, HeavilyLoadedServerIsAvoided) {
  const auto servers = MakeEqualServers(4);
  const P2c p2c;
  for (const Server& server : servers) server.state->active_requests.store(2);
  servers[1].state->active_requests.store(500);
  // The two draws are distinct, so the most loaded server always loses its comparison.
  const auto counts = Histogram(p2c, servers, {0, 1, 2, 3}, 30'000);
  EXPECT_EQ(counts.count(1), 0u);
  for (size_t i : {0, 2, 3}) EXPECT_NEAR(counts.at(i), 10'000, 500) << "server " << i;
  // Two candidates: the loaded one never wins.
  EXPECT_EQ(Histogram(p2c, servers, {1, 3}, 1000), (std::map<size_t, int>{{3, 1000}}));
}

TEST(P2cTest, EqualLoadSpreadsEvenly) {
  const auto servers = MakeEqualServers(5);
  const P2c p2c;
  const auto counts = Histogram(p2c, servers, {0, 1, 2, 3, 4}, 50'000);
  ASSERT_EQ(counts.size(), 5u);
  for (const auto& [server, count] : counts) EXPECT_NEAR(count, 10'000, 500) << server;
  // A subset of candidates: only they are picked, evenly.
  const auto subset = Histogram(p2c, servers, {1, 4}, 10'000);
  ASSERT_EQ(subset.size(), 2u);
  EXPECT_NEAR(subset.at(1), 5'000, 300);
  EXPECT_NEAR(subset.at(4), 5'000, 300);
}

TEST(P2cTest, WeightDividesTheLoad) {
  auto servers = MakeEqualServers(2);
  servers[0].weight = 4;
  const P2c p2c;
  servers[0].state->active_requests.store(6);  // 6/4 < 2/1
  servers[1].state->active_requests.store(2);
  EXPECT_EQ(Histogram(p2c, servers, {0, 1}, 100), (std::map<size_t, int>{{0, 100}}));
}

}  // namespace
}  // namespace rampart::upstream
