#include "review/attack_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "pipeline/exchange.h"
#include "proxy/attack_log.h"

namespace rampart::review {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::StartsWith;

// The record of docs/operations.md: a WAF block with two rules, scores and masked headers.
constexpr std::string_view kDocumentedRecord =
    R"({"time":"2026-11-22T19:04:55.669Z","request_id":"4f1c9a0e7b2d4c55a1e3f0b6c8d29e71",)"
    R"("client_ip":"203.0.113.9","country":null,"asn":null,"method":"GET",)"
    R"("host":"shop.example.com","uri":"/search?q=1%27%20or%201=1--","route":"app",)"
    R"("action":"blocked","status":403,"source":"waf","rules":[{"source":"waf","id":"942100",)"
    R"("msg":"SQL Injection Attack Detected via libinjection","severity":"critical",)"
    R"("tags":["application-multi","attack-sqli"],"var":"ARGS:q",)"
    R"("data":"Matched Data: s&1c found within ARGS:q: 1' or 1=1--"},{"source":"waf",)"
    R"j("id":"949110","msg":"Inbound Anomaly Score Exceeded (Total Score: 5)",)j"
    R"("severity":"critical","tags":[],"var":"TX:ANOMALY_SCORE","data":""}],)"
    R"("scores":{"inbound":5,"outbound":0},"headers":[["Host","shop.example.com"],)"
    R"(["User-Agent","sqlmap/1.7"],["Cookie","session=***; theme=***"]],"tls":null})";

// The smallest record the reader takes: the required fields only.
std::string Minimal(std::string_view extra = "") {
  return R"({"time":"2026-11-23T21:07:51.123Z","request_id":"r1","action":"detected","rules":[])" +
         std::string(extra) + "}";
}

// The error message for `line`, or "parsed" when it parsed.
std::string ErrorOf(std::string_view line) {
  auto record = ParseAttackRecord(line);
  return record.ok() ? "parsed" : record.error().message;
}

TEST(ReviewAttackRecord, ReadsTheDocumentedRecord) {
  auto parsed = ParseAttackRecord(kDocumentedRecord);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const AttackRecord& r = parsed.value();
  EXPECT_EQ(r.time, "2026-11-22T19:04:55.669Z");
  EXPECT_EQ(r.time_ms, 1795374295669);
  EXPECT_EQ(r.request_id, "4f1c9a0e7b2d4c55a1e3f0b6c8d29e71");
  EXPECT_EQ(r.client_ip, "203.0.113.9");
  EXPECT_EQ(r.country, "");
  EXPECT_EQ(r.asn, 0u);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.host, "shop.example.com");
  EXPECT_EQ(r.uri, "/search?q=1%27%20or%201=1--");
  EXPECT_EQ(r.path(), "/search");
  EXPECT_EQ(r.route, "app");
  EXPECT_EQ(r.action, "blocked");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.source, "waf");
  ASSERT_EQ(r.rules.size(), 2u);
  EXPECT_EQ(r.rules[0].source, "waf");
  EXPECT_EQ(r.rules[0].id, "942100");
  EXPECT_EQ(r.rules[0].msg, "SQL Injection Attack Detected via libinjection");
  EXPECT_EQ(r.rules[0].severity, "critical");
  EXPECT_THAT(r.rules[0].tags, ElementsAre("application-multi", "attack-sqli"));
  EXPECT_EQ(r.rules[0].var, "ARGS:q");
  EXPECT_EQ(r.rules[0].data, "Matched Data: s&1c found within ARGS:q: 1' or 1=1--");
  EXPECT_EQ(r.rules[1].id, "949110");
  EXPECT_TRUE(r.rules[1].tags.empty());
  EXPECT_EQ(r.rules[1].var, "TX:ANOMALY_SCORE");
  EXPECT_EQ(r.inbound_score, 5);
  EXPECT_EQ(r.outbound_score, 0);
  EXPECT_THAT(r.headers,
              ElementsAre(Pair("Host", "shop.example.com"), Pair("User-Agent", "sqlmap/1.7"),
                          Pair("Cookie", "session=***; theme=***")));
  EXPECT_EQ(r.line, kDocumentedRecord);
}

