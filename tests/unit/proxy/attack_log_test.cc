#include "proxy/attack_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/chain.h"
#include "pipeline/exchange.h"
#include "pipeline/stage.h"
#include "proxy/log_buffer.h"
#include "support/json.h"
#include "temp_log_file.h"

namespace rampart::proxy {
namespace {

using test::JsonValue;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kEllipsis = "\xe2\x80\xa6";

// True when `s` is well-formed UTF-8 (RFC 3629) with no raw control bytes: what a strict JSON
// lines reader accepts.
bool IsCleanUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    i += len;
  }
  return true;
}

// The record parsed; fails the test when it is not one clean JSON object.
JsonValue Parse(const std::string& line) {
  EXPECT_TRUE(IsCleanUtf8(line)) << line;
  auto value = test::ParseJson(line);
  EXPECT_TRUE(value.has_value()) << line;
  if (!value) return {};
  EXPECT_TRUE(value->is_object()) << line;
  return *value;
}

std::vector<std::string> Keys(const JsonValue& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.object) keys.push_back(key);
  return keys;
}

// The "headers" member as (name, value) pairs.
std::vector<std::pair<std::string, std::string>> Headers(const JsonValue& record) {
  std::vector<std::pair<std::string, std::string>> out;
  const JsonValue* headers = record.Find("headers");
  EXPECT_TRUE(headers != nullptr && headers->is_array());
  if (headers == nullptr) return out;
  for (const JsonValue& pair : headers->array) {
    EXPECT_TRUE(pair.is_array() && pair.array.size() == 2);
    if (pair.array.size() != 2) continue;
    out.emplace_back(pair.array[0].string, pair.array[1].string);
  }
  return out;
}

const JsonValue& RuleAt(const JsonValue& record, size_t i) {
  static const JsonValue kNone;
  const JsonValue* rules = record.Find("rules");
  EXPECT_TRUE(rules != nullptr && rules->is_array() && rules->array.size() > i);
  if (rules == nullptr || rules->array.size() <= i) return kNone;
  return rules->array[i];
}

pipeline::RuleMatch Rule(pipeline::FindingSource source, std::string id, std::string var,
                         std::string data) {
  pipeline::RuleMatch rule;
  rule.source = source;
  rule.id = std::move(id);
  rule.msg = "SQL Injection Attack Detected via libinjection";
  rule.severity = "critical";
  rule.tags = {"application-multi", "attack-sqli"};
  rule.var = std::move(var);
  rule.data = std::move(data);
  return rule;
}

pipeline::Exchange MakeExchange() {
  pipeline::Exchange ex(pipeline::ClientInfo{"192.0.2.7", 40000, false});
  ex.set_request_id("req-1");
  ex.set_route_name("app");
  http::Request& req = ex.request();
  req.method = "GET";
  req.target = "/search?q=1'+or+1=1--";
  req.host = "example.com";
  req.headers.Add("Host", "example.com");
  req.headers.Add("User-Agent", "curl/8.0");
  ex.original_target = req.target;
  return ex;
}

// An exchange on which the WAF blocked one rule, with scores.
pipeline::Exchange BlockedExchange() {
  pipeline::Exchange ex = MakeExchange();
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", "1' or 1=1--"));
  ex.findings().SetScores(5, 0);
  ex.findings().Act(pipeline::FindingSource::kWaf, pipeline::Verdict::kBlocked, 403);
  ex.status = 403;
  return ex;
}

