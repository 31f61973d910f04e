// Shared state in Redis, with the real binary twice: two rampart processes (nodes A and B, one
// origin) and one redis-server started by the test on a free loopback port (skipped without
// /usr/bin/redis-server). One global rate limit across both nodes; one ban list (a dynamic ban
// from strikes on both nodes, admin bans, deletes on either node); redis-server killed mid-test
// → fail open to local limits (answers keep coming, backend_up 0, "unreachable" logged once) or
// fail closed (503); paused → commands time out instead of hanging requests; restarted on the
// same port → reconnected by itself, the shared limit and bans back, "reachable again" logged.
// Clients are told apart by X-Forwarded-For from 127.0.0.1, a trusted proxy here.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/log_file.h"
#include "support/metrics.h"
#include "support/origin.h"
#include "support/rampart_process.h"
#include "support/redis_server.h"
#include "support/test_config.h"

namespace rampart::test {
namespace {

// Answers per node of a run of requests.
struct Tally {
  int allowed[2] = {0, 0};
  int limited[2] = {0, 0};      // 429
  int unavailable[2] = {0, 0};  // 503
  int other = 0;
  int no_answer = 0;
  int total_allowed() const { return allowed[0] + allowed[1]; }
};

class SharedStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::Available()) {
      GTEST_SKIP() << RedisServer::kBinary << " not found (apt-get install redis-server)";
    }
    ASSERT_TRUE(redis_.Start()) << redis_.error();
  }

  // Routes: /limited (a client_ip limit, `on_error`, `burst` per hour), /shop (the test signature
  // and bans after 3 blocks), / (nothing).
  std::string Yaml(const RampartProcess& node, const std::string& on_error, int burst) {
    const std::string packs = node.dir() + "/packs";
    std::filesystem::create_directories(packs);
    WriteFile(packs + "/test.yaml", kBlockingTestPack);
    WriteAdminTokenFile(node.dir() + "/admin.token");
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.admin_token_file = node.dir() + "/admin.token";
    options.routes_yaml =
        "routes:\n"
        "  - name: limited\n"
        "    match:\n"
        "      path_prefix: /limited\n"
        "    pool: app\n"
        "    rate_limit: {key: client_ip, rate: 1/h, burst: " +
        std::to_string(burst) + ", on_error: " + on_error +
        "}\n"
        "  - name: shop\n"
        "    match:\n"
        "      path_prefix: /shop\n"
        "    pool: app\n"
        "    signatures: {}\n"
        "    bans: {threshold: 3, window: 1m, duration: 10m}\n"
        "  - name: main\n"
        "    match:\n"
        "      path_prefix: /\n"
        "    pool: app\n";
    options.extra =
        "  attack_log: " + node.dir() + "/attack.log\n" +  // continues logging:
        "trusted_proxies: [127.0.0.1/32]\n" + "signatures: {dir: " + packs + "}\n" +
        "state:\n  backend: redis\n  redis: {address: 127.0.0.1:" + std::to_string(redis_.port()) +
        ", timeout: 250ms}\n  sync_interval: 200ms\n";
    return MakeConfig(node.dir(), options);
  }

  // Starts both nodes.
  void StartNodes(const std::string& on_error = "open", int burst = 6) {
    for (RampartProcess* node : {&a_, &b_}) {
      const std::string yaml = Yaml(*node, on_error, burst);
      ASSERT_TRUE(node->Start(yaml)) << node->error() << "\nconfig:\n" << yaml;
      ASSERT_NE(node->admin_port(), 0u) << node->Log();
    }
    ASSERT_TRUE(Eventually([&] { return BackendUp(a_) == 1 && BackendUp(b_) == 1; }))
        << "the nodes did not connect to redis\n"
        << a_.Log();
  }

  RampartProcess& Node(int i) { return i == 0 ? a_ : b_; }

  // `n` GETs of `target` as `client`, alternating A, B, A, ... (each with a generous timeout:
  // an answer that does not come fails the test instead of hanging it).
  Tally Alternate(const std::string& client, int n, const std::string& target = "/limited") {
    Tally t;
    for (int i = 0; i < n; ++i) {
      const int node = i % 2;
      auto r = GetAs(Node(node).port(), client, target);
      if (!r) {
        ++t.no_answer;
      } else if (r->status == 200) {
        ++t.allowed[node];
      } else if (r->status == 429) {
        ++t.limited[node];
      } else if (r->status == 503) {
        ++t.unavailable[node];
        EXPECT_EQ(r->Header("Retry-After"), "1");
      } else {
        ++t.other;
        ADD_FAILURE() << "status " << r->status << " from node " << node << ": " << r->body;
      }
    }
    return t;
  }

  int StatusAs(RampartProcess& node, const std::string& client, const std::string& target = "/",
               HeaderList headers = {}) {
    auto r = GetAs(node.port(), client, target, std::move(headers));
    return r ? r->status : 0;
  }

  static double Metric(const RampartProcess& node, std::string_view name) {
    return MetricValue(FetchMetrics(node.admin_port()), name).value_or(-1);
  }
  static double BackendUp(const RampartProcess& node) {
    return Metric(node, "rampart_state_backend_up");
  }

  // Lines of the node's log that contain `needle`.
  static size_t CountLines(const RampartProcess& node, std::string_view needle) {
    size_t n = 0;
    for (const std::string& line : node.Lines()) {
      if (line.find(needle) != std::string::npos) ++n;
    }
    return n;
  }

  std::string Endpoint() const { return "redis 127.0.0.1:" + std::to_string(redis_.port()); }

  std::set<std::string> BannedIps(const RampartProcess& node) {
    auto r = AdminCall(node.admin_port(), "GET", "/api/bans");
    if (!r || r->status != 200) return {"<GET /api/bans failed>"};
    std::set<std::string> ips;
    auto json = ParseJson(r->body);
    const JsonValue* bans = json ? json->Find("bans") : nullptr;
    if (bans == nullptr || !bans->is_array()) return {"<not a ban list>"};
    for (const JsonValue& ban : bans->array) ips.insert(ban.StringAt("ip").value_or("?"));
    return ips;
  }

  Origin origin_;
  RedisServer redis_;
  RampartProcess a_;
  RampartProcess b_;
};