TEST(ReviewAttackRecord, ReadsBackWhatTheAttackLogWrites) {
  pipeline::Exchange ex(pipeline::ClientInfo{"2001:db8::7", 40000, false});
  ex.set_request_id("req-42");
  ex.set_route_name("api");
  ex.set_geo({"DE", 64500});
  http::Request& req = ex.request();
  req.method = "POST";
  req.target = "/api/items?x=\"1\"";
  req.host = "api.example.com";
  req.headers.Add("Host", "api.example.com");
  req.headers.Add("User-Agent", "curl/8.0\x01");
  ex.original_target = req.target;
  pipeline::RuleMatch rule;
  rule.source = pipeline::FindingSource::kSignatures;
  rule.id = "sig:scanner";
  rule.msg = "scanner \"x\"";
  rule.severity = "warning";
  rule.tags = {"scanner"};
  rule.var = "REQUEST_HEADERS:User-Agent";
  rule.data = "curl";
  ex.findings().AddRule(rule);
  ex.findings().Act(pipeline::FindingSource::kSignatures, pipeline::Verdict::kChallenged, 200);
  ex.status = 200;

  const std::string line = proxy::FormatAttackRecord(ex);
  auto parsed = ParseAttackRecord(line);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << line;
  const AttackRecord& r = parsed.value();
  EXPECT_EQ(FormatRfc3339Ms(r.time_ms), r.time);
  EXPECT_EQ(r.request_id, "req-42");
  EXPECT_EQ(r.client_ip, "2001:db8::7");
  EXPECT_EQ(r.country, "DE");
  EXPECT_EQ(r.asn, 64500u);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.host, "api.example.com");
  EXPECT_EQ(r.uri, "/api/items?x=\"1\"");
  EXPECT_EQ(r.route, "api");
  EXPECT_EQ(r.action, "challenged");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.source, "signatures");
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0].source, "signatures");
  EXPECT_EQ(r.rules[0].id, "sig:scanner");
  EXPECT_EQ(r.rules[0].msg, "scanner \"x\"");
  EXPECT_EQ(r.rules[0].severity, "warning");
  EXPECT_THAT(r.rules[0].tags, ElementsAre("scanner"));
  EXPECT_EQ(r.rules[0].var, "REQUEST_HEADERS:User-Agent");
  EXPECT_EQ(r.rules[0].data, "curl");
  EXPECT_FALSE(r.inbound_score.has_value());  // no stage scored it: "scores":null
  EXPECT_FALSE(r.outbound_score.has_value());
  EXPECT_THAT(r.headers,
              ElementsAre(Pair("Host", "api.example.com"), Pair("User-Agent", "curl/8.0\x01")));
  EXPECT_EQ(r.line, line);
}

TEST(ReviewAttackRecord, FieldsNotLoggedTakeTheirDefaults) {
  auto parsed = ParseAttackRecord(Minimal());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const AttackRecord& r = parsed.value();
  EXPECT_EQ(r.time_ms, 1795468071123);
  EXPECT_EQ(r.request_id, "r1");
  EXPECT_EQ(r.action, "detected");
  EXPECT_EQ(r.client_ip, "");
  EXPECT_EQ(r.asn, 0u);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.source, "");
  EXPECT_EQ(r.uri, "");
  EXPECT_EQ(r.path(), "");
  EXPECT_TRUE(r.rules.empty());
  EXPECT_TRUE(r.headers.empty());
  EXPECT_FALSE(r.inbound_score.has_value());
}

TEST(ReviewAttackRecord, UnknownFieldsAreIgnored) {
  auto parsed = ParseAttackRecord(
      Minimal(R"(,"tls":{"version":"TLSv1.3","ja4":"t13"},"omitted":{"rules":2,"headers":0},)"
              R"("future":[1,{"x":null}],"status":451)"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->status, 451);
}

TEST(ReviewAttackRecord, AScoreMayBeMissingFromScores) {
  auto parsed = ParseAttackRecord(Minimal(R"(,"scores":{"inbound":12})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->inbound_score, 12);
  EXPECT_FALSE(parsed->outbound_score.has_value());
}

TEST(ReviewAttackRecord, ErrorsNameWhatIsWrong) {
  EXPECT_THAT(ErrorOf(""), StartsWith("not JSON: "));
  EXPECT_THAT(ErrorOf(R"({"time":"2026-11-23T21:07:51Z",)"), StartsWith("not JSON: "));
  EXPECT_EQ(ErrorOf(R"(["time"])"), "not a JSON object");
  EXPECT_EQ(ErrorOf(R"({"request_id":"r","action":"blocked","rules":[]})"),
            "field 'time': missing");
  EXPECT_EQ(ErrorOf(R"({"time":17,"request_id":"r","action":"blocked","rules":[]})"),
            "field 'time': expected a string");
  EXPECT_EQ(ErrorOf(R"({"time":"yesterday","request_id":"r","action":"blocked","rules":[]})"),
            "field 'time': not an RFC 3339 time");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-23T21:07:51Z","action":"blocked","rules":[]})"),
            "field 'request_id': missing");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-23T21:07:51Z","request_id":null,"action":"x",)"
                    R"("rules":[]})"),
            "field 'request_id': expected a string");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-23T21:07:51Z","request_id":"r","rules":[]})"),
            "field 'action': missing");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-23T21:07:51Z","request_id":"r","action":"blocked"})"),
            "field 'rules': missing");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-23T21:07:51Z","request_id":"r","action":"blocked",)"
                    R"("rules":{}})"),
            "field 'rules': expected an array");
}

