#include "upstream/round_robin.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "upstream/pool.h"

namespace rampart::upstream {
namespace {

std::map<size_t, int> Histogram(const RoundRobin& rr, const std::vector<Server>& servers,
                                const std::vector<size_t>& candidates, int picks) {
  std::map<size_t, int> counts;
  const PickContext context{servers, candidates, "", 0};
  for (int i = 0; i < picks; ++i) ++counts[rr.Pick(context)];
  return counts;
}

TEST(RoundRobinTest, VisitsEveryCandidateBeforeRepeating) {
  const RoundRobin rr;
  const std::vector<Server> servers(3);
  const std::vector<size_t> all = {0, 1, 2};
  const PickContext context{servers, all, "", 0};
  std::vector<size_t> order;
  for (int i = 0; i < 6; ++i) order.push_back(rr.Pick(context));
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(RoundRobinTest, EvenOverTheCandidatesOnly) {
  const RoundRobin rr;
  const std::vector<Server> servers(4);
  EXPECT_EQ(Histogram(rr, servers, {0, 1, 2, 3}, 400),
            (std::map<size_t, int>{{0, 100}, {1, 100}, {2, 100}, {3, 100}}));
  // One server down or tried: the others share evenly, with no skew towards a neighbour.
  EXPECT_EQ(Histogram(rr, servers, {1, 3}, 100), (std::map<size_t, int>{{1, 50}, {3, 50}}));
  EXPECT_EQ(Histogram(rr, servers, {2}, 5), (std::map<size_t, int>{{2, 5}}));
}

}  // namespace
}  // namespace rampart::upstream
