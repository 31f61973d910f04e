#include "upstream/least_conn.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test_servers.h"
#include "upstream/pool.h"

namespace rampart::upstream {
namespace {

using testing::MakeEqualServers;
using testing::MakeServers;

void SetActive(const std::vector<Server>& servers, const std::vector<int64_t>& active) {
  for (size_t i = 0; i < active.size(); ++i) servers[i].state->active_requests.store(active[i]);
}

TEST(LeastConnTest, PicksTheLeastLoaded) {
  const auto servers = MakeServers({1, 1, 1, 1});
  const LeastConn lc;
  const std::vector<size_t> all = {0, 1, 2, 3};
  const PickContext context{servers, all, "", 0};
  SetActive(servers, {5, 3, 7, 4});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lc.Pick(context), 1u);
  SetActive(servers, {5, 3, 7, 0});
  EXPECT_EQ(lc.Pick(context), 3u);
}

TEST(LeastConnTest, OnlyCandidatesCount) {
  const auto servers = MakeServers({1, 1, 1, 1});
  const LeastConn lc;
  SetActive(servers, {5, 0, 7, 4});
  const std::vector<size_t> candidates = {0, 2, 3};  // 1 is idle but down or already tried
  const PickContext context{servers, candidates, "", 0};
  EXPECT_EQ(lc.Pick(context), 3u);
}

TEST(LeastConnTest, TiesShareEvenly) {
  const auto servers = MakeServers({1, 1, 1, 1, 1});
  const LeastConn lc;
  const std::vector<size_t> all = {0, 1, 2, 3, 4};
  const PickContext context{servers, all, "", 0};
  // 1, 2 and 4 tie for least; 0 and 3 never get picked; the three share exactly.
  SetActive(servers, {3, 1, 1, 2, 1});
  std::map<size_t, int> counts;
  for (int i = 0; i < 300; ++i) ++counts[lc.Pick(context)];
  EXPECT_EQ(counts, (std::map<size_t, int>{{1, 100}, {2, 100}, {4, 100}}));
  // All idle: all five share.
  SetActive(servers, {0, 0, 0, 0, 0});
  counts.clear();
  for (int i = 0; i < 500; ++i) ++counts[lc.Pick(context)];
  EXPECT_EQ(counts, (std::map<size_t, int>{{0, 100}, {1, 100}, {2, 100}, {3, 100}, {4, 100}}));
}

TEST(LeastConnTest, LoadIsPerUnitOfWeight) {
  const auto servers = MakeServers({3, 1});
  const LeastConn lc;
  const std::vector<size_t> all = {0, 1};
  const PickContext context{servers, all, "", 0};
  SetActive(servers, {2, 1});  // 2/3 < 1/1
  EXPECT_EQ(lc.Pick(context), 0u);
  SetActive(servers, {4, 1});  // 4/3 > 1/1
  EXPECT_EQ(lc.Pick(context), 1u);
  SetActive(servers, {3, 1});  // equal: no one is less loaded
  EXPECT_FALSE(LessLoaded(servers[0], servers[1]));
  EXPECT_FALSE(LessLoaded(servers[1], servers[0]));
}

TEST(LeastConnTest, RequestsThatNeverFinishFollowTheWeights) {
  // Every pick holds its request: the in-flight counts grow in the ratio of the weights.
  const auto servers = MakeServers({3, 1, 2});
  const LeastConn lc;
  const std::vector<size_t> all = {0, 1, 2};
  const PickContext context{servers, all, "", 0};
  std::map<size_t, int> counts;
  for (int i = 0; i < 600; ++i) {
    const size_t picked = lc.Pick(context);
    ++counts[picked];
    servers[picked].state->active_requests.fetch_add(1);
  }
  EXPECT_EQ(counts, (std::map<size_t, int>{{0, 300}, {1, 100}, {2, 200}}));
}

}  // namespace
}  // namespace rampart::upstream
