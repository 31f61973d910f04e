// More of the waf stage in the real binary with the installed OWASP CRS (skipped without
// /usr/share/modsecurity-crs): exclusions by tag and by target, JSON/XML/multipart bodies and a
// malformed JSON one, the request body limit (reject, inspect_partial), response inspection,
// detect mode for each, and the memory of many reloads (each one parses CRS again).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/attack_records.h"
#include "support/client.h"
#include "support/json.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

// 1' OR 1=1-- : what CRS 942100 (libinjection) scores at paranoia 1.
constexpr char kSqli[] = "1' OR 1=1--";
constexpr char kSqliEncoded[] = "1%27%20OR%201%3D1--";
// A named host: CRS scores a numeric Host (920350).
constexpr char kHost[] = "shop.example";
// What MySQL answers to a broken query: CRS's RESPONSE-951 (SQL error leakage) matches it.
constexpr char kSqlErrorText[] =
    "You have an error in your SQL syntax; check the manual that corresponds to your MySQL "
    "server version for the right syntax to use near ''' at line 1\n";

// A rule of CRS's response data-leakage files (RESPONSE-950..959: ids 950000-959999).
bool RecordHasResponseRule(const JsonValue& record) {
  for (const std::string& r : RuleIds(record)) {
    if (r.size() == 6 && r.rfind("95", 0) == 0) return true;
  }
  return false;
}

std::string Describe(const JsonValue& record) {
  std::string out = "action=" + record.StringAt("action").value_or("?") + " rules=";
  for (const std::string& r : RuleIds(record)) out += r + ",";
  return out;
}

std::string MultipartBody(const std::string& boundary, const std::string& name,
                          const std::string& value) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nbob\r\n--" +
         boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
         "\r\n--" + boundary + "--\r\n";
}

constexpr char kBoundary[] = "----rampartBoundary7MA4YWxkTrZu0gW";

// The echo's request body is text/plain, which CRS 3.3 does not allow by default (920420).
constexpr char kEchoTypes[] =
    "allowed_content_types: [application/x-www-form-urlencoded, multipart/form-data, "
    "application/json, text/plain], ";

class WafMoreTest : public ProxyTest {
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

  // One worker, in block mode, with a rule whose inspection of an argument `wait` runs a script
  // (@inspectFile) that waits until the file `release` exists (30 s at most).
  void StartWithASlowRule(const std::string& release, const std::string& waf_extra = "",
                          const std::string& config_extra = "") {
    const std::string script = rampart_.dir() + "/wait.sh";
    WriteFile(script,
              "#!/bin/sh\n"
              "for i in $(seq 600); do [ -e '" +
                  release +
                  "' ] && break; sleep 0.05; done\n"
                  "echo 0\n");  // 0: no match
    ASSERT_EQ(chmod(script.c_str(), 0755), 0);
    const std::string rules = rampart_.dir() + "/wait.conf";
    WriteFile(rules, "SecRule ARGS:wait \"@inspectFile " + script +
                         "\" \"id:10200,phase:2,pass,nolog\"\n");
    ConfigOptions options = Options("{mode: block, after_crs: [" + rules + "]" + waf_extra + "}");
    options.workers = 1;
    options.extra += config_extra;  // after the attack_log line, which continues logging:
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // One request on a fresh connection, with a named Host and Connection: close. Waits for its
  // access log line, so that the attack log (written before it) is complete for it too.
  std::optional<HttpResponse> Send(const std::string& method, const std::string& target,
                                   const std::string& content_type = "",
                                   const std::string& body = "") {
    HeaderList headers = {{"Host", kHost}, {"Connection", "close"}};
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    Client c;
    if (!c.Connect(port())) {
      ADD_FAILURE() << "connect: " << c.error();
      return std::nullopt;
    }
    auto r = c.Request(method, target, headers, body);
    if (!r) {
      ADD_FAILURE() << method << " " << target << ": " << c.error();
      return std::nullopt;
    }
    ++requests_;
    EXPECT_EQ(WaitForFileLines(AccessLogPath(), requests_).size(), requests_);
    return r;
  }
  std::optional<HttpResponse> Get(const std::string& target) { return Send("GET", target); }

  // Attack log record number `index` (0-based), once there is one.
  std::optional<JsonValue> AttackRecord(size_t index) {
    const std::vector<std::string> lines = WaitForFileLines(AttackLogPath(), index + 1);
    EXPECT_GT(lines.size(), index);
    if (lines.size() <= index) return std::nullopt;
    auto json = ParseJson(lines[index]);
    EXPECT_TRUE(json.has_value()) << lines[index];
    return json;
  }

  size_t requests_ = 0;
};

// --- exclusions ----------------------------------------------------------------------------

TEST_F(WafMoreTest, ExclusionByTagRemovesEveryRuleWithTheTag) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, exclusions: [{tag: attack-sqli}]}"));
  auto r = Get(std::string("/?id=") + kSqliEncoded);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(origin_.RequestCount(), 1u);
  // Other attack classes are still blocked.
  r = Get("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

TEST_F(WafMoreTest, ExclusionByTargetSparesOnlyThatArgument) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: block, exclusions: [{id: 942100, target: \"ARGS:comment\"}]}"));
  auto r = Get(std::string("/?comment=") + kSqliEncoded);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(origin_.RequestCount(), 1u);
  r = Get(std::string("/?id=") + kSqliEncoded);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(origin_.RequestCount(), 1u);
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked");
  EXPECT_TRUE(RecordHasRule(*record, "942100")) << Describe(*record);
}

