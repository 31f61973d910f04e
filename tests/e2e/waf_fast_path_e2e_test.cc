// The waf stage's fast path (src/fastpath/) in the real binary with the installed OWASP CRS
// (skipped without /usr/share/modsecurity-crs): clean requests without a body skip
// libmodsecurity and are counted as fast, and so do clean form and JSON posts (whose body still
// reaches the backend whole); attacks and broken JSON still go through it and are blocked (or
// detected) with the same attack-log record, other bodies (XML) take the slow path, and
// `fast_path: off` turns it off.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/attack_records.h"
#include "support/client.h"
#include "support/json.h"
#include "support/log_file.h"
#include "support/metrics.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr char kSqliEncoded[] = "1%27%20OR%201%3D1--";

// What a browser sends for a page: every header CRS reads, none it scores.
const HeaderList& BrowserHeaders() {
  static const HeaderList headers = {
      {"Host", "shop.example"},
      {"User-Agent",
       "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/124.0.0.0 Safari/537.36"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
      {"Accept-Language", "en-GB,en;q=0.9"},
      {"Accept-Encoding", "gzip, deflate, br"},
      {"Cookie", "session=4f2a9c81e7; theme=dark"},
      {"Referer", "https://shop.example/"},
  };
  return headers;
}

class WafFastPathTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }

  void Start(const std::string& waf, int workers = 2) {
    ConfigOptions options;
    options.workers = workers;
    options.backend_ports = {origin_.port()};
    options.route_lines = {"waf: " + waf};
    options.extra = "  attack_log: " + AttackLogPath() + "\n";  // continues logging:
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }
  double Decisions(const std::string& decision) {
    return MetricSum(Metrics(), "rampart_waf_fast_path_total", {{"decision", decision}});
  }
  // The attack log's records once it holds `count` (it is written off the request's path).
  std::vector<JsonValue> Records(size_t count) {
    std::vector<JsonValue> out;
    for (const std::string& line : WaitForFileLines(AttackLogPath(), count)) {
      if (auto json = ParseJson(line)) out.push_back(std::move(*json));
    }
    return out;
  }
  std::optional<HttpResponse> Post(const std::string& target, HeaderList headers,
                                   const std::string& body) {
    headers.emplace_back("Connection", "close");
    Client c;
    if (!c.Connect(port())) return std::nullopt;
    return c.Request("POST", target, headers, body);
  }
};

TEST_F(WafFastPathTest, CleanRequestsSkipLibmodsecurityAndAttacksAreStillBlocked) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  auto r = Get("/products/shoes?page=2&sort=price", BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = Get("/static/app.css", BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Decisions("fast"), 2);
  EXPECT_EQ(Decisions("slow"), 0);

  r = Get(std::string("/products?id=") + kSqliEncoded, BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(Decisions("fast"), 2);
  EXPECT_EQ(Decisions("slow"), 1);
  EXPECT_EQ(origin_.RequestCount(), 2u);
  // The blocked request's record is libmodsecurity's, as without a fast path.
  const std::vector<JsonValue> records = Records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("action").value_or(""), "blocked");
  EXPECT_TRUE(RecordHasRule(records[0], "942100"));
}

TEST_F(WafFastPathTest, AnAttackInAHeaderOrCookieTakesTheSlowPath) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  HeaderList headers = BrowserHeaders();
  headers.push_back({"X-Forwarded-Host", "<script>alert(1)</script>"});
  auto r = Get("/", headers);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  headers = BrowserHeaders();
  headers[5] = {"Cookie", "session=1' or '1'='1"};
  r = Get("/", headers);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(Decisions("slow"), 2);
  EXPECT_EQ(Decisions("fast"), 0);
}

// What a header or cookie value may match is remembered per worker (fastpath/value_memo.h): a
// page's requests check their headers once, and a hostile cookie sent again is blocked again,
// from memory (one worker, so every request meets the same memory).
TEST_F(WafFastPathTest, HeaderValuesAreRememberedAndAttacksStillBlocked) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}", 1));
  auto values = [&](const std::string& result) {
    return MetricSum(Metrics(), "rampart_waf_value_memo_total", {{"result", result}});
  };
  Client page;
  ASSERT_TRUE(page.Connect(port()));
  auto r = page.Get("/", BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const double checked = values("checked");
  EXPECT_GT(checked, 0);
  EXPECT_EQ(values("remembered"), 0);
  for (const char* target : {"/app.js", "/logo.png"}) {
    r = page.Get(target, BrowserHeaders());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(Decisions("fast"), 3);
  // The next requests check nothing new: their headers are the first one's.
  EXPECT_EQ(values("checked"), checked);
  EXPECT_EQ(values("remembered"), 2 * checked);

  HeaderList hostile = BrowserHeaders();
  hostile[5] = {"Cookie", "session=1' or '1'='1"};
  for (int i = 0; i < 2; ++i) {
    const double checked_before = values("checked");
    Client c;
    ASSERT_TRUE(c.Connect(port()));
    r = c.Get("/", hostile);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << "attempt " << i;
    // The second time nothing is checked anew: the hostile cookie's answer is remembered too.
    if (i == 1) {
      EXPECT_EQ(values("checked"), checked_before);
    }
  }
  EXPECT_EQ(Decisions("slow"), 2);
}

TEST_F(WafFastPathTest, DetectModeRecordsWhatTheSlowPathFinds) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: detect}"));
  auto r = Get(std::string("/?q=") + kSqliEncoded, BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = Get("/?q=plain", BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Decisions("fast"), 1);
  EXPECT_EQ(Decisions("slow"), 1);
  const std::vector<JsonValue> records = Records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("action").value_or(""), "detected");
}

