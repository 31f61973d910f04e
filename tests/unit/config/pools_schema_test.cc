// The `pools` keys: balancers, weights, server names, hash keys, retries, retry budget,
// circuit breaking, health checks, outlier ejection, slow start and cookie stickiness.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "config/loader.h"
#include "load_helpers.h"

namespace rampart::config {
namespace {

using test_util::Errors;
using test_util::Load;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A valid config whose last lines are pool "app" with one server; `tail` is appended at
// line 7: pool keys indented by 4, or keys of servers[0] indented by 8.
std::string Pool(const std::string& tail) {
  return "listen: [{address: 127.0.0.1:8080}]\n"  // 1
         "routes: [{pool: app}]\n"                // 2
         "pools:\n"                               // 3
         "  app:\n"                               // 4
         "    servers:\n"                         // 5
         "      - address: 127.0.0.1:9000\n" +    // 6
         tail;
}

PoolConfig LoadPool(const std::string& tail) {
  Config c = Load(Pool(tail));
  auto it = c.pools.find("app");
  if (it == c.pools.end()) return PoolConfig{};
  return it->second;
}

constexpr char kFullPool[] = R"(listen: [{address: 127.0.0.1:8080}]
routes: [{pool: app}]
pools:
  app:
    servers:
      - {address: 127.0.0.1:9000, name: a, weight: 2, backup: false, max_connections: 100}
      - {address: 127.0.0.1:9001, weight: 3, backup: true, max_connections: 4294967295}
    balance: consistent_hash
    hash_key: "header:X-User"
    retries: 2
    retry_statuses: [502, 503, 504]
    retry_budget: {percent: 50, min: 0}
    circuit_breaker: {max_pending_requests: 1000, max_retries_in_flight: 10}
    health:
      path: /healthz?full=1
      host: app.local
      interval: 10s
      timeout: 500ms
      rise: 1
      fall: 100
      expect: [200, "300-302", 404-404]
    outlier: {consecutive_failures: 0, base_ejection: 1s, max_ejection: 1s}
    slow_start: 30s
    sticky: {cookie: rampart_server}
)";

TEST(PoolsSchemaTest, EveryKeyFillsTheStruct) {
  const Config c = Load(kFullPool);
  const PoolConfig& app = c.pools.at("app");
  EXPECT_EQ(app.balance, "consistent_hash");
  ASSERT_EQ(app.servers.size(), 2u);
  EXPECT_EQ(app.servers[0].name, "a");
  EXPECT_EQ(app.servers[0].weight, 2u);
  EXPECT_FALSE(app.servers[0].backup);
  EXPECT_EQ(app.servers[0].max_connections, 100u);
  EXPECT_EQ(app.servers[1].name, "");  // the address is used
  EXPECT_EQ(app.servers[1].weight, 3u);
  EXPECT_TRUE(app.servers[1].backup);
  EXPECT_EQ(app.servers[1].max_connections, 4294967295u);
  EXPECT_EQ(app.hash_key.kind, HashKeyConfig::Kind::kHeader);
  EXPECT_EQ(app.hash_key.name, "X-User");
  EXPECT_EQ(app.retries, 2u);
  EXPECT_THAT(app.retry_statuses, ElementsAre(502, 503, 504));
  EXPECT_EQ(app.retry_budget_percent, 50u);
  EXPECT_EQ(app.retry_budget_min, 0u);
  EXPECT_EQ(app.max_pending_requests, 1000u);
  EXPECT_EQ(app.max_retries_in_flight, 10u);
  ASSERT_TRUE(app.health.has_value());
  EXPECT_EQ(app.health->path, "/healthz?full=1");
  EXPECT_EQ(app.health->host, "app.local");
  EXPECT_EQ(app.health->interval_ms, 10'000u);
  EXPECT_EQ(app.health->timeout_ms, 500u);
  EXPECT_EQ(app.health->rise, 1u);
  EXPECT_EQ(app.health->fall, 100u);
  using Ranges = std::vector<std::pair<int, int>>;
  EXPECT_EQ(app.health->expect, (Ranges{{200, 200}, {300, 302}, {404, 404}}));
  EXPECT_EQ(app.outlier.consecutive_failures, 0u);
  EXPECT_EQ(app.outlier.base_ejection_ms, 1'000u);
  EXPECT_EQ(app.outlier.max_ejection_ms, 1'000u);
  EXPECT_EQ(app.slow_start_ms, 30'000u);
  EXPECT_EQ(app.sticky_cookie, "rampart_server");
}

TEST(PoolsSchemaTest, Defaults) {
  const PoolConfig app = LoadPool("");
  EXPECT_EQ(app.balance, "round_robin");
  EXPECT_EQ(app.servers.at(0).name, "");
  EXPECT_EQ(app.servers.at(0).weight, 1u);
  EXPECT_EQ(app.servers.at(0).max_connections, 0u);
  EXPECT_EQ(app.hash_key.kind, HashKeyConfig::Kind::kClientIp);
  EXPECT_EQ(app.retries, 1u);
  EXPECT_TRUE(app.retry_statuses.empty());
  EXPECT_EQ(app.retry_budget_percent, 20u);
  EXPECT_EQ(app.retry_budget_min, 3u);
  EXPECT_EQ(app.max_pending_requests, 0u);
  EXPECT_EQ(app.max_retries_in_flight, 0u);
  EXPECT_FALSE(app.health.has_value());
  EXPECT_EQ(app.outlier.consecutive_failures, 5u);
  EXPECT_EQ(app.outlier.base_ejection_ms, 10'000u);
  EXPECT_EQ(app.outlier.max_ejection_ms, 300'000u);
  EXPECT_EQ(app.slow_start_ms, 0u);
  EXPECT_EQ(app.sticky_cookie, "");
}

TEST(PoolsSchemaTest, EmptyMapsKeepDefaults) {
  const PoolConfig app =
      LoadPool("    health: {}\n    outlier: {}\n    retry_budget: {}\n    circuit_breaker: {}\n");
  ASSERT_TRUE(app.health.has_value());
  EXPECT_EQ(app.health->path, "/");
  EXPECT_EQ(app.health->host, "");
  EXPECT_EQ(app.health->interval_ms, 5'000u);
  EXPECT_EQ(app.health->timeout_ms, 2'000u);
  EXPECT_EQ(app.health->rise, 2u);
  EXPECT_EQ(app.health->fall, 3u);
  EXPECT_EQ(app.health->expect, (std::vector<std::pair<int, int>>{{200, 399}}));
  EXPECT_EQ(app.outlier.consecutive_failures, 5u);
  EXPECT_EQ(app.retry_budget_percent, 20u);
  EXPECT_EQ(app.max_pending_requests, 0u);
}

TEST(PoolsSchemaTest, EveryBalancerIsAccepted) {
  for (const char* balance :
       {"round_robin", "weighted_round_robin", "least_conn", "ip_hash", "consistent_hash", "p2c"}) {
    EXPECT_EQ(LoadPool(std::string("    balance: ") + balance + "\n").balance, balance);
  }
}

TEST(PoolsSchemaTest, WeightsWithWeightedBalancers) {
  for (const char* balance :
       {"weighted_round_robin", "least_conn", "ip_hash", "consistent_hash", "p2c"}) {
    const PoolConfig app =
        LoadPool(std::string("        weight: 1000\n    balance: ") + balance + "\n");
    EXPECT_EQ(app.servers.at(0).weight, 1000u) << balance;
  }
}

TEST(PoolsSchemaTest, HashKeyKinds) {
  using Kind = HashKeyConfig::Kind;
  const auto key = [](const std::string& text) {
    return LoadPool("    balance: consistent_hash\n    hash_key: \"" + text + "\"\n").hash_key;
  };
  EXPECT_EQ(key("client_ip").kind, Kind::kClientIp);
  EXPECT_EQ(key("path").kind, Kind::kPath);
  EXPECT_EQ(key("header:X-Tenant").kind, Kind::kHeader);
  EXPECT_EQ(key("header:X-Tenant").name, "X-Tenant");
  EXPECT_EQ(key("cookie:session_id").kind, Kind::kCookie);
  EXPECT_EQ(key("cookie:session_id").name, "session_id");
}

TEST(PoolsSchemaTest, SlowStartZeroIsOff) {
  EXPECT_EQ(LoadPool("    slow_start: 0s\n").slow_start_ms, 0u);
}

// ---- Errors ----

TEST(PoolsSchemaErrorTest, WeightWithUnweightedBalancer) {
  // The balance key comes after the servers: the check uses the final balancer.
  EXPECT_THAT(Errors(Pool("        weight: 2\n    balance: round_robin\n")),
              ElementsAre("t.yaml:7: pools.app.servers[0].weight: round_robin ignores weights; "
                          "use weighted_round_robin"));
  EXPECT_THAT(Errors(Pool("        weight: 2\n      - {address: 127.0.0.1:9001, weight: 3}\n")),
              ElementsAre("t.yaml:7: pools.app.servers[0].weight: round_robin ignores weights; "
                          "use weighted_round_robin",
                          "t.yaml:8: pools.app.servers[1].weight: round_robin ignores weights; "
                          "use weighted_round_robin"));
  // An unknown balancer is reported alone.
  EXPECT_THAT(Errors(Pool("        weight: 2\n    balance: fastest\n")),
              ElementsAre("t.yaml:8: pools.app.balance: expected one of: round_robin, "
                          "weighted_round_robin, least_conn, ip_hash, consistent_hash, p2c"));
}

TEST(PoolsSchemaErrorTest, HashKeyNeedsConsistentHash) {
  EXPECT_THAT(Errors(Pool("    hash_key: path\n")),
              ElementsAre("t.yaml:7: pools.app.hash_key: hash_key needs balance: consistent_hash"));
  EXPECT_THAT(Errors(Pool("    hash_key: client_ip\n    balance: ip_hash\n")),
              ElementsAre("t.yaml:7: pools.app.hash_key: hash_key needs balance: consistent_hash"));
}

TEST(PoolsSchemaErrorTest, BadHashKey) {
  const auto errors = [](const std::string& text) {
    return Errors(Pool("    balance: consistent_hash\n    hash_key: \"" + text + "\"\n"));
  };
  const std::string at = "t.yaml:8: pools.app.hash_key: ";
  EXPECT_THAT(errors("client"),
              ElementsAre(at + "expected client_ip, path, header:<name> or cookie:<name>"));
  EXPECT_THAT(errors("query:a"),
              ElementsAre(at + "expected client_ip, path, header:<name> or cookie:<name>"));
  EXPECT_THAT(errors("header:"), ElementsAre(at + "invalid header name ''"));
  EXPECT_THAT(errors("header:X User"), ElementsAre(at + "invalid header name 'X User'"));
  EXPECT_THAT(errors("cookie:a;b"), ElementsAre(at + "invalid cookie name 'a;b'"));
}

TEST(PoolsSchemaErrorTest, ServerNames) {
  EXPECT_THAT(Errors(Pool("        name: \"\"\n")),
              ElementsAre("t.yaml:7: pools.app.servers[0].name: must not be empty"));
  EXPECT_THAT(Errors(Pool("        name: \"a b\"\n")),
              ElementsAre("t.yaml:7: pools.app.servers[0].name: must not contain spaces, control "
                          "characters or '/'"));
  EXPECT_THAT(Errors(Pool("        name: a/b\n")),
              ElementsAre("t.yaml:7: pools.app.servers[0].name: must not contain spaces, control "
                          "characters or '/'"));
  EXPECT_THAT(Errors(Pool("        name: a\n      - {address: 127.0.0.1:9001, name: a}\n")),
              ElementsAre("t.yaml:8: pools.app.servers[1].name: duplicate server name a (also at "
                          "line 6)"));
  // A server without a name goes by its address.
  EXPECT_THAT(Errors(Pool("      - {address: 127.0.0.1:9001, name: \"127.0.0.1:9000\"}\n")),
              ElementsAre("t.yaml:7: pools.app.servers[1].name: duplicate server name "
                          "127.0.0.1:9000 (also at line 6)"));
  // Names are per pool.
  const Config c = Load(Pool("        name: a\n  web:\n    servers: [{address: b:1, name: a}]\n"));
  EXPECT_EQ(c.pools.at("web").servers.at(0).name, "a");
}

TEST(PoolsSchemaErrorTest, ServerNumbers) {
  EXPECT_THAT(Errors(Pool("        max_connections: -1\n")),
              ElementsAre("t.yaml:7: pools.app.servers[0].max_connections: must be between 0 and "
                          "4294967295"));
  EXPECT_THAT(Errors(Pool("        weight: 1001\n    balance: p2c\n")),
              ElementsAre("t.yaml:7: pools.app.servers[0].weight: must be between 1 and 1000"));
}

TEST(PoolsSchemaErrorTest, RetryStatuses) {
  EXPECT_THAT(Errors(Pool("    retry_statuses: [499, 503, 600, 503, \"502\"]\n")),
              ElementsAre("t.yaml:7: pools.app.retry_statuses[0]: must be between 500 and 599",
                          "t.yaml:7: pools.app.retry_statuses[2]: must be between 500 and 599",
                          "t.yaml:7: pools.app.retry_statuses[3]: duplicate status 503",
                          "t.yaml:7: pools.app.retry_statuses[4]: expected an integer"));
  EXPECT_THAT(Errors(Pool("    retry_statuses: 503\n")),
              ElementsAre("t.yaml:7: pools.app.retry_statuses: expected a list"));
}

TEST(PoolsSchemaErrorTest, RetryBudgetAndCircuitBreaker) {
  EXPECT_THAT(Errors(Pool("    retry_budget: {percent: 101, min: 10001, ratio: 1}\n")),
              ElementsAre("t.yaml:7: pools.app.retry_budget.ratio: unknown key",
                          "t.yaml:7: pools.app.retry_budget.percent: must be between 0 and 100",
                          "t.yaml:7: pools.app.retry_budget.min: must be between 0 and 10000"));
  EXPECT_THAT(Errors(Pool("    retry_budget: {percent: 0, min: 0}\n")),
              ElementsAre("t.yaml:7: pools.app.retry_budget: percent 0 and min 0 allow no retry "
                          "at all; set retries: 0 to turn retries off"));
  EXPECT_THAT(Errors(Pool("    retry_budget: {percent: 0, min: 0}\n    retries: 0\n")), IsEmpty());
  EXPECT_THAT(
      Errors(Pool("    circuit_breaker:\n      max_pending_requests: -1\n"
                  "      max_retries_in_flight: 4294967296\n      max_connections: 1\n")),
      ElementsAre("t.yaml:8: pools.app.circuit_breaker.max_pending_requests: must be between 0 "
                  "and 4294967295",
                  "t.yaml:9: pools.app.circuit_breaker.max_retries_in_flight: must be between 0 "
                  "and 4294967295",
                  "t.yaml:10: pools.app.circuit_breaker.max_connections: unknown key"));
}

TEST(PoolsSchemaErrorTest, Health) {
  EXPECT_THAT(Errors(Pool("    health:\n"            // 7
                          "      path: healthz\n"    // 8
                          "      host: \"a b\"\n"    // 9
                          "      interval: 0s\n"     // 10
                          "      timeout: 0ms\n"     // 11
                          "      rise: 0\n"          // 12
                          "      fall: 101\n"        // 13
                          "      method: HEAD\n")),  // 14
              ElementsAre("t.yaml:8: pools.app.health.path: must start with '/'",
                          "t.yaml:9: pools.app.health.host: must not contain spaces or control "
                          "characters",
                          "t.yaml:10: pools.app.health.interval: must be at least 1ms",
                          "t.yaml:11: pools.app.health.timeout: must be at least 1ms",
                          "t.yaml:12: pools.app.health.rise: must be between 1 and 100",
                          "t.yaml:13: pools.app.health.fall: must be between 1 and 100",
                          "t.yaml:14: pools.app.health.method: unknown key"));
  EXPECT_THAT(Errors(Pool("    health: {path: \"/a b\"}\n")),
              ElementsAre("t.yaml:7: pools.app.health.path: must not contain spaces or control "
                          "characters"));
  EXPECT_THAT(Errors(Pool("    health: /healthz\n")),
              ElementsAre("t.yaml:7: pools.app.health: expected a map"));
}

TEST(PoolsSchemaErrorTest, HealthExpect) {
  const std::string range = "expected a status or a range \"A-B\" with 100 <= A <= B <= 599";
  EXPECT_THAT(Errors(Pool("    health: {expect: [99, 600, \"399-200\", \"200-600\", abc, \"200\", "
                          "200-, ok]}\n")),
              ElementsAre("t.yaml:7: pools.app.health.expect[0]: must be between 100 and 599",
                          "t.yaml:7: pools.app.health.expect[1]: must be between 100 and 599",
                          "t.yaml:7: pools.app.health.expect[2]: " + range,
                          "t.yaml:7: pools.app.health.expect[3]: " + range,
                          "t.yaml:7: pools.app.health.expect[4]: " + range,
                          "t.yaml:7: pools.app.health.expect[5]: " + range,
                          "t.yaml:7: pools.app.health.expect[6]: " + range,
                          "t.yaml:7: pools.app.health.expect[7]: " + range));
  EXPECT_THAT(Errors(Pool("    health: {expect: []}\n")),
              ElementsAre("t.yaml:7: pools.app.health.expect: expected at least one status"));
  EXPECT_THAT(Errors(Pool("    health: {expect: 200}\n")),
              ElementsAre("t.yaml:7: pools.app.health.expect: expected a list"));
}

TEST(PoolsSchemaErrorTest, Outlier) {
  EXPECT_THAT(Errors(Pool("    outlier: {consecutive_failures: 1001, base_ejection: 0s}\n")),
              ElementsAre("t.yaml:7: pools.app.outlier.consecutive_failures: must be between 0 "
                          "and 1000",
                          "t.yaml:7: pools.app.outlier.base_ejection: must be at least 1ms"));
  EXPECT_THAT(Errors(Pool("    outlier: {base_ejection: 1m, max_ejection: 30s}\n")),
              ElementsAre("t.yaml:7: pools.app.outlier.base_ejection: must not be longer than "
                          "max_ejection (30000ms)"));
  // Against the default of the key not given.
  EXPECT_THAT(Errors(Pool("    outlier: {base_ejection: 10m}\n")),
              ElementsAre("t.yaml:7: pools.app.outlier.base_ejection: must not be longer than "
                          "max_ejection (300000ms)"));
  EXPECT_THAT(Errors(Pool("    outlier: {max_ejection: 1s}\n")),
              ElementsAre("t.yaml:7: pools.app.outlier.max_ejection: must not be shorter than "
                          "base_ejection (10000ms)"));
  EXPECT_THAT(Errors(Pool("    outlier: {interval: 1s}\n")),
              ElementsAre("t.yaml:7: pools.app.outlier.interval: unknown key"));
}

TEST(PoolsSchemaErrorTest, SlowStartAndSticky) {
  EXPECT_THAT(Errors(Pool("    slow_start: soon\n")),
              ElementsAre("t.yaml:7: pools.app.slow_start: expected a duration such as 500ms, 5s, "
                          "10m"));
  EXPECT_THAT(Errors(Pool("    sticky: {}\n")),
              ElementsAre("t.yaml:7: pools.app.sticky.cookie: required"));
  EXPECT_THAT(Errors(Pool("    sticky: {cookie: \"a b\", ttl: 1h}\n")),
              ElementsAre("t.yaml:7: pools.app.sticky.ttl: unknown key",
                          "t.yaml:7: pools.app.sticky.cookie: invalid cookie name"));
}

}  // namespace
}  // namespace rampart::config