TEST_F(WafMoreTest, DetectModeWithATargetExclusionLogsOnlyTheOtherArgument) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: detect, exclusions: [{id: 942100, target: \"ARGS:comment\"}]}"));
  auto r = Get(std::string("/?comment=") + kSqliEncoded);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(FileSize(AttackLogPath()), 0);
  r = Get(std::string("/?id=") + kSqliEncoded);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(origin_.RequestCount(), 2u);
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "detected");
  EXPECT_TRUE(RecordHasRule(*record, "942100")) << Describe(*record);
}

// --- request bodies ------------------------------------------------------------------------

TEST_F(WafMoreTest, JsonBodyAttackIsBlocked) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto r = Send("POST", "/api/items", "application/json",
                std::string(R"({"name": "x", "id": ")") + kSqli + "\"}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked");
  EXPECT_TRUE(RecordHasRule(*record, "942100")) << Describe(*record);
  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_EQ(origin_.AcceptedConnections(), 0u);
}

TEST_F(WafMoreTest, CleanJsonBodyPasses) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto r = Send("POST", "/api/items", "application/json",
                R"({"name": "blue shirt", "size": "M", "qty": 2})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(origin_.RequestCount(), 1u);
  EXPECT_EQ(FileSize(AttackLogPath()), 0);
}

TEST_F(WafMoreTest, MalformedJsonIsRefusedWith400) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto r = Send("POST", "/api/items", "application/json", R"({"name": "x", "id": )");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked");
  EXPECT_TRUE(RecordHasRule(*record, "200002")) << Describe(*record);
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

TEST_F(WafMoreTest, XmlBodyAttackIsBlocked) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto r = Send("POST", "/api/items", "application/xml",
                std::string("<?xml version=\"1.0\"?><item><id>") + kSqli + "</id></item>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked");
  EXPECT_TRUE(RecordHasRule(*record, "942100")) << Describe(*record);
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

TEST_F(WafMoreTest, MultipartFieldAttackIsBlocked) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto r = Send("POST", "/upload", std::string("multipart/form-data; boundary=") + kBoundary,
                MultipartBody(kBoundary, "id", kSqli));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked");
  EXPECT_TRUE(RecordHasRule(*record, "942100")) << Describe(*record);
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

