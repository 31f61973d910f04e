#include "upstream/pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace rampart::upstream {
namespace {

using ::testing::HasSubstr;

config::ServerConfig MakeServer(std::string address, bool backup = false, uint32_t weight = 1) {
  config::ServerConfig s;
  s.address = std::move(address);
  s.backup = backup;
  s.weight = weight;
  return s;
}

config::PoolConfig MakePool(std::vector<config::ServerConfig> servers) {
  config::PoolConfig pc;
  pc.name = "app";
  pc.servers = std::move(servers);
  return pc;
}

TEST(PoolTest, BuildResolvesNumericAddresses) {
  config::PoolConfig pc =
      MakePool({MakeServer("127.0.0.1:9001"), MakeServer("[::1]:9002", true, 5)});
  pc.servers[0].max_connections = 64;
  pc.keepalive_idle = 7;
  StateRegistry registry;
  auto pool = Pool::Build(pc, registry);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  const Pool& p = *pool.value();
  EXPECT_EQ(p.name(), "app");
  EXPECT_EQ(p.config().keepalive_idle, 7u);
  ASSERT_EQ(p.servers().size(), 2u);

  const Server& v4 = p.servers()[0];
  EXPECT_EQ(v4.address_text, "127.0.0.1:9001");
  EXPECT_EQ(v4.address.storage.ss_family, AF_INET);
  EXPECT_EQ(v4.address.ToString(), "127.0.0.1:9001");
  EXPECT_FALSE(v4.backup);
  EXPECT_EQ(v4.weight, 1u);
  EXPECT_EQ(v4.max_connections, 64u);

  const Server& v6 = p.servers()[1];
  EXPECT_EQ(v6.address_text, "[::1]:9002");
  EXPECT_EQ(v6.address.storage.ss_family, AF_INET6);
  EXPECT_EQ(v6.address.ToString(), "[::1]:9002");
  EXPECT_TRUE(v6.backup);
  EXPECT_EQ(v6.weight, 5u);
}

std::map<size_t, int> Picks(const Pool& pool, int n, const std::vector<size_t>& excluded = {},
                            std::string_view sticky = "") {
  std::map<size_t, int> counts;
  for (int i = 0; i < n; ++i) {
    const auto pick = pool.Pick({excluded, "", sticky, static_cast<uint64_t>(i) * 7919, NowMs()});
    if (!pick) return {};
    ++counts[*pick];
  }
  return counts;
}

TEST(PoolTest, BackupsTakeTrafficOnlyWhenNoPrimaryIsAvailable) {
  StateRegistry registry;
  auto pool = Pool::Build(MakePool({MakeServer("127.0.0.1:1"), MakeServer("127.0.0.1:2"),
                                    MakeServer("127.0.0.1:3", true)}),
                          registry);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  const Pool& p = *pool.value();
  EXPECT_EQ(Picks(p, 100), (std::map<size_t, int>{{0, 50}, {1, 50}}));
  EXPECT_EQ(Picks(p, 10, {0}), (std::map<size_t, int>{{1, 10}}));
  EXPECT_EQ(Picks(p, 10, {0, 1}), (std::map<size_t, int>{{2, 10}}));
  EXPECT_FALSE(p.Pick({{0, 1, 2}, "", "", 0, NowMs()}));

  // Primaries down (health), drained or ejected: the backup takes over.
  p.servers()[0].state->healthy = false;
  p.servers()[1].state->drained = true;
  EXPECT_EQ(Picks(p, 10), (std::map<size_t, int>{{2, 10}}));
  p.servers()[1].state->drained = false;
  p.servers()[1].state->ejected_until_ms = NowMs() + 60'000;
  EXPECT_EQ(Picks(p, 10), (std::map<size_t, int>{{2, 10}}));
  p.servers()[1].state->ejected_until_ms = NowMs() - 1;
  EXPECT_EQ(Picks(p, 10), (std::map<size_t, int>{{1, 10}}));
}

TEST(PoolTest, NoAvailableServerIsNullopt) {
  StateRegistry registry;
  auto pool =
      Pool::Build(MakePool({MakeServer("127.0.0.1:1"), MakeServer("127.0.0.1:2")}), registry);
  ASSERT_TRUE(pool.ok());
  for (const Server& s : pool.value()->servers()) s.state->drained = true;
  EXPECT_FALSE(pool.value()->Pick({{}, "", "", 0, NowMs()}));
}

TEST(PoolTest, MaxConnectionsFullServerIsSkipped) {
  StateRegistry registry;
  config::PoolConfig pc = MakePool({MakeServer("127.0.0.1:1"), MakeServer("127.0.0.1:2")});
  pc.servers[0].max_connections = 2;
  auto pool = Pool::Build(pc, registry);
  ASSERT_TRUE(pool.ok());
  const Pool& p = *pool.value();
  p.servers()[0].state->active_requests = 1;
  EXPECT_EQ(Picks(p, 10), (std::map<size_t, int>{{0, 5}, {1, 5}}));
  p.servers()[0].state->active_requests = 2;
  EXPECT_EQ(Picks(p, 10), (std::map<size_t, int>{{1, 10}}));
}

TEST(PoolTest, StickyIdWinsWhileItsServerIsAvailable) {
  StateRegistry registry;
  auto pool = Pool::Build(
      MakePool({MakeServer("127.0.0.1:1"), MakeServer("127.0.0.1:2"), MakeServer("127.0.0.1:3")}),
      registry);
  ASSERT_TRUE(pool.ok());
  const Pool& p = *pool.value();
  const std::string id = p.servers()[2].sticky_id;
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find("127.0.0.1"), std::string::npos);
  EXPECT_NE(id, p.servers()[0].sticky_id);
  EXPECT_EQ(Picks(p, 20, {}, id), (std::map<size_t, int>{{2, 20}}));
  // An unknown id, or the server going down, falls back to the balancer.
  EXPECT_EQ(Picks(p, 30, {}, "bogus").size(), 3u);
  p.servers()[2].state->healthy = false;
  EXPECT_EQ(Picks(p, 20, {}, id), (std::map<size_t, int>{{0, 10}, {1, 10}}));
}