TEST_F(SharedStateTest, TwoNodesEnforceOneGlobalLimit) {
  ASSERT_NO_FATAL_FAILURE(StartNodes("open", 6));
  // The remaining budget counts down across the nodes.
  for (int i = 0; i < 6; ++i) {
    auto r = GetAs(Node(i % 2).port(), "198.51.100.7", "/limited");
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200) << i;
    EXPECT_EQ(r->Header("RateLimit-Remaining"), std::to_string(5 - i)) << "request " << i;
  }
  const Tally after = Alternate("198.51.100.7", 10);
  EXPECT_EQ(after.total_allowed(), 0);
  EXPECT_EQ(after.limited[0], 5);
  EXPECT_EQ(after.limited[1], 5);

  // A fresh client: burst 6 in all, not 6 per node.
  const Tally t = Alternate("198.51.100.8", 20);
  EXPECT_EQ(t.total_allowed(), 6);
  EXPECT_EQ(t.allowed[0], 3);
  EXPECT_EQ(t.allowed[1], 3);
  EXPECT_EQ(t.limited[0] + t.limited[1], 14);
  EXPECT_EQ(t.no_answer, 0);
  EXPECT_EQ(origin_.RequestCount(), 12u);

  // The counter lives in Redis.
  EXPECT_EQ(redis_.Query({"EXISTS", "rampart:rate:rl:limited:0:198.51.100.8"}), "1");
  EXPECT_EQ(BackendUp(a_), 1);
  EXPECT_EQ(BackendUp(b_), 1);
  EXPECT_EQ(CountLines(a_, "unreachable"), 0u) << a_.Log();
}