TEST_F(WafMoreTest, CleanMultipartPasses) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  const std::string body = MultipartBody(kBoundary, "note", "see you on tuesday");
  auto r = Send("POST", "/upload", std::string("multipart/form-data; boundary=") + kBoundary, body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  auto seen = origin_.LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->body, body);
  EXPECT_EQ(FileSize(AttackLogPath()), 0);
}

TEST_F(WafMoreTest, DetectModeRecordsBodyAttacksWithoutBlocking) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: detect}"));
  struct Case {
    const char* what;
    std::string content_type;
    std::string body;
    const char* rule;
  };
  const std::vector<Case> cases = {
      {"json", "application/json", std::string(R"({"id": ")") + kSqli + "\"}", "942100"},
      {"malformed json", "application/json", R"({"id": )", "200002"},
      {"xml", "application/xml",
       std::string("<?xml version=\"1.0\"?><a><id>") + kSqli + "</id></a>", "942100"},
      {"multipart", std::string("multipart/form-data; boundary=") + kBoundary,
       MultipartBody(kBoundary, "id", kSqli), "942100"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].what);
    auto r = Send("POST", "/api/items", cases[i].content_type, cases[i].body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(origin_.RequestCount(), i + 1);
    auto record = AttackRecord(i);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->StringAt("action"), "detected");
    EXPECT_TRUE(RecordHasRule(*record, cases[i].rule)) << Describe(*record);
  }
  auto seen = origin_.Requests();
  ASSERT_EQ(seen.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(seen[i].body, cases[i].body);
}

// --- body limit ----------------------------------------------------------------------------

TEST_F(WafMoreTest, BodyOverTheLimitIsRefusedWith413) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, request_body: {limit: 1KiB, over_limit: reject}}"));
  const std::string form = "note=" + std::string(900, 'a');
  auto r = Send("POST", "/submit", "application/x-www-form-urlencoded", form);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(origin_.RequestCount(), 1u);

  r = Send("POST", "/submit", "application/x-www-form-urlencoded",
           "note=" + std::string(2000, 'a'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

// The 413 comes from the declared length, before a byte of the body is sent.
TEST_F(WafMoreTest, DeclaredLengthOverTheLimitIsRefusedBeforeTheBody) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, request_body: {limit: 1KiB, over_limit: reject}}"));
  Client c;
  ASSERT_TRUE(c.Connect(port()));
  ASSERT_TRUE(c.Send(std::string("POST /submit HTTP/1.1\r\nHost: ") + kHost +
                     "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: 500000\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.IsClosedByPeer());
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

// A chunked body is read only one chunk past the limit, not up to the route's body limit.
TEST_F(WafMoreTest, ChunkedBodyOverTheLimitIsRefusedWithoutWaitingForItsEnd) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, request_body: {limit: 1KiB, over_limit: reject}}"));
  Client c;
  ASSERT_TRUE(c.Connect(port()));
  ASSERT_TRUE(c.Send(std::string("POST /submit HTTP/1.1\r\nHost: ") + kHost +
                     "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n7d0\r\nnote=" +
                     std::string(1995, 'a') + "\r\n"));  // 2000 bytes, and no last chunk
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

// inspect_partial buffers the first bytes only; the rest of a body far larger than the limit
// streams through unchanged.
TEST_F(WafMoreTest, InspectPartialStreamsTheRestOfALargeBody) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: block, request_body: {limit: 1KiB, over_limit: inspect_partial}}"));
  std::string body = "note=";
  while (body.size() < 600 * 1024) body += "lorem ipsum dolor sit amet ";
  for (const char* type : {"content-length", "chunked"}) {
    SCOPED_TRACE(type);
    Client c;
    ASSERT_TRUE(c.Connect(port()));
    const bool chunked = std::string(type) == "chunked";
    std::string head = std::string("POST /submit HTTP/1.1\r\nHost: ") + kHost +
                       "\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    if (chunked) {
      std::string chunks;
      for (size_t at = 0; at < body.size(); at += 10000) {
        const std::string part = body.substr(at, 10000);
        char size_line[32];
        std::snprintf(size_line, sizeof(size_line), "%zx\r\n", part.size());
        chunks += size_line + part + "\r\n";
      }
      ASSERT_TRUE(c.Send(head + "Transfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n"));
    } else {
      ASSERT_TRUE(
          c.Send(head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    }
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200) << r->body;
    auto seen = origin_.LastRequest();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->body.size(), body.size());
    EXPECT_TRUE(seen->body == body);
  }
}

