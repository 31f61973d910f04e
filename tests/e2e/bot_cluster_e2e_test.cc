// The bot challenge (issue 8) across two rampart processes, nodes A and B in front of one
// origin, both with `bot: {difficulty: 10}` and a `challenge: always` route. With
// `state: {backend: redis}` (a redis-server started by the test; skipped without
// /usr/bin/redis-server) the signing secrets are shared: a clearance cookie earned on A passes on
// B, and a challenge page fetched from A can be answered on B. Without shared state (the
// control) each node signs with its own secret: A's cookie is challenged again on B.
// The challenge is answered without a browser (support/bot_client.h). Clients are told apart by
// X-Forwarded-For from 127.0.0.1, a trusted proxy here.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support/acl_helpers.h"
#include "support/bot_client.h"
#include "support/metrics.h"
#include "support/origin.h"
#include "support/rampart_process.h"
#include "support/redis_server.h"
#include "support/test_config.h"

namespace rampart::test {
namespace {

constexpr char kClient[] = "198.51.100.7";
constexpr const char* kUa = BotClient::kDefaultUserAgent;
// Only bounds a failing wait for B to hold the shared secret. A node signs with a secret of its
// own until the store's answer comes; it asks when it starts and then every 10 s (a tenth of the
// default 1 h rotation, at most 10 s), so one missed first answer costs a whole interval.
constexpr Timeout kSharedSecretGuard{30'000};

class BotClusterTest : public ::testing::Test {
 protected:
  // Starts A and B; `shared`: with their state in redis_ (started first).
  void StartNodes(bool shared) {
    if (shared) {
      ASSERT_TRUE(redis_.Start()) << redis_.error();
    }
    for (RampartProcess* node : {&a_, &b_}) {
      const std::string yaml = Yaml(*node, shared);
      ASSERT_TRUE(node->Start(yaml)) << node->error() << "\nconfig:\n" << yaml;
      ASSERT_NE(node->admin_port(), 0u) << node->Log();
    }
    if (shared) {
      ASSERT_TRUE(Eventually([&] { return BackendUp(a_) == 1 && BackendUp(b_) == 1; }))
          << "the nodes did not connect to redis\n"
          << a_.Log() << "\n"
          << b_.Log();
    }
  }

  // One route, challenged always; the same `bot` on both nodes.
  std::string Yaml(const RampartProcess& node, bool shared) const {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.routes_yaml =
        "routes:\n"
        "  - name: site\n    match: {path_prefix: /}\n    pool: app\n"
        "    bot: {challenge: always}\n";
    options.extra = "trusted_proxies: [127.0.0.1/32]\nbot: {difficulty: 10}\n";
    if (shared) {
      options.extra +=
          "state: {backend: redis, redis: {address: 127.0.0.1:" + std::to_string(redis_.port()) +
          "}}\n";
    }
    return MakeConfig(node.dir(), options);
  }

  BotClient A() const { return BotClient(a_.port()); }
  BotClient B() const { return BotClient(b_.port()); }

  static double Metric(const RampartProcess& node, std::string_view name,
                       const Labels& labels = {}) {
    return MetricValue(FetchMetrics(node.admin_port()), name, labels).value_or(-1);
  }
  static double BackendUp(const RampartProcess& node) {
    return Metric(node, "rampart_state_backend_up");
  }

  // Waits until a clearance earned on A passes on B (GET `target` through B); that cookie, or
  // "" (and a test failure). Each round earns a new cookie on A, which may have signed with its
  // own secret at first too.
  std::string WaitForClearanceFromAToPassOnB(const std::string& target) {
    std::string cookie;
    bool passed = false;
    Eventually(
        [&] {
          cookie = A().Clearance(kClient);
          if (cookie.empty()) return true;  // A failed (reported): no point in waiting
          passed = B().StatusWithCookie(kClient, kUa, cookie, target) == 200;
          return passed;
        },
        kSharedSecretGuard);
    if (!passed) {
      ADD_FAILURE() << "a clearance earned on A never passed on B\nA:\n"
                    << a_.Log() << "\nB:\n"
                    << b_.Log();
      return "";
    }
    return cookie;
  }

  // The number of keys among the bot secrets of this rotation period and the previous one in
  // Redis ("rampart:secret:bot:<period>", rotation 1 h); nullopt without an answer.
  std::optional<std::string> SecretKeysInRedis() const {
    const auto now = std::chrono::duration_cast<std::chrono::hours>(
        std::chrono::system_clock::now().time_since_epoch());
    const int64_t period = now.count();
    return redis_.Query({"EXISTS", "rampart:secret:bot:" + std::to_string(period),
                         "rampart:secret:bot:" + std::to_string(period - 1)});
  }

  Origin origin_;  // outlives the nodes
  RedisServer redis_;
  RampartProcess a_;
  RampartProcess b_;
};

#define REQUIRE_REDIS_SERVER()                                                             \
  do {                                                                                     \
    if (!RedisServer::Available()) {                                                       \
      GTEST_SKIP() << RedisServer::kBinary << " not found (apt-get install redis-server)"; \
    }                                                                                      \
  } while (0)

TEST_F(BotClusterTest, ClearanceEarnedOnOneNodePassesOnTheOther) {
  REQUIRE_REDIS_SERVER();
  ASSERT_NO_FATAL_FAILURE(StartNodes(true));
  // B challenges a request without a clearance: a 200 below is the cookie's doing.
  EXPECT_EQ(B().StatusWithCookie(kClient, kUa, "", "/no-cookie"), 403);

  const std::string cookie = WaitForClearanceFromAToPassOnB("/probe");
  ASSERT_FALSE(cookie.empty());
  // The backend gets the request through B.
  EXPECT_EQ(B().StatusWithCookie(kClient, kUa, cookie, "/through-b?x=1"), 200);
  EXPECT_TRUE(origin_.WaitForTarget("/through-b?x=1"));
  // Still A's cookie on A; and one earned on B passes on A.
  EXPECT_EQ(A().StatusWithCookie(kClient, kUa, cookie, "/through-a"), 200);
  const std::string from_b = B().Clearance(kClient);
  ASSERT_FALSE(from_b.empty());
  EXPECT_EQ(A().StatusWithCookie(kClient, kUa, from_b, "/b-cookie-through-a"), 200);
  EXPECT_TRUE(origin_.WaitForTarget("/b-cookie-through-a"));

  // B checks the cookie's bindings as A does: another network, another browser, edited.
  EXPECT_EQ(B().StatusWithCookie("198.51.101.7", kUa, cookie, "/other-network"), 403);
  EXPECT_EQ(B().StatusWithCookie(kClient, "curl/8.6.0", cookie, "/other-agent"), 403);
  std::string edited = cookie;
  edited.back() = edited.back() == '0' ? '1' : '0';
  EXPECT_EQ(B().StatusWithCookie(kClient, kUa, edited, "/edited"), 403);
  for (const char* refused : {"/no-cookie", "/other-network", "/other-agent", "/edited"}) {
    EXPECT_FALSE(origin_.WaitForTarget(refused, Timeout(0))) << refused;
  }

  // The secret is in Redis.
  EXPECT_NE(SecretKeysInRedis().value_or("0"), "0");
}

TEST_F(BotClusterTest, ChallengeFromOneNodeIsAnsweredOnTheOther) {
  REQUIRE_REDIS_SERVER();
  ASSERT_NO_FATAL_FAILURE(StartNodes(true));
  ASSERT_FALSE(WaitForClearanceFromAToPassOnB("/probe").empty());

  const std::string target = "/checkout?step=2";
  auto page = A().As(kClient, target);
  ASSERT_TRUE(page);
  ASSERT_TRUE(IsChallengePage(*page)) << page->raw;
  const PageChallenge challenge = *ParseChallengePage(page->body);
  EXPECT_EQ(challenge.difficulty, 10u);

  // B refuses a wrong nonce for A's token: it checks the proof, it does not wave it through.
  auto wrong = B().Answer(kClient, kUa, target, challenge, WrongNonce(challenge));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403) << wrong->raw;
  EXPECT_FALSE(wrong->Header("Set-Cookie"));

  // The right one earns the clearance there.
  auto answered = B().Answer(kClient, kUa, target, challenge, SolveChallenge(challenge));
  ASSERT_TRUE(answered);
  ASSERT_EQ(answered->status, 204) << answered->raw;
  ASSERT_TRUE(answered->Header("Set-Cookie")) << answered->raw;
  const std::string cookie = CookiePair(*answered->Header("Set-Cookie"));
  EXPECT_EQ(B().StatusWithCookie(kClient, kUa, cookie, target), 200);
  EXPECT_TRUE(origin_.WaitForTarget(target));
  EXPECT_EQ(A().StatusWithCookie(kClient, kUa, cookie, "/checkout?step=3"), 200);

  // B counts only the answers posted to it (the wait above answered on A).
  EXPECT_EQ(Metric(b_, "rampart_bot_challenges_total", {{"result", "solved"}}), 1);
  EXPECT_EQ(
      Metric(b_, "rampart_bot_challenges_total", {{"result", "failed"}, {"reason", "wrong_proof"}}),
      1);
}

TEST_F(BotClusterTest, WithoutSharedStateEachNodeHasItsOwnSecret) {
  ASSERT_NO_FATAL_FAILURE(StartNodes(false));
  // Each node takes the clearance it issued (so a refusal below is not a node that refuses
  // everything). Without a shared backend a node's secrets are its own from the start: there is
  // nothing to wait for.
  const std::string from_a = A().Clearance(kClient);
  const std::string from_b = B().Clearance(kClient);
  ASSERT_FALSE(from_a.empty());
  ASSERT_FALSE(from_b.empty());
  EXPECT_EQ(A().StatusWithCookie(kClient, kUa, from_a, "/a-cookie-through-a"), 200);
  EXPECT_EQ(B().StatusWithCookie(kClient, kUa, from_b, "/b-cookie-through-b"), 200);
  EXPECT_TRUE(origin_.WaitForTarget("/a-cookie-through-a"));
  EXPECT_TRUE(origin_.WaitForTarget("/b-cookie-through-b"));

  // The same client and browser on the other node: challenged again, both ways.
  EXPECT_EQ(B().StatusWithCookie(kClient, kUa, from_a, "/a-cookie-through-b"), 403);
  EXPECT_EQ(A().StatusWithCookie(kClient, kUa, from_b, "/b-cookie-through-a"), 403);
  // A challenge page from A, rightly solved, is refused on B.
  auto page = A().As(kClient, "/checkout");
  ASSERT_TRUE(page);
  ASSERT_TRUE(IsChallengePage(*page)) << page->raw;
  const PageChallenge challenge = *ParseChallengePage(page->body);
  auto answered = B().Answer(kClient, kUa, "/checkout", challenge, SolveChallenge(challenge));
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, 403) << answered->raw;
  EXPECT_FALSE(answered->Header("Set-Cookie"));
  EXPECT_EQ(
      Metric(b_, "rampart_bot_challenges_total", {{"result", "failed"}, {"reason", "forged"}}), 1);

  // Still so after the round the shared case waits for (a fresh cookie from A on B), a few times.
  for (int round = 0; round < 5; ++round) {
    const std::string cookie = A().Clearance(kClient);
    ASSERT_FALSE(cookie.empty());
    EXPECT_EQ(B().StatusWithCookie(kClient, kUa, cookie, "/probe"), 403) << "round " << round;
  }
  for (const char* refused :
       {"/a-cookie-through-b", "/b-cookie-through-a", "/checkout", "/probe"}) {
    EXPECT_FALSE(origin_.WaitForTarget(refused, Timeout(0))) << refused;
  }
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

}  // namespace
}  // namespace rampart::test
