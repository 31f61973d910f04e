#include "server/upstream_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace rampart::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'000'000;

config::ServerConfig MakeServer(std::string address, std::string name = "") {
  config::ServerConfig s;
  s.address = std::move(address);
  s.name = std::move(name);
  return s;
}

class UpstreamReportTest : public ::testing::Test {
 protected:
  std::shared_ptr<const upstream::Pool> Build(config::PoolConfig config) {
    auto pool = upstream::Pool::Build(config, registry_);
    EXPECT_TRUE(pool.ok()) << pool.error().message;
    return pool.value();
  }

  // Pool "app": server "a" (127.0.0.1:9001) and the unnamed 127.0.0.1:9002.
  std::shared_ptr<const upstream::Pool> App() {
    config::PoolConfig pc;
    pc.name = "app";
    pc.servers = {MakeServer("127.0.0.1:9001", "a"), MakeServer("127.0.0.1:9002")};
    return Build(pc);
  }

  static upstream::ServerState& State(const upstream::Pool& pool, size_t i) {
    return *pool.servers()[i].state;
  }

  upstream::StateRegistry registry_;
};

std::string FreshServerJson(const std::string& name, const std::string& address) {
  return "{\"name\":\"" + name + "\",\"address\":\"" + address +
         "\",\"weight\":1,\"backup\":false,\"state\":\"up\",\"healthy\":true,\"drained\":false,"
         "\"ejected_for_ms\":0,\"slow_start_factor\":1,\"active_requests\":0,"
         "\"open_connections\":0,\"requests_total\":0,\"failures_total\":0,"
         "\"ejections_total\":0,\"health_checks_failed_total\":0}";
}

TEST_F(UpstreamReportTest, FreshServerJson) {
  auto pool = App();
  EXPECT_EQ(ServerJson(*pool, pool->servers()[0], kNow), FreshServerJson("a", "127.0.0.1:9001"));
  // An unnamed server is named by its address.
  EXPECT_EQ(ServerJson(*pool, pool->servers()[1], kNow),
            FreshServerJson("127.0.0.1:9002", "127.0.0.1:9002"));
}

TEST_F(UpstreamReportTest, ServerJsonCarriesConfigAndCounters) {
  config::PoolConfig pc;
  pc.name = "app";
  pc.servers = {MakeServer("127.0.0.1:9001", "a")};
  pc.servers[0].weight = 7;
  pc.servers[0].backup = true;
  auto pool = Build(pc);
  upstream::ServerState& s = State(*pool, 0);
  s.active_requests = 3;
  s.open_connections = 4;
  s.requests_total = 100;
  s.failures_total = 5;
  s.ejections_total = 2;
  s.health_checks_failed_total = 9;
  EXPECT_EQ(ServerJson(*pool, pool->servers()[0], kNow),
            "{\"name\":\"a\",\"address\":\"127.0.0.1:9001\",\"weight\":7,\"backup\":true,"
            "\"state\":\"up\",\"healthy\":true,\"drained\":false,\"ejected_for_ms\":0,"
            "\"slow_start_factor\":1,\"active_requests\":3,\"open_connections\":4,"
            "\"requests_total\":100,\"failures_total\":5,\"ejections_total\":2,"
            "\"health_checks_failed_total\":9}");
}

TEST_F(UpstreamReportTest, StatePrecedence) {
  config::PoolConfig pc;
  pc.name = "app";
  pc.servers = {MakeServer("127.0.0.1:9001", "a")};
  pc.servers[0].max_connections = 2;
  auto pool = Build(pc);
  const upstream::Server& server = pool->servers()[0];
  upstream::ServerState& s = *server.state;

  // Every condition at once; take them away from the strongest down.
  s.drained = true;
  s.healthy = false;
  s.ejected_until_ms = kNow + 1500;
  s.active_requests = 2;
  EXPECT_EQ(ServerStateName(server, kNow), "drained");
  s.drained = false;
  EXPECT_EQ(ServerStateName(server, kNow), "down");
  s.healthy = true;
  EXPECT_EQ(ServerStateName(server, kNow), "ejected");
  s.ejected_until_ms = kNow;  // the ejection ends at ejected_until_ms
  EXPECT_EQ(ServerStateName(server, kNow), "full");
  s.active_requests = 1;
  EXPECT_EQ(ServerStateName(server, kNow), "up");

  // The JSON says the same, and each flag on its own.
  s.healthy = false;
  s.ejected_until_ms = kNow + 1500;
  const std::string json = ServerJson(*pool, server, kNow);
  EXPECT_THAT(json, HasSubstr("\"state\":\"down\",\"healthy\":false,\"drained\":false,"
                              "\"ejected_for_ms\":1500,"));
}