TEST(ReviewAttackRecord, KnownFieldsMustHaveTheirTypes) {
  EXPECT_EQ(ErrorOf(Minimal(R"(,"status":"403")")), "field 'status': expected an integer");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"status":403.5)")), "field 'status': expected an integer");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"country":1)")), "field 'country': expected a string");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"asn":-1)")), "field 'asn': out of range");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"asn":4294967296)")), "field 'asn': out of range");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"scores":[5,0])")), "field 'scores': expected an object");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"scores":{"inbound":"5"})")),
            "field 'scores.inbound': expected an integer");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"headers":[["Host"]])")),
            "field 'headers': expected [name, value] pairs of strings");
  EXPECT_EQ(ErrorOf(Minimal(R"(,"headers":{"Host":"x"})")), "field 'headers': expected an array");
  const std::string bad_rule =
      R"({"time":"2026-11-23T21:07:51Z","request_id":"r","action":"blocked",)"
      R"("rules":[{"id":"1"},{"id":942100}]})";
  EXPECT_EQ(ErrorOf(bad_rule), "field 'rules[1].id': expected a string");
  const std::string bad_tags =
      R"({"time":"2026-11-23T21:07:51Z","request_id":"r","action":"blocked",)"
      R"("rules":[{"id":"1","tags":"attack-sqli"}]})";
  EXPECT_EQ(ErrorOf(bad_tags), "field 'rules[0].tags': expected an array");
  const std::string not_object =
      R"({"time":"2026-11-23T21:07:51Z","request_id":"r","action":"blocked","rules":["942100"]})";
  EXPECT_EQ(ErrorOf(not_object), "field 'rules[0]': expected an object");
}

TEST(ReviewAttackRecord, PathIsTheUriBeforeTheQuery) {
  AttackRecord r;
  r.uri = "/blog/post?id=1?x";
  EXPECT_EQ(r.path(), "/blog/post");
  r.uri = "/plain";
  EXPECT_EQ(r.path(), "/plain");
  r.uri = "?only=query";
  EXPECT_EQ(r.path(), "");
}

TEST(ReviewAttackRecord, ParsesRfc3339Forms) {
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23T21:07:51.123Z"), 1795468071123);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23T21:07:51Z"), 1795468071000);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23T21:07:51"), 1795468071000);  // no zone: UTC
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23t21:07:51.123z"), 1795468071123);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23 21:07:51.123Z"), 1795468071123);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23T23:07:51.123+02:00"), 1795468071123);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23T15:37:51.123-05:30"), 1795468071123);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23T21:07:51.5Z"), 1795468071500);
  EXPECT_EQ(ParseRfc3339Ms("2026-11-23T21:07:51.123999Z"), 1795468071123);  // cut, not rounded
  EXPECT_EQ(ParseRfc3339Ms("2024-02-29T12:00:00Z"), 1709208000000);
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Ms("1969-12-31T23:59:59.999Z"), -1);
}

TEST(ReviewAttackRecord, RefusesWhatIsNotAnRfc3339Time) {
  for (const std::string_view text :
       {"", "2026-11-23", "2026-11-23T21:07Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T21:60:00Z",
        "2026-11-23T21:07:51.Z", "2026-11-23T21:07:51+0200", "2026-11-23T21:07:51+24:00",
        "2026-11-23T21:07:51Zjunk", "2026-11-23X21:07:51Z", "20261123T210751Z",
        "2026-1-23T21:07:51Z", " 2026-11-23T21:07:51Z"}) {
    EXPECT_EQ(ParseRfc3339Ms(text), std::nullopt) << text;
  }
}

TEST(ReviewAttackRecord, FormatsMillisecondsAsRfc3339) {
  EXPECT_EQ(FormatRfc3339Ms(1795468071123), "2026-11-23T21:07:51.123Z");
  EXPECT_EQ(FormatRfc3339Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Ms(1709208000007), "2024-02-29T12:00:00.007Z");
  for (const int64_t ms : {int64_t{1795374295669}, int64_t{951782400000}, int64_t{-86400001}}) {
    EXPECT_EQ(ParseRfc3339Ms(FormatRfc3339Ms(ms)), ms);
  }
}

}  // namespace
}  // namespace rampart::review
