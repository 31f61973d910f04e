#include "upstream/ip_hash.h"

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
using testing::MakeServers;

constexpr int kKeys = 10'000;

// Client addresses: random IPv4 (fixed seed) and every tenth one IPv6.
std::vector<std::string> ClientAddresses() {
  std::mt19937 random(7);
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) {
    const uint32_t a = random();
    if (i % 10 == 0) {
      keys.push_back("2001:db8:" + std::to_string(a >> 16) + "::" + std::to_string(a & 0xffff));
    } else {
      keys.push_back(std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 255) + '.' +
                     std::to_string((a >> 8) & 255) + '.' + std::to_string(a & 255));
    }
  }
  return keys;
}

std::vector<size_t> PickAll(const IpHash& balancer, const std::vector<Server>& servers,
                            const std::vector<size_t>& candidates,
                            const std::vector<std::string>& keys) {
  std::vector<size_t> picks;
  picks.reserve(keys.size());
  for (const auto& key : keys) picks.push_back(balancer.Pick({servers, candidates, key, 0}));
  return picks;
}

TEST(IpHashTest, SameClientSameServer) {
  const auto servers = MakeServers({1, 1, 1});
  const IpHash balancer(servers);
  const std::vector<size_t> all = {0, 1, 2};
  for (const char* key : {"192.0.2.1", "198.51.100.7", "2001:db8::1"}) {
    const size_t first = balancer.Pick({servers, all, key, 0});
    // Nothing but the key matters: not the random number, not other balancers' instances.
    for (uint64_t r = 0; r < 20; ++r) EXPECT_EQ(balancer.Pick({servers, all, key, r}), first);
    EXPECT_EQ(IpHash(servers).Pick({servers, all, key, 0}), first);
  }
}

TEST(IpHashTest, SpreadFollowsWeights) {
  const auto servers = MakeServers({1, 2, 3, 4});
  const IpHash balancer(servers);
  std::map<size_t, int> counts;
  for (size_t s : PickAll(balancer, servers, {0, 1, 2, 3}, ClientAddresses())) ++counts[s];
  for (size_t s = 0; s < servers.size(); ++s) {
    const double expected = kKeys * servers[s].weight / 10.0;
    EXPECT_NEAR(counts[s], expected, expected * 0.1) << "server " << s;
  }
}

TEST(IpHashTest, OthersKeepTheirClientsWhenOneIsOut) {
  const auto servers = MakeServers({1, 1, 2, 1});
  const IpHash balancer(servers);
  const auto keys = ClientAddresses();
  const auto before = PickAll(balancer, servers, {0, 1, 2, 3}, keys);
  const auto after = PickAll(balancer, servers, {0, 2, 3}, keys);
  std::map<size_t, int> moved_to;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (before[k] != 1) {
      EXPECT_EQ(after[k], before[k]) << keys[k];
    } else {
      ++moved_to[after[k]];
    }
  }
  // Server 1's clients spread over the others by weight, 1:2:1.
  const int moved = moved_to[0] + moved_to[2] + moved_to[3];
  EXPECT_EQ(moved_to.count(1), 0u);
  EXPECT_NEAR(moved_to[0], moved / 4.0, moved * 0.05);
  EXPECT_NEAR(moved_to[2], moved / 2.0, moved * 0.05);
  EXPECT_NEAR(moved_to[3], moved / 4.0, moved * 0.05);
}

TEST(IpHashTest, BackupsByTheirOwnWeights) {
  const auto servers = MakeServers({1, 1, 1, 3}, {false, false, true, true});
  const IpHash balancer(servers);
  std::map<size_t, int> counts;
  for (size_t s : PickAll(balancer, servers, {2, 3}, ClientAddresses())) ++counts[s];
  EXPECT_NEAR(counts[2], kKeys / 4.0, kKeys * 0.02);
  EXPECT_NEAR(counts[3], kKeys * 3 / 4.0, kKeys * 0.02);
}

TEST(IpHashTest, FallbackWhenRehashesMiss) {
  // Server 0 holds 1000 of 1002 weight units and is out: 21 draws almost always land on it,
  // and the fallback still gives every client a candidate, the same one every time, spread
  // over both.
  const auto servers = MakeServers({1000, 1, 1});
  const IpHash balancer(servers);
  const std::vector<size_t> candidates = {1, 2};
  const auto keys = ClientAddresses();
  const auto picks = PickAll(balancer, servers, candidates, keys);
  EXPECT_EQ(picks, PickAll(balancer, servers, candidates, keys));
  std::map<size_t, int> counts;
  for (size_t s : picks) ++counts[s];
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_NEAR(counts[1], kKeys / 2.0, kKeys * 0.05);
  EXPECT_NEAR(counts[2], kKeys / 2.0, kKeys * 0.05);
  // One candidate left: always it.
  for (size_t s : PickAll(balancer, servers, {2}, keys)) ASSERT_EQ(s, 2u);
}

}  // namespace
}  // namespace rampart::upstream
