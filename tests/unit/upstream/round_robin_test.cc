#include "upstream/round_robin.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <vector>

#include "upstream/pool.h"

namespace rampart::upstream {
namespace {

// Servers where `backup[i]` says whether server i is a backup.
std::vector<Server> MakeServers(const std::vector<bool>& backup) {
  std::vector<Server> servers(backup.size());
  for (size_t i = 0; i < backup.size(); ++i) {
    servers[i].address_text = "127.0.0." + std::to_string(i + 1) + ":80";
    servers[i].backup = backup[i];
  }
  return servers;
}

// How many times each server index is picked in `picks` rounds (nullopt counted as -1).
std::map<int, int> Histogram(const RoundRobin& rr, const std::vector<Server>& servers,
                             const std::vector<size_t>& excluded, int picks) {
  std::map<int, int> counts;
  const PickContext context{servers, excluded};
  for (int i = 0; i < picks; ++i) {
    const std::optional<size_t> pick = rr.Pick(context);
    ++counts[pick ? static_cast<int>(*pick) : -1];
  }
  return counts;
}

TEST(RoundRobinTest, CyclesEvenlyOverPrimaries) {
  const RoundRobin rr;
  const auto servers = MakeServers({false, false, false});
  const std::vector<size_t> none;
  const PickContext context{servers, none};
  // Consecutive picks visit every server before any repeats.
  std::vector<size_t> order;
  for (int i = 0; i < 6; ++i) order.push_back(*rr.Pick(context));
  EXPECT_NE(order[0], order[1]);
  EXPECT_NE(order[1], order[2]);
  EXPECT_NE(order[0], order[2]);
  EXPECT_EQ(order[3], order[0]);
  EXPECT_EQ(order[4], order[1]);
  EXPECT_EQ(order[5], order[2]);

  const auto counts = Histogram(rr, servers, none, 300);
  EXPECT_EQ(counts, (std::map<int, int>{{0, 100}, {1, 100}, {2, 100}}));
}

TEST(RoundRobinTest, SingleServer) {
  const RoundRobin rr;
  const auto servers = MakeServers({false});
  EXPECT_EQ(Histogram(rr, servers, {}, 5), (std::map<int, int>{{0, 5}}));
  EXPECT_EQ(Histogram(rr, servers, {0}, 3), (std::map<int, int>{{-1, 3}}));
}

TEST(RoundRobinTest, NoServersIsNullopt) {
  const RoundRobin rr;
  const std::vector<Server> servers;
  EXPECT_EQ(Histogram(rr, servers, {}, 2), (std::map<int, int>{{-1, 2}}));
}

TEST(RoundRobinTest, BackupsOnlyWhenEveryPrimaryIsExcluded) {
  const RoundRobin rr;
  const auto servers = MakeServers({false, true, false, true});
  // With a primary left, no backup is ever picked.
  EXPECT_EQ(Histogram(rr, servers, {}, 40).count(1), 0u);
  EXPECT_EQ(Histogram(rr, servers, {}, 40).count(3), 0u);
  EXPECT_EQ(Histogram(rr, servers, {0}, 40), (std::map<int, int>{{2, 40}}));
  // Every primary tried: the backups take over, evenly.
  EXPECT_EQ(Histogram(rr, servers, {0, 2}, 40), (std::map<int, int>{{1, 20}, {3, 20}}));
  EXPECT_EQ(Histogram(rr, servers, {2, 0, 1}, 10), (std::map<int, int>{{3, 10}}));
}

TEST(RoundRobinTest, ExcludedServersAreSkipped) {
  const RoundRobin rr;
  const auto servers = MakeServers({false, false, false, false});
  const auto counts = Histogram(rr, servers, {1, 3}, 100);
  EXPECT_EQ(counts, (std::map<int, int>{{0, 50}, {2, 50}}));
}

TEST(RoundRobinTest, EverythingExcludedIsNullopt) {
  const RoundRobin rr;
  const auto servers = MakeServers({false, true});
  EXPECT_EQ(Histogram(rr, servers, {0, 1}, 4), (std::map<int, int>{{-1, 4}}));
  EXPECT_EQ(Histogram(rr, servers, {1, 0, 1}, 1), (std::map<int, int>{{-1, 1}}));
}

TEST(RoundRobinTest, OnlyBackupsAreUsedAsLastResort) {
  const RoundRobin rr;
  const auto servers = MakeServers({true, true});
  EXPECT_EQ(Histogram(rr, servers, {}, 10), (std::map<int, int>{{0, 5}, {1, 5}}));
}

TEST(RoundRobinTest, IsExcluded) {
  const auto servers = MakeServers({false, false, false});
  const std::vector<size_t> excluded = {2, 0};
  const PickContext context{servers, excluded};
  EXPECT_TRUE(IsExcluded(context, 0));
  EXPECT_FALSE(IsExcluded(context, 1));
  EXPECT_TRUE(IsExcluded(context, 2));
  EXPECT_FALSE(IsExcluded(context, 3));
}

// BUG (src/upstream/round_robin.cc:20, Pick): the cursor runs modulo the number of all
// servers, backups included, and a pick that lands on a backup (or an excluded server) falls
// through to the next primary. With servers [P0, P1, B2], P0 gets 2/3 of the traffic and P1
// 1/3. The same skew hits the survivors when a request excludes a server. Fix: round-robin
// over the list of eligible primaries only (cursor % eligible.size()), then over backups.
TEST(RoundRobinTest, EvenOverPrimariesWhenABackupIsConfigured) {
  const RoundRobin rr;
  const auto servers = MakeServers({false, false, true});
  EXPECT_EQ(Histogram(rr, servers, {}, 300), (std::map<int, int>{{0, 150}, {1, 150}}));
}

TEST(RoundRobinTest, EvenOverTheRemainingPrimariesWhenOneIsExcluded) {
  const RoundRobin rr;
  const auto servers = MakeServers({false, false, false});
  EXPECT_EQ(Histogram(rr, servers, {0}, 300), (std::map<int, int>{{1, 150}, {2, 150}}));
}

}  // namespace
}  // namespace rampart::upstream