TEST(PoolTest, StateSurvivesARebuildOfTheSamePool) {
  StateRegistry registry;
  const config::PoolConfig pc = MakePool({MakeServer("127.0.0.1:1"), MakeServer("127.0.0.1:2")});
  auto first = Pool::Build(pc, registry);
  ASSERT_TRUE(first.ok());
  first.value()->servers()[1].state->drained = true;
  auto second = Pool::Build(pc, registry);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first.value()->servers()[1].state, second.value()->servers()[1].state);
  EXPECT_TRUE(second.value()->servers()[1].state->drained);
  EXPECT_EQ(&first.value()->state(), &second.value()->state());
}

TEST(PoolTest, SlowStartRampsFromATenthToTheFullShare) {
  StateRegistry registry;
  config::PoolConfig pc = MakePool({MakeServer("127.0.0.1:1"), MakeServer("127.0.0.1:2")});
  pc.slow_start_ms = 10'000;
  auto pool = Pool::Build(pc, registry);
  ASSERT_TRUE(pool.ok());
  const Pool& p = *pool.value();
  const Server& back = p.servers()[1];
  const int64_t now = 1'000'000;
  EXPECT_DOUBLE_EQ(p.SlowStartFactor(back, now), 1.0);  // never went down
  back.state->ramp_start_ms = now;
  EXPECT_DOUBLE_EQ(p.SlowStartFactor(back, now), 0.1);
  EXPECT_NEAR(p.SlowStartFactor(back, now + 5'000), 0.55, 1e-9);
  EXPECT_DOUBLE_EQ(p.SlowStartFactor(back, now + 10'000), 1.0);

  // Just back: it gets about a tenth of its round-robin share.
  back.state->ramp_start_ms = NowMs();
  std::mt19937_64 rng(42);
  int to_back = 0;
  for (int i = 0; i < 10'000; ++i) {
    if (*p.Pick({{}, "", "", rng(), NowMs()}) == 1) ++to_back;
  }
  EXPECT_GT(to_back, 5000 * 0.1 * 0.7);
  EXPECT_LT(to_back, 5000 * 0.1 * 1.5);
}

TEST(PoolTest, BalancerKeyFollowsTheBalance) {
  StateRegistry registry;
  config::PoolConfig pc = MakePool({MakeServer("127.0.0.1:1")});
  EXPECT_FALSE(Pool::Build(pc, registry).value()->balancer_key());
  pc.balance = "ip_hash";
  const auto ip = Pool::Build(pc, registry).value()->balancer_key();
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->kind, config::HashKeyConfig::Kind::kClientIp);
  pc.balance = "consistent_hash";
  pc.hash_key = {config::HashKeyConfig::Kind::kHeader, "X-User"};
  const auto hashed = Pool::Build(pc, registry).value()->balancer_key();
  ASSERT_TRUE(hashed);
  EXPECT_EQ(hashed->kind, config::HashKeyConfig::Kind::kHeader);
  EXPECT_EQ(hashed->name, "X-User");
}

TEST(PoolTest, IdleConnectionsAreKeptPerPool) {
  // Pools differ in keep-alive settings and count their own open connections, so two pools
  // naming the same address must not share idle connections.
  StateRegistry registry;
  config::PoolConfig a = MakePool({MakeServer("127.0.0.1:1")});
  config::PoolConfig b = a;
  b.name = "other";
  const auto pa = Pool::Build(a, registry).value();
  const auto pb = Pool::Build(b, registry).value();
  EXPECT_NE(pa->servers()[0].connection_key, pb->servers()[0].connection_key);
  EXPECT_NE(pa->servers()[0].state, pb->servers()[0].state);
}

TEST(PoolTest, BadAddressIsRefusedWithThePoolName) {
  StateRegistry registry;
  auto pool =
      Pool::Build(MakePool({MakeServer("127.0.0.1:9001"), MakeServer("127.0.0.1")}), registry);
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(pool.error().message, HasSubstr("pool 'app': expected host:port"));
}

}  // namespace
}  // namespace rampart::upstream