TEST_F(UpstreamReportTest, UnlimitedServerIsNeverFull) {
  auto pool = App();
  State(*pool, 0).active_requests = 1'000'000;
  EXPECT_EQ(ServerStateName(pool->servers()[0], kNow), "up");
}

TEST_F(UpstreamReportTest, SlowStartFactor) {
  config::PoolConfig pc;
  pc.name = "app";
  pc.slow_start_ms = 1000;
  pc.servers = {MakeServer("127.0.0.1:9001", "a")};
  auto pool = Build(pc);
  State(*pool, 0).ramp_start_ms = kNow - 500;  // halfway: 0.1 + 0.9 * 0.5
  EXPECT_THAT(ServerJson(*pool, pool->servers()[0], kNow),
              HasSubstr("\"slow_start_factor\":0.55,"));
  State(*pool, 0).ramp_start_ms = kNow - 1;  // rounded to three decimals
  EXPECT_THAT(ServerJson(*pool, pool->servers()[0], kNow),
              HasSubstr("\"slow_start_factor\":0.101,"));
  State(*pool, 0).ramp_start_ms = kNow - 5000;
  EXPECT_THAT(ServerJson(*pool, pool->servers()[0], kNow), HasSubstr("\"slow_start_factor\":1,"));
}

TEST_F(UpstreamReportTest, UpstreamsJsonListsPoolsInOrder) {
  auto app = App();
  config::PoolConfig pc;
  pc.name = "api";
  pc.balance = "least_conn";
  pc.servers = {MakeServer("127.0.0.1:9003", "c")};
  auto api = Build(pc);
  api->state().pending_requests = 6;
  api->state().retries_in_flight = 1;
  api->state().retries_total = 12;
  api->state().overflow_pending_total = 3;
  api->state().overflow_retries_total = 4;

  const std::string json = UpstreamsJson({app, api}, kNow);
  EXPECT_EQ(
      json,
      "{\"pools\":["
      "{\"name\":\"app\",\"balance\":\"round_robin\",\"pending_requests\":0,"
      "\"retries_in_flight\":0,\"retries_total\":0,\"overflow\":{\"pending\":0,\"retries\":0},"
      "\"servers\":[" +
          FreshServerJson("a", "127.0.0.1:9001") + "," +
          FreshServerJson("127.0.0.1:9002", "127.0.0.1:9002") +
          "]},"
          "{\"name\":\"api\",\"balance\":\"least_conn\",\"pending_requests\":6,"
          "\"retries_in_flight\":1,\"retries_total\":12,"
          "\"overflow\":{\"pending\":3,\"retries\":4},"
          "\"servers\":[" +
          FreshServerJson("c", "127.0.0.1:9003") + "]}]}");
  EXPECT_EQ(PoolJson(*api, kNow),
            "{\"name\":\"api\",\"balance\":\"least_conn\",\"pending_requests\":6,"
            "\"retries_in_flight\":1,\"retries_total\":12,"
            "\"overflow\":{\"pending\":3,\"retries\":4},\"servers\":[" +
                FreshServerJson("c", "127.0.0.1:9003") + "]}");
  EXPECT_EQ(UpstreamsJson({}, kNow), "{\"pools\":[]}");
}