TEST_F(WafMoreTest, DetectModeLetsABodyOverTheLimitThrough) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: detect, request_body: {limit: 1KiB, over_limit: reject}}"));
  const std::string body = "note=" + std::string(2000, 'a');
  auto r = Send("POST", "/submit", "application/x-www-form-urlencoded", body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  auto seen = origin_.LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->body, body);
}

TEST_F(WafMoreTest, InspectPartialInspectsOnlyTheFirstLimitBytes) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: block, request_body: {limit: 1KiB, over_limit: inspect_partial}}"));
  const std::string pad = "note=" + std::string(2000, 'a');
  const std::string attack = std::string("id=") + kSqliEncoded;

  // The attack past the first KiB is not inspected: it passes, whole.
  const std::string late = pad + "&" + attack;
  auto r = Send("POST", "/submit", "application/x-www-form-urlencoded", late);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  auto seen = origin_.LastRequest();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->body, late);

  // The same attack within the first KiB is blocked.
  r = Send("POST", "/submit", "application/x-www-form-urlencoded", attack + "&" + pad);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

// --- response inspection -------------------------------------------------------------------

TEST_F(WafMoreTest, ResponseInspectionReplacesASqlErrorLeakWithTheBlockPage) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: block, " + std::string(kEchoTypes) + "response_inspection: {enabled: true}}"));
  // The origin echoes the body: a response carrying a MySQL error message. The response head
  // is held until the body is judged, so the block page replaces the whole response.
  auto r = Send("POST", "/echo", "text/plain", kSqlErrorText);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body.find("SQL syntax"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("Request ID"), std::string::npos) << r->body;
  EXPECT_EQ(origin_.RequestCount(), 1u);  // the origin did answer
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "blocked") << Describe(*record);
  EXPECT_TRUE(RecordHasResponseRule(*record)) << Describe(*record);
}

// Only the first `limit` bytes are held and judged: a longer response streams on intact, and a
// leak past the limit is not seen (as with libmodsecurity's own SecResponseBodyLimit).
TEST_F(WafMoreTest, ResponseLongerThanTheInspectionLimitStreamsThroughWhole) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, " + std::string(kEchoTypes) +
                                "response_inspection: {enabled: true, limit: 1KiB}}"));
  std::string body;
  while (body.size() < 300 * 1024) body += "plain words of an ordinary page, line after line\n";
  const std::string late_leak = body + kSqlErrorText;
  auto r = Send("POST", "/echo", "text/plain", late_leak);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body == late_leak) << r->body.size() << " of " << late_leak.size() << " bytes";

  auto early = Send("POST", "/echo", "text/plain", kSqlErrorText + body);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 403);
}

TEST_F(WafMoreTest, ResponseInspectionDisabledLetsTheResponseThrough) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: block, " + std::string(kEchoTypes) + "response_inspection: {enabled: false}}"));
  auto r = Send("POST", "/echo", "text/plain", kSqlErrorText);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kSqlErrorText);
  EXPECT_EQ(FileSize(AttackLogPath()), 0);
}

TEST_F(WafMoreTest, DetectModeRecordsASqlErrorLeakWithoutCuttingIt) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: detect, " + std::string(kEchoTypes) + "response_inspection: {enabled: true}}"));
  auto r = Send("POST", "/echo", "text/plain", kSqlErrorText);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kSqlErrorText);
  auto record = AttackRecord(0);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->StringAt("action"), "detected") << Describe(*record);
  EXPECT_TRUE(RecordHasResponseRule(*record)) << Describe(*record);
}