TEST(AttackLogTest, TheRecordHasTheSchemaFieldsInOrder) {
  const std::string line = FormatAttackRecord(BlockedExchange());
  EXPECT_THAT(line, Not(HasSubstr("\n")));
  const JsonValue record = Parse(line);
  EXPECT_THAT(Keys(record), ElementsAre("time", "request_id", "client_ip", "country", "asn",
                                        "method", "host", "uri", "route", "action", "status",
                                        "source", "rules", "scores", "headers", "tls"));
  EXPECT_EQ(record.Find("tls")->type, JsonValue::Type::kNull);  // cleartext
  EXPECT_THAT(record.StringAt("time").value_or(""),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
  EXPECT_EQ(record.StringAt("request_id"), "req-1");
  EXPECT_EQ(record.StringAt("client_ip"), "192.0.2.7");
  EXPECT_EQ(record.StringAt("method"), "GET");
  EXPECT_EQ(record.StringAt("host"), "example.com");
  EXPECT_EQ(record.StringAt("uri"), "/search?q=1'+or+1=1--");
  EXPECT_EQ(record.StringAt("route"), "app");
  EXPECT_EQ(record.StringAt("action"), "blocked");
  EXPECT_EQ(record.NumberAt("status"), 403);
  EXPECT_EQ(record.StringAt("source"), "waf");
  const JsonValue& rule = RuleAt(record, 0);
  EXPECT_THAT(Keys(rule), ElementsAre("source", "id", "msg", "severity", "tags", "var", "data"));
  EXPECT_EQ(rule.StringAt("source"), "waf");
  EXPECT_EQ(rule.StringAt("id"), "942100");
  EXPECT_EQ(rule.StringAt("msg"), "SQL Injection Attack Detected via libinjection");
  EXPECT_EQ(rule.StringAt("severity"), "critical");
  ASSERT_NE(rule.Find("tags"), nullptr);
  ASSERT_EQ(rule.Find("tags")->array.size(), 2u);
  EXPECT_EQ(rule.Find("tags")->array[1].string, "attack-sqli");
  EXPECT_EQ(rule.StringAt("var"), "ARGS:q");
  EXPECT_EQ(rule.StringAt("data"), "1' or 1=1--");
  const JsonValue* scores = record.Find("scores");
  ASSERT_NE(scores, nullptr);
  EXPECT_THAT(Keys(*scores), ElementsAre("inbound", "outbound"));
  EXPECT_EQ(scores->NumberAt("inbound"), 5);
  EXPECT_EQ(scores->NumberAt("outbound"), 0);
}

TEST(AttackLogTest, CountryAndAsnAreNullUntilGeoip) {
  const JsonValue record = Parse(FormatAttackRecord(BlockedExchange()));
  ASSERT_NE(record.Find("country"), nullptr);
  ASSERT_NE(record.Find("asn"), nullptr);
  EXPECT_EQ(record.Find("country")->type, JsonValue::Type::kNull);
  EXPECT_EQ(record.Find("asn")->type, JsonValue::Type::kNull);
}

TEST(AttackLogTest, ScoresAreNullWhenNoStageSetThem) {
  pipeline::Exchange ex = MakeExchange();
  ex.findings().Act(pipeline::FindingSource::kRateLimit, pipeline::Verdict::kRateLimited, 429);
  ex.status = 429;
  const JsonValue record = Parse(FormatAttackRecord(ex));
  ASSERT_NE(record.Find("scores"), nullptr);
  EXPECT_EQ(record.Find("scores")->type, JsonValue::Type::kNull);
  EXPECT_EQ(record.StringAt("action"), "rate_limited");
  EXPECT_EQ(record.StringAt("source"), "rate_limit");
  EXPECT_EQ(record.Find("rules")->array.size(), 0u);
}

TEST(AttackLogTest, ADetectionLogsTheBackendsStatus) {
  pipeline::Exchange ex = MakeExchange();
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", "x"));
  ex.status = 200;
  const JsonValue record = Parse(FormatAttackRecord(ex));
  EXPECT_EQ(record.StringAt("action"), "detected");
  EXPECT_EQ(record.StringAt("source"), "waf");
  EXPECT_EQ(record.NumberAt("status"), 200);
}

TEST(AttackLogTest, StatusIsTheStagesWhenNothingWasSent) {
  pipeline::Exchange ex = BlockedExchange();
  ex.status = 0;  // the client went away before the block page
  EXPECT_EQ(Parse(FormatAttackRecord(ex)).NumberAt("status"), 403);
}

TEST(AttackLogTest, RulesFromSeveralSourcesKeepTheirSource) {
  pipeline::Exchange ex = MakeExchange();
  ex.findings().AddRule(Rule(pipeline::FindingSource::kSignatures, "sqlmap-ua",
                             "REQUEST_HEADERS:User-Agent", "sqlmap"));
  ex.findings().Act(pipeline::FindingSource::kSignatures, pipeline::Verdict::kDetected);
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", "1' or 1=1--"));
  ex.findings().Act(pipeline::FindingSource::kWaf, pipeline::Verdict::kBlocked, 403);
  ex.status = 403;
  const JsonValue record = Parse(FormatAttackRecord(ex));
  EXPECT_EQ(record.StringAt("action"), "blocked");
  EXPECT_EQ(record.StringAt("source"), "waf");
  EXPECT_EQ(RuleAt(record, 0).StringAt("source"), "signatures");
  EXPECT_EQ(RuleAt(record, 0).StringAt("id"), "sqlmap-ua");
  EXPECT_EQ(RuleAt(record, 1).StringAt("source"), "waf");
}

TEST(AttackLogTest, ControlBytesAndInvalidUtf8AreEscaped) {
  pipeline::Exchange ex = MakeExchange();
  ex.original_target = std::string("/a\x01\"b\\c\xff", 8);
  ex.request().method = "G\rT";
  ex.request().headers.Add("X-Evil",
                           std::string("line\r\nInjected: 1\0\x7f\xc3\x28 caf\xc3\xa9", 27));
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "921130", "ARGS:x\n",
                             std::string("\x1b[31mred\xed\xa0\x80", 11)));
  const std::string line = FormatAttackRecord(ex);
  const JsonValue record = Parse(line);  // clean UTF-8, no raw control bytes, valid JSON
  EXPECT_THAT(line, HasSubstr("\\u0001"));
  EXPECT_THAT(line, HasSubstr("\\u000d\\u000a"));
  EXPECT_THAT(line, HasSubstr("\\u001b"));
  EXPECT_EQ(record.StringAt("uri"), "/a\x01\"b\\c\xef\xbf\xbd");
  EXPECT_EQ(record.StringAt("method"), "G\rT");
  EXPECT_EQ(Headers(record).back().second,
            std::string("line\r\nInjected: 1\0\x7f\xef\xbf\xbd( caf\xc3\xa9", 29));
  EXPECT_EQ(RuleAt(record, 0).StringAt("var"), "ARGS:x\n");
  EXPECT_EQ(RuleAt(record, 0).StringAt("data"), "\x1b[31mred\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(AttackLogTest, LongValuesAreCutWithAMarkerAndTheirLength) {
  pipeline::Exchange ex = MakeExchange();
  ex.original_target = "/" + std::string(4999, 'u');
  ex.request().headers.Add("X-Long", std::string(2000, 'h'));
  ex.findings().AddRule(
      Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", std::string(300, 'd')));
  const AttackLogLimits limits;
  const JsonValue record = Parse(FormatAttackRecord(ex, limits));

  const std::string uri = record.StringAt("uri").value_or("");
  EXPECT_THAT(uri, StartsWith("/uuu"));
  EXPECT_THAT(uri, EndsWith(std::string(kEllipsis) + "[5000 bytes]"));
  EXPECT_LE(uri.size(), limits.uri);
  EXPECT_GT(uri.size(), limits.uri - 20);

  const std::string header = Headers(record).back().second;
  EXPECT_THAT(header, EndsWith(std::string(kEllipsis) + "[2000 bytes]"));
  EXPECT_LE(header.size(), limits.value);

  const std::string data = RuleAt(record, 0).StringAt("data").value_or("");
  EXPECT_EQ(data, std::string(200 - 14, 'd') + std::string(kEllipsis) + "[300 bytes]");
}

TEST(AttackLogTest, AValueAtItsBoundIsNotCut) {
  pipeline::Exchange ex = MakeExchange();
  ex.findings().AddRule(
      Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", std::string(200, 'd')));
  EXPECT_EQ(RuleAt(Parse(FormatAttackRecord(ex)), 0).StringAt("data"), std::string(200, 'd'));
}

TEST(AttackLogTest, TheCutCountsEscapedBytesAndKeepsCharactersWhole) {
  pipeline::Exchange ex = MakeExchange();
  // 100 control bytes escape to 600 bytes; 100 euro signs are 300 bytes of UTF-8.
  std::string data(100, '\x01');
  for (int i = 0; i < 100; ++i) data += "\xe2\x82\xac";
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", data));
  const std::string line = FormatAttackRecord(ex);
  const std::string decoded = RuleAt(Parse(line), 0).StringAt("data").value_or("");
  EXPECT_THAT(decoded, EndsWith(std::string(kEllipsis) + "[400 bytes]"));
  // Between its quotes the data takes at most 200 bytes of the line: 31 escapes of 6 bytes and
  // the marker (14 bytes) — not 32 escapes, and no half escape.
  EXPECT_EQ(decoded, std::string(31, '\x01') + std::string(kEllipsis) + "[400 bytes]");

  pipeline::Exchange ex2 = MakeExchange();
  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "\xe2\x82\xac";
  ex2.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", euros));
  const std::string cut = RuleAt(Parse(FormatAttackRecord(ex2)), 0).StringAt("data").value_or("");
  // 186 bytes of room: 62 whole euro signs.
  std::string expected;
  for (int i = 0; i < 62; ++i) expected += "\xe2\x82\xac";
  EXPECT_EQ(cut, expected + std::string(kEllipsis) + "[300 bytes]");
}

TEST(AttackLogTest, CookieAndAuthorizationValuesAreMasked) {
  pipeline::Exchange ex = MakeExchange();
  ex.request().headers.Add("Cookie", "session=s3cr3t-session; theme=dark;flag");
  ex.request().headers.Add("cookie", "second=s3cr3t-two");
  ex.request().headers.Add("Authorization", "Bearer s3cr3t-token");
  ex.request().headers.Add("Proxy-Authorization", "Basic s3cr3t-basic");
  ex.request().headers.Add("Authorization", "s3cr3t-bare");
  ex.request().headers.Add("Set-Cookie", "id=s3cr3t-set; Path=/; HttpOnly");
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", "x"));
  const std::string line = FormatAttackRecord(ex);
  EXPECT_THAT(line, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(
      Headers(Parse(line)),
      ElementsAre(std::pair<std::string, std::string>{"Host", "example.com"},
                  std::pair<std::string, std::string>{"User-Agent", "curl/8.0"},
                  std::pair<std::string, std::string>{"Cookie", "session=***; theme=***; ***"},
                  std::pair<std::string, std::string>{"cookie", "second=***"},
                  std::pair<std::string, std::string>{"Authorization", "Bearer ***"},
                  std::pair<std::string, std::string>{"Proxy-Authorization", "Basic ***"},
                  std::pair<std::string, std::string>{"Authorization", "***"},
                  std::pair<std::string, std::string>{"Set-Cookie", "id=***"}));
}

TEST(AttackLogTest, MatchedDataFromCredentialsIsMasked) {
  pipeline::Exchange ex = MakeExchange();
  ex.findings().AddRule(
      Rule(pipeline::FindingSource::kWaf, "942100", "REQUEST_COOKIES:session", "s3cr3t-1"));
  ex.findings().AddRule(
      Rule(pipeline::FindingSource::kWaf, "942101", "REQUEST_HEADERS:Authorization", "s3cr3t-2"));
  ex.findings().AddRule(
      Rule(pipeline::FindingSource::kWaf, "942102", "request_headers:cookie", "s3cr3t-3"));
  ex.findings().AddRule(
      Rule(pipeline::FindingSource::kWaf, "942103", "REQUEST_COOKIES_NAMES:session", "session"));
  ex.findings().AddRule(
      Rule(pipeline::FindingSource::kWaf, "942104", "REQUEST_HEADERS:User-Agent", "sqlmap"));
  const std::string line = FormatAttackRecord(ex);
  EXPECT_THAT(line, Not(HasSubstr("s3cr3t")));
  const JsonValue record = Parse(line);
  EXPECT_EQ(RuleAt(record, 0).StringAt("data"), "***");
  EXPECT_EQ(RuleAt(record, 0).StringAt("var"), "REQUEST_COOKIES:session");
  EXPECT_EQ(RuleAt(record, 1).StringAt("data"), "***");
  EXPECT_EQ(RuleAt(record, 2).StringAt("data"), "***");
  EXPECT_EQ(RuleAt(record, 3).StringAt("data"), "session");  // names are not secrets
  EXPECT_EQ(RuleAt(record, 4).StringAt("data"), "sqlmap");
}

TEST(AttackLogTest, HeadersKeepTheirOrderAndDuplicates) {
  pipeline::Exchange ex = MakeExchange();
  ex.request().headers.Add("X-Dup", "one");
  ex.request().headers.Add("Accept", "*/*");
  ex.request().headers.Add("x-dup", "two");
  ex.request().headers.Add("Transfer-Encoding", "chunked");
  ex.request().headers.Add("Transfer-Encoding", "identity");
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "920180", "", ""));
  using Pair = std::pair<std::string, std::string>;
  EXPECT_THAT(
      Headers(Parse(FormatAttackRecord(ex))),
      ElementsAre(Pair{"Host", "example.com"}, Pair{"User-Agent", "curl/8.0"}, Pair{"X-Dup", "one"},
                  Pair{"Accept", "*/*"}, Pair{"x-dup", "two"}, Pair{"Transfer-Encoding", "chunked"},
                  Pair{"Transfer-Encoding", "identity"}));
}

TEST(AttackLogTest, HeadersAreTheOnesReceivedNotTheForwardedOnes) {
  pipeline::Exchange ex = MakeExchange();
  ex.request().headers.Add("Connection", "close");
  ex.KeepReceivedHeaders();
  // What the proxy does before forwarding.
  ex.request().headers.Remove("Connection");
  ex.request().headers.Set("Host", "10.0.0.5:9000");
  ex.request().headers.Add("X-Forwarded-For", "192.0.2.7");
  ex.findings().AddRule(Rule(pipeline::FindingSource::kWaf, "942100", "ARGS:q", "x"));
  using Pair = std::pair<std::string, std::string>;
  EXPECT_THAT(Headers(Parse(FormatAttackRecord(ex))),
              ElementsAre(Pair{"Host", "example.com"}, Pair{"User-Agent", "curl/8.0"},
                          Pair{"Connection", "close"}));
}

TEST(AttackLogTest, TagsPerRuleAreBounded) {
  pipeline::Exchange ex = MakeExchange();
  pipeline::RuleMatch rule = Rule(pipeline::FindingSource::kWaf, "1", "ARGS:q", "x");
  rule.tags.assign(100, "tag");
  ex.findings().AddRule(rule);
  AttackLogLimits limits;
  limits.tags = 5;
  EXPECT_EQ(RuleAt(Parse(FormatAttackRecord(ex, limits)), 0).Find("tags")->array.size(), 5u);
}

TEST(AttackLogTest, TheWholeRecordIsBounded) {
  pipeline::Exchange ex = MakeExchange();
  ex.original_target = "/" + std::string(10000, '\x01');
  for (int i = 0; i < 300; ++i) {
    ex.request().headers.Add("X-H" + std::to_string(i), std::string(3000, '\xff'));
  }
  for (int i = 0; i < 500; ++i) {
    pipeline::RuleMatch rule =
        Rule(pipeline::FindingSource::kWaf, std::to_string(i), "ARGS:q", std::string(1000, '"'));
    rule.msg = std::string(5000, 'm');
    ex.findings().AddRule(std::move(rule));
  }
  ex.findings().SetScores(1000, 0);
  const AttackLogLimits limits;
  const std::string line = FormatAttackRecord(ex, limits);
  EXPECT_LE(line.size(), limits.record);
  const JsonValue record = Parse(line);
  const size_t rules = record.Find("rules")->array.size();
  const size_t headers = record.Find("headers")->array.size();
  EXPECT_GT(rules, 0u);
  EXPECT_GT(headers, 0u);
  const JsonValue* omitted = record.Find("omitted");
  ASSERT_NE(omitted, nullptr);
  EXPECT_EQ(omitted->NumberAt("rules"), 500 - static_cast<double>(rules));
  EXPECT_EQ(omitted->NumberAt("headers"), 302 - static_cast<double>(headers));
  EXPECT_EQ(record.Find("scores")->NumberAt("inbound"), 1000);
  // Nothing is left out of an ordinary record.
  EXPECT_EQ(Parse(FormatAttackRecord(BlockedExchange())).Find("omitted"), nullptr);
}

TEST(AttackLogTest, OpenFailsClearlyOnABadPath) {
  // spdlog creates missing directories, so the parent here is a regular file instead.
  testing::TempLogFile file;
  const std::string bad = file.path() + "/attack.log";
  auto log = AttackLog::Open(bad);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.error().message, HasSubstr("cannot open attack log '" + bad + "'"));
}