TEST_F(UpstreamReportTest, JsonEscapesNames) {
  config::PoolConfig pc;
  pc.name = "p\"q";
  pc.servers = {MakeServer("127.0.0.1:9001", "back\\slash\n")};
  auto pool = Build(pc);
  EXPECT_THAT(PoolJson(*pool, kNow), HasSubstr("{\"name\":\"p\\\"q\","));
  EXPECT_THAT(PoolJson(*pool, kNow), HasSubstr("{\"name\":\"back\\\\slash\\u000a\","));
}

TEST_F(UpstreamReportTest, MetricsForOneServerExactly) {
  config::PoolConfig pc;
  pc.name = "app";
  pc.servers = {MakeServer("127.0.0.1:9001", "a")};
  auto pool = Build(pc);
  upstream::ServerState& s = State(*pool, 0);
  s.ejected_until_ms = kNow + 10;
  s.active_requests = 3;
  s.open_connections = 5;
  s.requests_total = 40;
  s.failures_total = 6;
  s.ejections_total = 1;
  s.health_checks_failed_total = 2;
  pool->state().pending_requests = 3;
  pool->state().retries_in_flight = 1;
  pool->state().retries_total = 8;
  pool->state().overflow_pending_total = 9;
  pool->state().overflow_retries_total = 10;

  std::string out = "before\n";
  AppendUpstreamMetrics(out, {pool}, kNow);
  EXPECT_EQ(out,
            "before\n"
            "# HELP rampart_upstream_server_up 1 when the server may take new requests now.\n"
            "# TYPE rampart_upstream_server_up gauge\n"
            "rampart_upstream_server_up{pool=\"app\",server=\"a\"} 0\n"
            "# HELP rampart_upstream_server_healthy 1 unless the active health checks took the "
            "server down.\n"
            "# TYPE rampart_upstream_server_healthy gauge\n"
            "rampart_upstream_server_healthy{pool=\"app\",server=\"a\"} 1\n"
            "# HELP rampart_upstream_server_drained 1 when the server was drained through the "
            "admin API.\n"
            "# TYPE rampart_upstream_server_drained gauge\n"
            "rampart_upstream_server_drained{pool=\"app\",server=\"a\"} 0\n"
            "# HELP rampart_upstream_server_ejected 1 while an outlier ejection keeps the server "
            "out.\n"
            "# TYPE rampart_upstream_server_ejected gauge\n"
            "rampart_upstream_server_ejected{pool=\"app\",server=\"a\"} 1\n"
            "# HELP rampart_upstream_server_active_requests Attempts in progress on the server.\n"
            "# TYPE rampart_upstream_server_active_requests gauge\n"
            "rampart_upstream_server_active_requests{pool=\"app\",server=\"a\"} 3\n"
            "# HELP rampart_upstream_server_open_connections Connections open to the server, "
            "busy and idle.\n"
            "# TYPE rampart_upstream_server_open_connections gauge\n"
            "rampart_upstream_server_open_connections{pool=\"app\",server=\"a\"} 5\n"
            "# HELP rampart_upstream_server_requests_total Attempts started on the server.\n"
            "# TYPE rampart_upstream_server_requests_total counter\n"
            "rampart_upstream_server_requests_total{pool=\"app\",server=\"a\"} 40\n"
            "# HELP rampart_upstream_server_failures_total Attempts on the server that failed.\n"
            "# TYPE rampart_upstream_server_failures_total counter\n"
            "rampart_upstream_server_failures_total{pool=\"app\",server=\"a\"} 6\n"
            "# HELP rampart_upstream_server_ejections_total Outlier ejections of the server.\n"
            "# TYPE rampart_upstream_server_ejections_total counter\n"
            "rampart_upstream_server_ejections_total{pool=\"app\",server=\"a\"} 1\n"
            "# HELP rampart_upstream_health_check_failures_total Active health checks of the "
            "server that failed.\n"
            "# TYPE rampart_upstream_health_check_failures_total counter\n"
            "rampart_upstream_health_check_failures_total{pool=\"app\",server=\"a\"} 2\n"
            "# HELP rampart_upstream_pool_pending_requests Requests in flight to the pool.\n"
            "# TYPE rampart_upstream_pool_pending_requests gauge\n"
            "rampart_upstream_pool_pending_requests{pool=\"app\"} 3\n"
            "# HELP rampart_upstream_pool_retries_in_flight Retries in flight to the pool.\n"
            "# TYPE rampart_upstream_pool_retries_in_flight gauge\n"
            "rampart_upstream_pool_retries_in_flight{pool=\"app\"} 1\n"
            "# HELP rampart_upstream_retries_total Retries started on the pool.\n"
            "# TYPE rampart_upstream_retries_total counter\n"
            "rampart_upstream_retries_total{pool=\"app\"} 8\n"
            "# HELP rampart_upstream_overflow_total Requests and retries refused by the pool's "
            "circuit breaking limits.\n"
            "# TYPE rampart_upstream_overflow_total counter\n"
            "rampart_upstream_overflow_total{pool=\"app\",reason=\"pending\"} 9\n"
            "rampart_upstream_overflow_total{pool=\"app\",reason=\"retries\"} 10\n");
}