// --- reloads -------------------------------------------------------------------------------

// Each reload parses CRS again (about 20 MB) while the previous generation still runs; the
// old one is released a little later, so VmRSS is read after a settling pause.
// DISABLED until the fix: RSS rises ~+60% over the first ~3 reloads (each reload parses CRS
// anew, ~20 MB, while the old generation is still alive) and then stays flat (+0.35% from
// reload 10 to 50). Planned fix: reuse the previous generation's CRS parse when the CRS files
// are unchanged, so a reload parses only the per-policy head and tail.
// --- no freeze ---------------------------------------------------------------------------

// A request whose inspection takes long must not stall the other clients of its worker. The
// slowness is made deterministic: a rule runs a script (@inspectFile) that waits until the test
// creates a file, so the small request's inspection is still running, for sure, while the clean
// request is sent. Inline on the worker's loop the clean request would wait with it; it is
// answered because every inspection runs on the offload pool: no request size predicts how
// long CRS takes (a 6 KiB argument can take seconds).
TEST_F(WafMoreTest, SlowInspectionDoesNotStallOtherClientsOfTheWorker) {
  REQUIRE_CRS();
  const std::string release = rampart_.dir() + "/release";
  ASSERT_NO_FATAL_FAILURE(StartWithASlowRule(release));

  const std::string slow_body = "note=hello&wait=1";
  Client slow;
  ASSERT_TRUE(slow.Connect(port()));
  ASSERT_TRUE(slow.Send(BuildRequest(
      "POST", "/slow", port(),
      {{"Host", kHost}, {"Content-Type", "application/x-www-form-urlencoded"}}, slow_body)));

  Client clean;
  ASSERT_TRUE(clean.Connect(port()));
  ASSERT_TRUE(clean.Send(BuildRequest("GET", "/clean", port(), {{"Host", kHost}}, "")));
  auto clean_response = clean.ReadResponse();
  ASSERT_TRUE(clean_response) << clean.error();
  EXPECT_EQ(clean_response->status, 200);
  EXPECT_EQ(origin_.RequestCount(), 1u);  // the slow request is still being inspected

  WriteFile(release, "");
  auto slow_response = slow.ReadResponse();
  ASSERT_TRUE(slow_response) << slow.error();
  EXPECT_EQ(slow_response->status, 200);
  auto seen = origin_.WaitForTarget("/slow");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->body, slow_body);
}

// A body longer than inspect_partial's limit: the WAF judges the first bytes while the rest is
// still on its way. A slow judgement is not the client's delay: no client_body timeout (408)
// fires meanwhile, and the rest of the body streams once the request is let through.
TEST_F(WafMoreTest, SlowPartialInspectionIsNotAClientTimeout) {
  REQUIRE_CRS();
  const std::string release = rampart_.dir() + "/release";
  ASSERT_NO_FATAL_FAILURE(
      StartWithASlowRule(release, ", request_body: {limit: 1KiB, over_limit: inspect_partial}",
                         "timeouts:\n  client_body: 300ms\n"));
  const std::string first = "wait=1&note=" + std::string(2000, 'a');
  const std::string rest = "&more=" + std::string(1000, 'b');
  Client slow;
  ASSERT_TRUE(slow.Connect(port()));
  ASSERT_TRUE(slow.Send("POST /slow HTTP/1.1\r\nHost: " + std::string(kHost) +
                        "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: " +
                        std::to_string(first.size() + rest.size()) + "\r\n\r\n" + first));
  // Longer than client_body, while the inspection waits for the release file.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_FALSE(slow.IsClosedByPeer(std::chrono::milliseconds(0)));
  WriteFile(release, "");
  ASSERT_TRUE(slow.Send(rest));
  auto r = slow.ReadResponse();
  ASSERT_TRUE(r) << slow.error();
  EXPECT_EQ(r->status, 200);
  auto seen = origin_.WaitForTarget("/slow");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->body, first + rest);
}