TEST_F(WafFastPathTest, ACleanFormPostSkipsLibmodsecurityAndReachesTheBackendWhole) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  HeaderList headers = BrowserHeaders();
  headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"});
  const std::string body = "name=Ada+Lovelace&email=ada%40example.org&newsletter=1";
  auto r = Post("/signup?step=2", headers, body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Decisions("fast"), 1);
  EXPECT_EQ(Decisions("slow"), 0);
  auto seen = origin_.WaitForTarget("/signup?step=2");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->body, body);
}

TEST_F(WafFastPathTest, AnAttackInAFormBodyIsBlockedOnTheSlowPath) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  HeaderList headers = BrowserHeaders();
  headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  for (const std::string& body : {std::string("user=admin&pass=") + kSqliEncoded,
                                  std::string("q=<script>alert(1)</script>")}) {
    auto r = Post("/login", headers, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << body;
  }
  EXPECT_EQ(Decisions("slow"), 2);
  EXPECT_EQ(Decisions("fast"), 0);
  const std::vector<JsonValue> records = Records(2);
  ASSERT_EQ(records.size(), 2u);
  for (const JsonValue& record : records) {
    EXPECT_EQ(record.StringAt("action").value_or(""), "blocked");
  }
  EXPECT_TRUE(origin_.Requests().empty());
}

TEST_F(WafFastPathTest, ACleanJsonPostSkipsLibmodsecurityAndReachesTheBackendWhole) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  HeaderList headers = BrowserHeaders();
  headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  const std::string body =
      R"({"item": 42, "qty": 1, "gift": false, "note": "Caf\u00e9 order, ring twice",)"
      R"( "tags": ["red", "size-9"], "address": {"city": "Z\u00fcrich", "zip": null}})";
  auto r = Post("/api/cart?v=2", headers, body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Decisions("fast"), 1);
  EXPECT_EQ(Decisions("slow"), 0);
  auto seen = origin_.WaitForTarget("/api/cart?v=2");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->body, body);
}

TEST_F(WafFastPathTest, AnAttackInAJsonBodyIsBlockedOnTheSlowPath) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  HeaderList headers = BrowserHeaders();
  headers.push_back({"Content-Type", "application/vnd.api+json"});
  // In a nested value, and as a key (JSON keys are argument names to CRS).
  for (const std::string& body : {std::string(R"({"cart": {"item": "1' or '1'='1"}})"),
                                  std::string(R"({"<script>alert(1)</script>": 1})")}) {
    auto r = Post("/api/cart", headers, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << body;
  }
  EXPECT_EQ(Decisions("slow"), 2);
  EXPECT_EQ(Decisions("fast"), 0);
  const std::vector<JsonValue> records = Records(2);
  ASSERT_EQ(records.size(), 2u);
  for (const JsonValue& record : records) {
    EXPECT_EQ(record.StringAt("action").value_or(""), "blocked");
  }
  EXPECT_TRUE(origin_.Requests().empty());
}

TEST_F(WafFastPathTest, AJsonBodyWithASyntaxErrorIsRefusedOnTheSlowPath) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  HeaderList headers = BrowserHeaders();
  headers.push_back({"Content-Type", "application/json"});
  // libmodsecurity's JSON processor fails on it; rampart's base rule 200002 answers 400.
  auto r = Post("/api/cart", headers, R"({"item": 42, "qty": )");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Decisions("slow"), 1);
  EXPECT_EQ(Decisions("fast"), 0);
  EXPECT_TRUE(origin_.Requests().empty());
}

TEST_F(WafFastPathTest, AnXmlBodyTakesTheSlowPath) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block}"));
  HeaderList headers = BrowserHeaders();
  headers.push_back({"Content-Type", "application/xml"});
  auto r = Post("/api/cart", headers, "<cart><item>42</item></cart>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Decisions("slow"), 1);
  EXPECT_EQ(Decisions("fast"), 0);
}

TEST_F(WafFastPathTest, OffRunsLibmodsecurityForEveryRequest) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start("{mode: block, fast_path: off}"));
  auto r = Get("/products/shoes?page=2", BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = Get(std::string("/?id=") + kSqliEncoded, BrowserHeaders());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(Decisions("fast"), 0);
  EXPECT_EQ(Decisions("slow"), 0);
}

}  // namespace
}  // namespace rampart::test