TEST_F(UpstreamReportTest, MetricsGroupEveryFamilyOverAllPools) {
  auto app = App();
  config::PoolConfig pc;
  pc.name = "api";
  pc.servers = {MakeServer("127.0.0.1:9003", "c"), MakeServer("127.0.0.1:9004", "d")};
  auto api = Build(pc);
  State(*app, 1).drained = true;
  State(*api, 0).healthy = false;

  std::string out;
  AppendUpstreamMetrics(out, {app, api}, kNow);
  // A family's samples follow its one HELP/TYPE pair (the text format requires it).
  const std::string up =
      "# TYPE rampart_upstream_server_up gauge\n"
      "rampart_upstream_server_up{pool=\"app\",server=\"a\"} 1\n"
      "rampart_upstream_server_up{pool=\"app\",server=\"127.0.0.1:9002\"} 0\n"
      "rampart_upstream_server_up{pool=\"api\",server=\"c\"} 0\n"
      "rampart_upstream_server_up{pool=\"api\",server=\"d\"} 1\n";
  EXPECT_THAT(out, HasSubstr(up));
  EXPECT_THAT(out, HasSubstr("# TYPE rampart_upstream_server_drained gauge\n"
                             "rampart_upstream_server_drained{pool=\"app\",server=\"a\"} 0\n"
                             "rampart_upstream_server_drained{pool=\"app\",server=\"127.0.0.1:"
                             "9002\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("rampart_upstream_server_healthy{pool=\"api\",server=\"c\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("rampart_upstream_pool_pending_requests{pool=\"app\"} 0\n"
                             "rampart_upstream_pool_pending_requests{pool=\"api\"} 0\n"));

  std::map<std::string, int> types;
  size_t pos = 0;
  while ((pos = out.find("# TYPE ", pos)) != std::string::npos) {
    pos += 7;
    ++types[out.substr(pos, out.find(' ', pos) - pos)];
  }
  EXPECT_EQ(types.size(), 14u);
  for (const auto& [name, count] : types) EXPECT_EQ(count, 1) << name;
}

TEST_F(UpstreamReportTest, MetricsEscapeLabelValues) {
  config::PoolConfig pc;
  pc.name = "p\"q";
  pc.servers = {MakeServer("127.0.0.1:9001", "back\\slash\nnl")};
  auto pool = Build(pc);
  std::string out;
  AppendUpstreamMetrics(out, {pool}, kNow);
  EXPECT_THAT(out, HasSubstr("rampart_upstream_server_up{pool=\"p\\\"q\",server=\"back\\\\slash"
                             "\\nnl\"} 1\n"));
  EXPECT_THAT(out,
              HasSubstr("rampart_upstream_overflow_total{pool=\"p\\\"q\",reason=\"pending\"}"));
  // No raw line feed inside a sample.
  EXPECT_THAT(out, Not(HasSubstr("slash\nnl")));
}

TEST_F(UpstreamReportTest, NegativeGaugesReadAsZero) {
  auto pool = App();
  State(*pool, 0).active_requests = -1;  // a decrement seen before its increment
  std::string out;
  AppendUpstreamMetrics(out, {pool}, kNow);
  EXPECT_THAT(out, HasSubstr("rampart_upstream_server_active_requests{pool=\"app\",server=\"a\"} "
                             "0\n"));
}

TEST_F(UpstreamReportTest, FindPoolAndServer) {
  auto app = App();
  config::PoolConfig pc;
  pc.name = "api";
  // Server "x" is named like the other's address: the name wins.
  pc.servers = {MakeServer("127.0.0.1:9003", "127.0.0.1:9004"), MakeServer("127.0.0.1:9004", "x")};
  auto api = Build(pc);
  const PoolList pools = {app, api};

  EXPECT_EQ(FindPool(pools, "app"), app.get());
  EXPECT_EQ(FindPool(pools, "api"), api.get());
  EXPECT_EQ(FindPool(pools, "nope"), nullptr);
  EXPECT_EQ(FindPool(pools, ""), nullptr);

  EXPECT_EQ(FindServer(*app, "a"), &app->servers()[0]);
  EXPECT_EQ(FindServer(*app, "127.0.0.1:9001"), &app->servers()[0]);  // by address
  EXPECT_EQ(FindServer(*app, "127.0.0.1:9002"), &app->servers()[1]);
  EXPECT_EQ(FindServer(*app, "b"), nullptr);
  EXPECT_EQ(FindServer(*api, "127.0.0.1:9004"), &api->servers()[0]);
  EXPECT_EQ(FindServer(*api, "x"), &api->servers()[1]);
  EXPECT_EQ(FindServer(*api, "127.0.0.1:9003"), &api->servers()[0]);
}

TEST_F(UpstreamReportTest, DrainAndEnable) {
  config::PoolConfig pc;
  pc.name = "app";
  pc.slow_start_ms = 10'000;
  pc.servers = {MakeServer("127.0.0.1:9001", "a"), MakeServer("127.0.0.1:9002", "b")};
  auto pool = Build(pc);
  const upstream::Server& a = pool->servers()[0];

  EXPECT_TRUE(SetDrained(a, true, kNow));
  EXPECT_TRUE(a.state->drained);
  EXPECT_FALSE(upstream::Pool::IsAvailable(a, kNow));
  EXPECT_EQ(ServerStateName(a, kNow), "drained");
  EXPECT_EQ(a.state->ramp_start_ms, 0);
  EXPECT_FALSE(SetDrained(a, true, kNow));  // already drained

  // The balancer never picks a drained server.
  for (uint64_t r = 0; r < 50; ++r) {
    std::vector<size_t> excluded;
    auto picked = pool->Pick({excluded, "", "", r * 7919, kNow});
    ASSERT_TRUE(picked);
    EXPECT_EQ(*picked, 1u);
  }

  // Enabling starts the slow start.
  EXPECT_TRUE(SetDrained(a, false, kNow + 100));
  EXPECT_FALSE(a.state->drained);
  EXPECT_EQ(a.state->ramp_start_ms, kNow + 100);
  EXPECT_EQ(ServerStateName(a, kNow + 100), "up");
  EXPECT_DOUBLE_EQ(pool->SlowStartFactor(a, kNow + 100), 0.1);
  EXPECT_THAT(ServerJson(*pool, a, kNow + 100), HasSubstr("\"slow_start_factor\":0.1,"));

  // Enabling a server that was not drained leaves its ramp alone.
  EXPECT_FALSE(SetDrained(a, false, kNow + 5000));
  EXPECT_EQ(a.state->ramp_start_ms, kNow + 100);
  const upstream::Server& b = pool->servers()[1];
  EXPECT_FALSE(SetDrained(b, false, kNow));
  EXPECT_EQ(b.state->ramp_start_ms, 0);
}

TEST_F(UpstreamReportTest, DrainIsKeptByTheRegistryAcrossARebuild) {
  auto before = App();
  ASSERT_TRUE(SetDrained(before->servers()[0], true, kNow));
  auto after = App();  // a reload builds the pool again from the same registry
  EXPECT_TRUE(after->servers()[0].state->drained);
  EXPECT_EQ(ServerStateName(after->servers()[0], kNow), "drained");
}

}  // namespace
}  // namespace rampart::server