// The same when the client goes away during the slow inspection: the job finishes on its own,
// and the worker goes on serving.
TEST_F(WafMoreTest, ClientLeavingDuringASlowInspectionIsHarmless) {
  REQUIRE_CRS();
  const std::string release = rampart_.dir() + "/release";
  ASSERT_NO_FATAL_FAILURE(StartWithASlowRule(release));
  {
    Client slow;
    ASSERT_TRUE(slow.Connect(port()));
    ASSERT_TRUE(slow.Send(
        BuildRequest("POST", "/slow", port(),
                     {{"Host", kHost}, {"Content-Type", "application/x-www-form-urlencoded"}},
                     "note=" + std::string(20000, 'a') + "&wait=1")));
    auto r = Get("/clean");  // the slow one is being inspected now
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }  // the slow client closes its connection mid-inspection
  auto log = WaitForFileLines(AccessLogPath(), 2);  // logged at the close, mid-inspection
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[1].find("\"status\":499"), std::string::npos) << log[1];
  WriteFile(release, "");
  auto r = Get("/after");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(origin_.RequestCount(), 2u);  // /clean and /after; never /slow
}

// Every reload changes the after_crs file, so every reload compiles the policy anew (CRS itself
// is parsed once and kept: its files do not change) and the old generation is freed as it drains.
TEST_F(WafMoreTest, FiftyReloadsDoNotLeak) {
  REQUIRE_CRS();
  const std::string after = rampart_.dir() + "/after.conf";
  WriteFile(after, "# generation 0\n");
  // `profile: crs`: the WAF's rule sets alone (balanced's signature packs would compile their
  // Hyperscan databases again on each reload, about 2 s each without a signatures.cache_dir).
  ASSERT_NO_FATAL_FAILURE(
      Start("{mode: block, profile: crs, exclusions: [{id: 920350}], "
            "after_crs: [" +
            after + "]}"));
  int generation = 0;
  const auto reload = [&]() -> bool {
    WriteFile(after, "# generation " + std::to_string(++generation) + "\n");
    const size_t from = rampart_.LineCount();
    if (!rampart_.Signal(SIGHUP)) return false;
    return rampart_.WaitForLine("reload: applied generation", kDefaultTimeout, from).has_value();
  };
  const auto settled_rss = [this]() {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return rampart_.RssKiB();
  };
  const auto check_blocks = [this]() {
    auto r = Get(std::string("/?id=") + kSqliEncoded);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
  };
  ASSERT_TRUE(reload()) << rampart_.Log();
  ASSERT_NO_FATAL_FAILURE(check_blocks());
  const long after_first = settled_rss();
  ASSERT_GT(after_first, 0);
  std::string trend;  // VmRSS every 10 reloads, unsettled: a leak climbs, a high-water mark not
  for (int i = 1; i <= 50; ++i) {
    ASSERT_TRUE(reload()) << "reload " << i + 1 << "\n" << rampart_.Log();
    if (i % 10 == 0) trend += " " + std::to_string(rampart_.RssKiB());
  }
  ASSERT_NO_FATAL_FAILURE(check_blocks());
  const long after_fifty = settled_rss();
  std::printf(
      "[measure] VmRSS after 1 reload: %ld KiB; after 50 more: %ld KiB (%+.1f%%); every 10, "
      "unsettled:%s\n",
      after_first, after_fifty,
      100.0 * static_cast<double>(after_fifty - after_first) / static_cast<double>(after_first),
      trend.c_str());
#if defined(__SANITIZE_ADDRESS__)
  // The rampart under test is built like this test: its RSS holds ASan's quarantine of freed
  // memory (up to 256 MiB), which grows with every freed generation. LeakSanitizer checks
  // rampart's exit instead.
  GTEST_SKIP() << "RSS under AddressSanitizer includes its quarantine: measured, not asserted";
#else
  EXPECT_LT(after_fifty - after_first, after_first / 10);
#endif
}

}  // namespace
}  // namespace rampart::test