TEST_F(SharedStateTest, BansAreSharedAndLiftedFromEitherNode) {
  ASSERT_NO_FATAL_FAILURE(StartNodes());
  const HeaderList evil = {{"User-Agent", "evil-scanner/1.0"}};

  // Strikes on both nodes add up: 2 blocks on A, 1 on B, threshold 3.
  EXPECT_EQ(StatusAs(a_, "198.51.100.20", "/shop/1", evil), 403);
  EXPECT_EQ(StatusAs(a_, "198.51.100.20", "/shop/2", evil), 403);
  EXPECT_EQ(StatusAs(b_, "198.51.100.20", "/", {}), 200);  // not banned yet
  EXPECT_EQ(StatusAs(b_, "198.51.100.20", "/shop/3", evil), 403);
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(Eventually([&] { return StatusAs(*node, "198.51.100.20") == 403; }))
        << "no ban on " << (node == &a_ ? "A" : "B");
    EXPECT_EQ(BannedIps(*node), std::set<std::string>{"198.51.100.20"});
  }
  EXPECT_EQ(StatusAs(a_, "198.51.100.21"), 200);

  // Lifted on B: A lets the client through again within a few sync intervals.
  auto del = AdminCall(b_.admin_port(), "DELETE", "/api/bans/198.51.100.20");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  EXPECT_TRUE(Eventually([&] { return StatusAs(a_, "198.51.100.20") == 200; }))
      << "the ban deleted on B still holds on A";
  EXPECT_EQ(StatusAs(b_, "198.51.100.20"), 200);
  EXPECT_EQ(BannedIps(a_), std::set<std::string>{});

  // An admin ban made on A holds on B; deleted on A, it is gone from B.
  auto put = AdminCall(a_.admin_port(), "PUT", "/api/bans/203.0.113.9");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(StatusAs(a_, "203.0.113.9"), 403);
  EXPECT_TRUE(Eventually([&] { return StatusAs(b_, "203.0.113.9") == 403; }))
      << "the ban made on A does not hold on B";
  EXPECT_EQ(BannedIps(b_), std::set<std::string>{"203.0.113.9"});
  del = AdminCall(a_.admin_port(), "DELETE", "/api/bans/203.0.113.9");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  EXPECT_TRUE(Eventually([&] { return StatusAs(b_, "203.0.113.9") == 200; }))
      << "the ban deleted on A still holds on B";

  // The ban refusals are recorded with rule "ban" on the node that refused.
  bool ban_on_b = false;
  // B's records: its signature block, then at least one ban refusal (logs are flushed within a
  // second).
  for (const JsonValue& record : JsonLines(b_.dir() + "/attack.log", 2, kDefaultTimeout)) {
    if (RecordHasRule(record, "ban")) ban_on_b = true;
  }
  EXPECT_TRUE(ban_on_b);
}

TEST_F(SharedStateTest, AReloadKeepsTheSharedLimitAndBans) {
  ASSERT_NO_FATAL_FAILURE(StartNodes("closed", 4));
  EXPECT_EQ(Alternate("198.51.100.70", 2).total_allowed(), 2);
  const size_t from = a_.LineCount();
  ASSERT_TRUE(a_.Signal(SIGHUP));
  ASSERT_TRUE(a_.WaitForLine("reload: applied", kDefaultTimeout, from)) << a_.Log();
  // After A's reload: still one budget of 4 across both nodes (2 spent), still in Redis (no 503).
  const Tally t = Alternate("198.51.100.70", 6);
  EXPECT_EQ(t.unavailable[0] + t.unavailable[1], 0) << "A lost its Redis connection on reload";
  EXPECT_EQ(t.total_allowed(), 2);
  // A ban made on B holds on the reloaded A.
  auto put = AdminCall(b_.admin_port(), "PUT", "/api/bans/198.51.100.71");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_TRUE(Eventually([&] { return StatusAs(a_, "198.51.100.71") == 403; }))
      << "the reloaded node does not see B's ban";
  EXPECT_EQ(CountLines(a_, "unreachable"), 0u) << a_.Log();
}

TEST_F(SharedStateTest, RedisKilledFailsOpenToLocalLimitsThenRecovers) {
  ASSERT_NO_FATAL_FAILURE(StartNodes("open", 3));
  EXPECT_EQ(Alternate("198.51.100.30", 10).total_allowed(), 3);

  const size_t from_a = a_.LineCount();
  const size_t from_b = b_.LineCount();
  redis_.Kill();
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(Eventually([&] { return BackendUp(*node) == 0; })) << node->Log();
  }
  // Every request is answered, from each node's own table: burst 3 per node now.
  const Tally down = Alternate("198.51.100.31", 20);
  EXPECT_EQ(down.no_answer, 0);
  EXPECT_EQ(down.allowed[0], 3);
  EXPECT_EQ(down.allowed[1], 3);
  EXPECT_EQ(down.limited[0] + down.limited[1], 14);
  // A second batch (more reconnect attempts meanwhile) changes nothing in the log.
  EXPECT_EQ(Alternate("198.51.100.32", 10).no_answer, 0);
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(node->WaitForLine(Endpoint() + " unreachable", kDefaultTimeout, 0)) << node->Log();
    EXPECT_EQ(CountLines(*node, "unreachable"), 1u) << "logged once per outage\n" << node->Log();
    EXPECT_GT(Metric(*node, "rampart_state_backend_errors_total"), 0);
  }

  // Back on the same port: reconnected without help, shared again.
  ASSERT_TRUE(redis_.Start()) << redis_.error();
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(Eventually([&] { return BackendUp(*node) == 1; })) << node->Log();
    EXPECT_TRUE(node->WaitForLine(Endpoint() + " reachable again", kDefaultTimeout,
                                  node == &a_ ? from_a : from_b))
        << node->Log();
    EXPECT_EQ(CountLines(*node, "reachable again"), 1u) << node->Log();
    EXPECT_GE(Metric(*node, "rampart_state_backend_reconnects_total"), 1);
  }
  const Tally up = Alternate("198.51.100.33", 10);
  EXPECT_EQ(up.total_allowed(), 3);
  EXPECT_EQ(up.no_answer, 0);
  EXPECT_EQ(redis_.Query({"EXISTS", "rampart:rate:rl:limited:0:198.51.100.33"}), "1");
}

