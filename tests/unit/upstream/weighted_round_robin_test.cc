#include "upstream/weighted_round_robin.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test_servers.h"
#include "upstream/pool.h"

namespace rampart::upstream {
namespace {

using testing::MakeServers;

std::vector<size_t> Sequence(const WeightedRoundRobin& wrr, const std::vector<Server>& servers,
                             const std::vector<size_t>& candidates, int picks) {
  const PickContext context{servers, candidates, "", 0};
  std::vector<size_t> order;
  order.reserve(static_cast<size_t>(picks));
  for (int i = 0; i < picks; ++i) order.push_back(wrr.Pick(context));
  return order;
}

std::map<size_t, int> Histogram(const std::vector<size_t>& order) {
  std::map<size_t, int> counts;
  for (size_t i : order) ++counts[i];
  return counts;
}

TEST(WeightedRoundRobinTest, NginxInterleaving) {
  // nginx's documented example: weights 5, 1, 1 give a a b a c a a, then again.
  const auto servers = MakeServers({5, 1, 1});
  const WeightedRoundRobin wrr(servers.size());
  EXPECT_EQ(Sequence(wrr, servers, {0, 1, 2}, 14),
            (std::vector<size_t>{0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0}));
}

TEST(WeightedRoundRobinTest, ExactCountsOverWholeRounds) {
  const auto servers = MakeServers({3, 2, 1, 4});
  const WeightedRoundRobin wrr(servers.size());
  const std::vector<size_t> all = {0, 1, 2, 3};
  // Every round of total-weight picks gives each server exactly its weight.
  for (int round = 0; round < 50; ++round) {
    EXPECT_EQ(Histogram(Sequence(wrr, servers, all, 10)),
              (std::map<size_t, int>{{0, 3}, {1, 2}, {2, 1}, {3, 4}}))
        << "round " << round;
  }
}

TEST(WeightedRoundRobinTest, SmoothNoBursts) {
  // Weights 3, 3, 1: plain weighted round robin sends a a a b b b c; the smooth one a b c a b
  // a b, never the same server twice in a row, across round boundaries too.
  const auto servers = MakeServers({3, 3, 1});
  const WeightedRoundRobin wrr(servers.size());
  const auto order = Sequence(wrr, servers, {0, 1, 2}, 700);
  EXPECT_EQ((std::vector<size_t>(order.begin(), order.begin() + 7)),
            (std::vector<size_t>{0, 1, 2, 0, 1, 0, 1}));
  for (size_t i = 1; i < order.size(); ++i) EXPECT_NE(order[i], order[i - 1]) << "at " << i;
  EXPECT_EQ(Histogram(order), (std::map<size_t, int>{{0, 300}, {1, 300}, {2, 100}}));
}

TEST(WeightedRoundRobinTest, CountsOverCandidateSubsets) {
  const auto servers = MakeServers({5, 1, 1, 3});
  {
    const WeightedRoundRobin wrr(servers.size());
    EXPECT_EQ(Histogram(Sequence(wrr, servers, {0, 2}, 600)),
              (std::map<size_t, int>{{0, 500}, {2, 100}}));
  }
  {
    const WeightedRoundRobin wrr(servers.size());
    EXPECT_EQ(Histogram(Sequence(wrr, servers, {1, 2, 3}, 500)),
              (std::map<size_t, int>{{1, 100}, {2, 100}, {3, 300}}));
  }
  {
    const WeightedRoundRobin wrr(servers.size());
    EXPECT_EQ(Histogram(Sequence(wrr, servers, {3}, 7)), (std::map<size_t, int>{{3, 7}}));
  }
}

TEST(WeightedRoundRobinTest, ServerOutAndBackKeepsShares) {
  // A server out of the candidates gains no credit meanwhile: when it returns it does not get
  // a burst to catch up, and over whole rounds the shares are the weights again.
  const auto servers = MakeServers({1, 1, 2});
  const WeightedRoundRobin wrr(servers.size());
  const std::vector<size_t> all = {0, 1, 2};
  EXPECT_EQ(Histogram(Sequence(wrr, servers, all, 40)),
            (std::map<size_t, int>{{0, 10}, {1, 10}, {2, 20}}));
  EXPECT_EQ(Histogram(Sequence(wrr, servers, {0, 1}, 40)),
            (std::map<size_t, int>{{0, 20}, {1, 20}}));
  EXPECT_EQ(Histogram(Sequence(wrr, servers, all, 4)),
            (std::map<size_t, int>{{0, 1}, {1, 1}, {2, 2}}));
  EXPECT_EQ(Histogram(Sequence(wrr, servers, all, 4000)),
            (std::map<size_t, int>{{0, 1000}, {1, 1000}, {2, 2000}}));
}

}  // namespace
}  // namespace rampart::upstream
