// The signatures stage in the real binary with a test pack: each action (block, log, score up
// to the route's threshold, challenge), host scope, a body signature, `rampart check` on a
// broken pack, and a reload with one (the old signatures stay).

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/attack_records.h"
#include "support/client.h"
#include "support/json.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr char kTestPack[] = R"(pack: test
description: one signature per action
signatures:
  - {id: 1, description: a blocked tool, literals: ["evil-scanner"], where: [user_agent], flags: [caseless], action: block}
  - {id: 2, description: a logged probe, literals: ["/probe-me"], where: [path], action: log}
  - {id: 3, description: score a, literals: ["score-a"], where: [arg_values], action: score 5}
  - {id: 4, description: score b, literals: ["score-b"], where: [arg_values], action: score 5}
  - {id: 5, description: scoped to one host, literals: ["scoped"], where: [query], action: block, scope: {hosts: [api.example]}}
  - {id: 6, description: challenged, literals: ["challenge-me"], where: ["header:X-Test"], action: challenge}
  - {id: 7, description: in the body, regex: 'body-ba+d', where: [body], action: block}
)";

class SignaturesTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }
  std::string PackDir() const { return rampart_.dir() + "/packs"; }

  void Start(const std::string& pack = kTestPack) {
    std::filesystem::create_directories(PackDir());
    WriteFile(PackDir() + "/test.yaml", pack);
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.route_lines = {"signatures: {block_score: 10}"};
    options.extra = "  attack_log: " + AttackLogPath() + "\n" +  // continues logging:
                    "signatures: {dir: " + PackDir() + "}\n";
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // One request on a fresh connection; waits for its access-log line, so that the attack
  // log (written before it) is complete for it too.
  std::optional<HttpResponse> Send(const std::string& method, const std::string& target,
                                   HeaderList headers, const std::string& body = "") {
    headers.emplace_back("Connection", "close");
    Client c;
    if (!c.Connect(port())) return std::nullopt;
    auto r = c.Request(method, target, headers, body);
    ++requests_;
    EXPECT_EQ(WaitForFileLines(AccessLogPath(), requests_).size(), requests_);
    return r;
  }
  std::optional<HttpResponse> Get(const std::string& target, HeaderList headers = {}) {
    if (headers.empty()) headers = {{"Host", "shop.example"}};
    return Send("GET", target, headers);
  }
  // The attack-log records, once there are `count` (it is written off the request's path, so a
  // record may land after the access-log line).
  std::vector<JsonValue> Records(size_t count) {
    std::vector<JsonValue> out;
    for (const std::string& line : WaitForFileLines(AttackLogPath(), count)) {
      if (auto json = ParseJson(line)) out.push_back(std::move(*json));
    }
    return out;
  }

  size_t requests_ = 0;
};

TEST_F(SignaturesTest, BlockAnswersTheBlockPageBeforeTheOrigin) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto r = Get("/", {{"Host", "shop.example"}, {"User-Agent", "Evil-Scanner/2.0"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("Request ID"), std::string::npos);
  EXPECT_EQ(origin_.RequestCount(), 0u);
  auto records = Records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("action"), "blocked");
  EXPECT_EQ(records[0].StringAt("source"), "signatures");
  EXPECT_TRUE(RecordHasRule(records[0], "1"));
}

TEST_F(SignaturesTest, LogRecordsAndLetsThrough) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto r = Get("/probe-me");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(origin_.RequestCount(), 1u);
  auto records = Records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("action"), "detected");
  EXPECT_TRUE(RecordHasRule(records[0], "2"));
}

TEST_F(SignaturesTest, ScoresAddUpToTheRouteThreshold) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto one = Get("/?a=score-a");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);  // 5 < 10
  auto both = Get("/?a=score-a&b=score-b");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->status, 403);  // 10
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

TEST_F(SignaturesTest, ScopeLimitsASignatureToItsHosts) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto other = Get("/?x=scoped", {{"Host", "shop.example"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  auto scoped = Get("/?x=scoped", {{"Host", "API.example:8080"}});
  ASSERT_TRUE(scoped);
  EXPECT_EQ(scoped->status, 403);
}

TEST_F(SignaturesTest, ChallengeBlocksUntilTheBotStageExists) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto r = Get("/", {{"Host", "shop.example"}, {"X-Test", "please challenge-me"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

TEST_F(SignaturesTest, BodySignatureSeesTheBufferedBody) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto clean = Send("POST", "/upload", {{"Host", "shop.example"}, {"Content-Type", "text/plain"}},
                    "a perfectly good body");
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->status, 200);
  auto bad = Send("POST", "/upload", {{"Host", "shop.example"}, {"Content-Type", "text/plain"}},
                  "some text, then body-baaad");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403);
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

constexpr char kBrokenPack[] = R"(pack: test
signatures:
  - {id: 1, description: fine, literals: ["fine"], where: [path], action: block}
  - {id: 2, description: backref, regex: '(a)\1', where: [path], action: block}
)";

TEST_F(SignaturesTest, CheckNamesTheFileAndLineOfABadRegex) {
  std::filesystem::create_directories(PackDir());
  WriteFile(PackDir() + "/test.yaml", kBrokenPack);
  ConfigOptions options;
  options.backend_ports = {origin_.port()};
  options.route_lines = {"signatures: {}"};
  options.extra = "signatures: {dir: " + PackDir() + "}\n";
  rampart_.WriteConfig(MakeConfig(rampart_.dir(), options));
  CommandResult r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(PackDir() + "/test.yaml:4: regex: Back-references are unsupported"),
            std::string::npos)
      << r.err;
}

TEST_F(SignaturesTest, ReloadWithABrokenPackKeepsTheOldSignatures) {
  ASSERT_NO_FATAL_FAILURE(Start());
  WriteFile(PackDir() + "/test.yaml", kBrokenPack);
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: refused", kDefaultTimeout, from)) << rampart_.Log();
  auto r = Get("/", {{"Host", "shop.example"}, {"User-Agent", "evil-scanner"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
}

}  // namespace
}  // namespace rampart::test