TEST_F(SharedStateTest, RedisKilledFailsClosedWith503ThenRecovers) {
  ASSERT_NO_FATAL_FAILURE(StartNodes("closed", 1000));
  EXPECT_EQ(Alternate("198.51.100.40", 4).total_allowed(), 4);
  const size_t seen = origin_.RequestCount();

  redis_.Kill();
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(Eventually([&] { return BackendUp(*node) == 0; })) << node->Log();
  }
  const Tally down = Alternate("198.51.100.40", 10);
  EXPECT_EQ(down.no_answer, 0);
  EXPECT_EQ(down.unavailable[0], 5);
  EXPECT_EQ(down.unavailable[1], 5);
  EXPECT_EQ(origin_.RequestCount(), seen);
  // Routes without a limit do not depend on Redis.
  EXPECT_EQ(StatusAs(a_, "198.51.100.40", "/"), 200);
  bool recorded = false;
  for (const JsonValue& record : JsonLines(a_.dir() + "/attack.log", 1, kDefaultTimeout)) {
    if (RecordHasRule(record, "state_unavailable")) recorded = true;
  }
  EXPECT_TRUE(recorded);

  ASSERT_TRUE(redis_.Start()) << redis_.error();
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(Eventually([&] { return StatusAs(*node, "198.51.100.41", "/limited") == 200; }))
        << node->Log();
    EXPECT_TRUE(Eventually([&] { return BackendUp(*node) == 1; })) << node->Log();
  }
}

TEST_F(SharedStateTest, UnresponsiveRedisTimesOutInsteadOfHangingRequests) {
  ASSERT_NO_FATAL_FAILURE(StartNodes("open", 3));
  ASSERT_TRUE(redis_.Pause());
  // Commands time out after 250 ms; the requests are answered from the local tables.
  const Tally paused = Alternate("198.51.100.50", 10);
  EXPECT_EQ(paused.no_answer, 0);
  EXPECT_EQ(paused.allowed[0], 3);
  EXPECT_EQ(paused.allowed[1], 3);
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(Eventually([&] { return BackendUp(*node) == 0; })) << node->Log();
    EXPECT_TRUE(node->WaitForLine(Endpoint() + " unreachable")) << node->Log();
  }
  ASSERT_TRUE(redis_.Resume());
  for (RampartProcess* node : {&a_, &b_}) {
    EXPECT_TRUE(Eventually([&] { return BackendUp(*node) == 1; })) << node->Log();
  }
  EXPECT_EQ(Alternate("198.51.100.51", 10).total_allowed(), 3);
}

TEST_F(SharedStateTest, BanMadeWhileRedisIsDownReachesTheOtherNodeAfterRecovery) {
  ASSERT_NO_FATAL_FAILURE(StartNodes());
  redis_.Kill();
  ASSERT_TRUE(Eventually([&] { return BackendUp(a_) == 0; })) << a_.Log();
  auto put = AdminCall(a_.admin_port(), "PUT", "/api/bans/198.51.100.60");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  // A holds it at once, from its own list.
  EXPECT_EQ(StatusAs(a_, "198.51.100.60"), 403);

  ASSERT_TRUE(redis_.Start()) << redis_.error();
  EXPECT_TRUE(Eventually([&] { return StatusAs(b_, "198.51.100.60") == 403; }))
      << "the ban made during the outage never reached B\n"
      << a_.Log();
  // In Redis now (a nil reply reads as "").
  EXPECT_NE(redis_.Query({"ZSCORE", "rampart:bans", "198.51.100.60"}).value_or(""), "");
  EXPECT_EQ(StatusAs(a_, "198.51.100.60"), 403);
}

}  // namespace
}  // namespace rampart::test
