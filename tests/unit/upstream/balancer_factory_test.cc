#include "upstream/balancer_factory.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test_servers.h"
#include "upstream/consistent_hash.h"
#include "upstream/ip_hash.h"
#include "upstream/least_conn.h"
#include "upstream/p2c.h"
#include "upstream/pool.h"
#include "upstream/round_robin.h"
#include "upstream/weighted_round_robin.h"

namespace rampart::upstream {
namespace {

using testing::MakeEqualServers;
using testing::MakeServers;

std::unique_ptr<Balancer> Make(const std::string& balance, const std::vector<Server>& servers) {
  config::PoolConfig config;
  config.name = "app";
  config.balance = balance;
  return MakeBalancer(config, servers);
}

template <typename T>
bool Is(const std::unique_ptr<Balancer>& balancer) {
  return dynamic_cast<const T*>(balancer.get()) != nullptr;
}

TEST(BalancerFactoryTest, EveryNameMakesItsBalancer) {
  const auto servers = MakeServers({1, 1});
  EXPECT_TRUE(Is<RoundRobin>(Make("round_robin", servers)));
  EXPECT_TRUE(Is<WeightedRoundRobin>(Make("weighted_round_robin", servers)));
  EXPECT_TRUE(Is<LeastConn>(Make("least_conn", servers)));
  EXPECT_TRUE(Is<IpHash>(Make("ip_hash", servers)));
  EXPECT_TRUE(Is<ConsistentHash>(Make("consistent_hash", servers)));
  EXPECT_TRUE(Is<P2c>(Make("p2c", servers)));
}

TEST(BalancerFactoryTest, UnknownNameFallsBackToRoundRobin) {
  EXPECT_TRUE(Is<RoundRobin>(Make("", MakeServers({1}))));
  EXPECT_TRUE(Is<RoundRobin>(Make("random", MakeServers({1}))));
}

TEST(BalancerFactoryTest, BuiltOverThePoolsServers) {
  // The weighted balancers see the weights of the servers they were built with.
  const auto servers = MakeServers({5, 1, 1});
  const std::vector<size_t> all = {0, 1, 2};
  for (const char* name : {"weighted_round_robin", "ip_hash", "consistent_hash"}) {
    const auto balancer = Make(name, servers);
    std::map<size_t, int> counts;
    for (int i = 0; i < 7000; ++i) {
      const std::string key = "client-" + std::to_string(i);
      ++counts[balancer->Pick({servers, all, key, 0})];
    }
    EXPECT_GT(counts[0], 7000 * 0.6) << name;
    EXPECT_GT(counts[1], 0) << name;
    EXPECT_GT(counts[2], 0) << name;
  }
}

}  // namespace
}  // namespace rampart::upstream
