#include "upstream/pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <optional>
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
  auto pool = Pool::Build(pc);
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

TEST(PoolTest, BuiltBalancerIsRoundRobinWithBackups) {
  auto pool = Pool::Build(MakePool(
      {MakeServer("127.0.0.1:1"), MakeServer("127.0.0.1:2"), MakeServer("127.0.0.1:3", true)}));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  const Pool& p = *pool.value();
  const std::vector<size_t> none;
  const PickContext all{p.servers(), none};
  const std::optional<size_t> first = p.balancer().Pick(all);
  const std::optional<size_t> second = p.balancer().Pick(all);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, 2u);
  EXPECT_NE(*second, 2u);
  const std::vector<size_t> primaries_tried = {0, 1};
  EXPECT_EQ(p.balancer().Pick({p.servers(), primaries_tried}), std::optional<size_t>(2));
}

TEST(PoolTest, UnsupportedBalanceIsRefused) {
  config::PoolConfig pc = MakePool({MakeServer("127.0.0.1:9001")});
  pc.balance = "least_conn";
  auto pool = Pool::Build(pc);
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(pool.error().message,
              HasSubstr("pool 'app': balance 'least_conn' is not supported in this version"));
}

TEST(PoolTest, BadAddressIsRefusedWithThePoolName) {
  auto pool = Pool::Build(MakePool({MakeServer("127.0.0.1:9001"), MakeServer("127.0.0.1")}));
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(pool.error().message, HasSubstr("pool 'app': expected host:port"));
}

}  // namespace
}  // namespace rampart::upstream
