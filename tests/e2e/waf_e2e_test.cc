// The waf stage in the real binary with the installed OWASP CRS (skipped without
// /usr/share/modsecurity-crs): block and detect modes, clean requests, an exclusion, a form
// body attack, `rampart check` on a broken rule file, and a reload with one (old rules stay).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/attack_records.h"
#include "support/client.h"
#include "support/json.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

// id=1' OR 1=1-- , percent-encoded.
constexpr char kSqliTarget[] = "/?id=1%27%20OR%201%3D1--";

class WafTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }

  ConfigOptions Options(const std::string& waf) const {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.route_lines = {"waf: " + waf};
    options.extra = "  attack_log: " + AttackLogPath() + "\n";  // continues logging:
    return options;
  }
  void Start(const std::string& waf) { ASSERT_NO_FATAL_FAILURE(StartRampart(Options(waf))); }

  // The attack log's only record, once there is one.
  std::optional<JsonValue> OneAttackRecord() {
    const std::vector<std::string> lines = WaitForFileLines(AttackLogPath(), 1);
    EXPECT_EQ(lines.size(), 1u);
    if (lines.empty()) return std::nullopt;
    auto json = ParseJson(lines.front());
    EXPECT_TRUE(json.has_value()) << lines.front();
    return json;
  }
};

TEST_F(WafTest, BlockModeAnswersTheBlockPageAndLogsTheAttack) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto r = Get(kSqliTarget);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  auto id = r->Header("X-Request-Id");
  ASSERT_TRUE(id.has_value());
  EXPECT_FALSE(id->empty());
  EXPECT_NE(r->body.find(*id), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("942100"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("SQL"), std::string::npos) << r->body;

  auto record = OneAttackRecord();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked");
  EXPECT_EQ(record->StringAt("source"), "waf");
  EXPECT_EQ(record->StringAt("request_id"), *id);
  EXPECT_TRUE(RecordHasRule(*record, "942100"));
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

TEST_F(WafTest, BlockPageTemplateFromConfig) {
  REQUIRE_CRS();
  const std::string page = rampart_.dir() + "/blocked.html";
  WriteFile(page, "<html><body>Denied. Reference: {{request_id}}</body></html>\n");
  ConfigOptions options = Options("{mode: block}");
  options.extra += "waf:\n  block_page: " + page + "\n";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  auto r = Get(kSqliTarget);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  auto id = r->Header("X-Request-Id");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(r->body, "<html><body>Denied. Reference: " + *id + "</body></html>\n");
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

TEST_F(WafTest, DetectModeLetsTheAttackThroughAndLogsIt) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: detect}"));
  auto r = Get(kSqliTarget);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, Origin::kDefaultBody);
  EXPECT_EQ(origin_.RequestCount(), 1u);
  auto record = OneAttackRecord();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "detected");
  EXPECT_TRUE(RecordHasRule(*record, "942100"));
}

TEST_F(WafTest, CleanRequestPassesAndLogsNoAttack) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  // A named host: CRS scores a numeric Host (920350), which the default would be.
  auto r = Get("/products/42?sort=price&page=2",
               {{"Host", "shop.example"},
                {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"},
                {"Accept", "text/html"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(origin_.RequestCount(), 1u);
  ASSERT_EQ(WaitForFileLines(AccessLogPath(), 1).size(), 1u);
  EXPECT_EQ(FileSize(AttackLogPath()), 0);
}

TEST_F(WafTest, ExclusionByIdLetsTheRequestThrough) {
  REQUIRE_CRS();
  // 942100 (libinjection) is what scores this payload at paranoia 1: without it, it passes.
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, exclusions: [{id: 942100}]}"));
  auto r = Get(kSqliTarget);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

TEST_F(WafTest, FormBodyAttackIsBlockedBeforeTheOrigin) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  const std::string body = "user=bob&id=1%27%20OR%201%3D1--";
  Client c = Connect();
  ASSERT_TRUE(
      c.Send("POST /submit HTTP/1.1\r\nHost: localhost\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 403);
  auto record = OneAttackRecord();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked");
  EXPECT_TRUE(RecordHasRule(*record, "942100"));
  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_EQ(origin_.AcceptedConnections(), 0u);
}

constexpr char kBrokenRules[] =
    "# a rule file with a syntax error on line 3\n"
    "SecAction \"id:1000,phase:1,pass,nolog\"\n"
    "SecRule ARGS \"@rx x\" \"id:1001,phase:2,deny,bogusaction\"\n";

TEST_F(WafTest, CheckFailsOnABrokenBeforeCrsFileWithFileAndLine) {
  REQUIRE_CRS();
  const std::string rules = rampart_.dir() + "/before.conf";
  WriteFile(rules, kBrokenRules);
  rampart_.WriteConfig(
      MakeConfig(rampart_.dir(), Options("{mode: block, before_crs: [" + rules + "]}")));
  CommandResult r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("routes[0].waf: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(rules + ":3"), std::string::npos) << r.err;
}

TEST_F(WafTest, ReloadWithABrokenRuleFileKeepsTheOldRules) {
  REQUIRE_CRS();
  const std::string rules = rampart_.dir() + "/before.conf";
  WriteFile(rules, "# nothing yet\n");
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, before_crs: [" + rules + "]}"));
  auto r = Get(kSqliTarget);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);

  WriteFile(rules, kBrokenRules);
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: refused", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine(rules + ":3", kDefaultTimeout, from)) << rampart_.Log();

  r = Get(kSqliTarget);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = Get("/clean");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

}  // namespace
}  // namespace rampart::test