// ---------------------------------------------------------------------------------------------
// A stage run through the chain, and its record through the worker's batch into a file: the
// path Session::FinishExchange takes.

// Records what it was told to and, when blocking, answers with a 403 page.
class FakeDetector final : public pipeline::Stage {
 public:
  FakeDetector(pipeline::FindingSource source, pipeline::Verdict verdict, std::string rule_id)
      : source_(source), verdict_(verdict), rule_id_(std::move(rule_id)) {}

  pipeline::Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    const std::string* q = ex.request().headers.Get("X-Payload");
    if (q == nullptr) return pipeline::Action::kContinue;
    pipeline::RuleMatch rule;
    rule.source = source_;
    rule.id = rule_id_;
    rule.msg = "payload seen";
    rule.severity = "critical";
    rule.tags = {"test"};
    rule.var = "REQUEST_HEADERS:X-Payload";
    rule.data = *q;
    ex.findings().AddRule(std::move(rule));
    if (source_ == pipeline::FindingSource::kWaf) ex.findings().SetScores(5, 0);
    if (verdict_ != pipeline::Verdict::kBlocked) {
      ex.findings().Act(source_, verdict_);
      return pipeline::Action::kContinue;
    }
    ex.findings().Act(source_, verdict_, 403);
    ex.SetLocalReply(403, "blocked");
    return pipeline::Action::kRespond;
  }

 private:
  pipeline::FindingSource source_;
  pipeline::Verdict verdict_;
  std::string rule_id_;
};

class FakeDetectorFactory final : public pipeline::StageFactory {
 public:
  FakeDetectorFactory(pipeline::FindingSource source, pipeline::Verdict verdict, std::string id)
      : source_(source), verdict_(verdict), id_(std::move(id)) {}
  std::string_view name() const override { return "fake"; }
  std::unique_ptr<pipeline::Stage> Create() const override {
    return std::make_unique<FakeDetector>(source_, verdict_, id_);
  }

 private:
  pipeline::FindingSource source_;
  pipeline::Verdict verdict_;
  std::string id_;
};

// What the session does at the end of an exchange, for the attack log.
void Finish(LogBuffer& buffer, const std::shared_ptr<AttackLog>& log,
            const pipeline::Exchange& ex) {
  if (!ex.findings().empty()) buffer.Add(log->file(), log->FormatRecord(ex));
}

TEST(AttackLogPipelineTest, AStageThroughTheChainToTheFile) {
  testing::TempLogFile file;
  auto opened = AttackLog::Open(file.path());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  const std::shared_ptr<AttackLog> log = opened.value();

  const pipeline::Chain chain({
      std::make_shared<FakeDetectorFactory>(pipeline::FindingSource::kSignatures,
                                            pipeline::Verdict::kDetected, "sig-7"),
      std::make_shared<FakeDetectorFactory>(pipeline::FindingSource::kWaf,
                                            pipeline::Verdict::kBlocked, "942100"),
  });
  EXPECT_TRUE(chain.needs_received_headers());

  LogBuffer buffer;
  // A clean request: no finding, no record.
  {
    pipeline::Exchange ex = MakeExchange();
    ex.KeepReceivedHeaders();
    pipeline::ChainRun run(chain);
    EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
    ex.status = 200;
    run.Complete(ex);
    EXPECT_TRUE(ex.findings().empty());
    Finish(buffer, log, ex);
  }
  // An attack: the signatures stage detects, the WAF blocks.
  {
    pipeline::Exchange ex = MakeExchange();
    ex.set_request_id("attack-1");
    ex.request().headers.Add("X-Payload", "1' or 1=1--\x01");
    ex.request().headers.Add("Cookie", "session=s3cr3t");
    ex.KeepReceivedHeaders();
    ex.request().headers.Set("Host", "10.0.0.5:9000");  // forwarded, not logged
    pipeline::ChainRun run(chain);
    EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kRespond);
    ASSERT_TRUE(ex.local_reply().has_value());
    ex.status = ex.local_reply()->status;
    run.Complete(ex);
    Finish(buffer, log, ex);
  }
  buffer.Flush();

  const std::vector<std::string> lines = file.WaitForLineList(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], Not(HasSubstr("s3cr3t")));
  const JsonValue record = Parse(lines[0]);
  EXPECT_EQ(record.StringAt("request_id"), "attack-1");
  EXPECT_EQ(record.StringAt("action"), "blocked");
  EXPECT_EQ(record.StringAt("source"), "waf");
  EXPECT_EQ(record.NumberAt("status"), 403);
  EXPECT_EQ(record.Find("scores")->NumberAt("inbound"), 5);
  EXPECT_EQ(RuleAt(record, 0).StringAt("source"), "signatures");
  EXPECT_EQ(RuleAt(record, 0).StringAt("id"), "sig-7");
  EXPECT_EQ(RuleAt(record, 1).StringAt("source"), "waf");
  EXPECT_EQ(RuleAt(record, 1).StringAt("data"), "1' or 1=1--\x01");
  using Pair = std::pair<std::string, std::string>;
  EXPECT_THAT(Headers(record),
              ElementsAre(Pair{"Host", "example.com"}, Pair{"User-Agent", "curl/8.0"},
                          Pair{"X-Payload", "1' or 1=1--\x01"}, Pair{"Cookie", "session=***"}));
}

TEST(AttackLogPipelineTest, AReopenedLogGetsOnlyTheRecordsAfterTheReload) {
  testing::TempLogFile old_file;
  testing::TempLogFile new_file;
  auto old_log = AttackLog::Open(old_file.path());
  auto new_log = AttackLog::Open(new_file.path());
  ASSERT_TRUE(old_log.ok() && new_log.ok());
  LogBuffer buffer;
  pipeline::Exchange before = BlockedExchange();
  before.set_request_id("before-reload");
  pipeline::Exchange after = BlockedExchange();
  after.set_request_id("after-reload");
  Finish(buffer, old_log.value(), before);
  Finish(buffer, new_log.value(), after);  // hands the old file its record first
  buffer.Flush();
  const auto old_lines = old_file.WaitForLineList(1);
  const auto new_lines = new_file.WaitForLineList(1);
  ASSERT_EQ(old_lines.size(), 1u);
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_EQ(Parse(old_lines[0]).StringAt("request_id"), "before-reload");
  EXPECT_EQ(Parse(new_lines[0]).StringAt("request_id"), "after-reload");
}

}  // namespace
}  // namespace rampart::proxy
