// The fast path on small hand-written rule sets, each a case a review found it got wrong (now
// fixed): for every request below, when FastPath::Decide says "fast", libmodsecurity alone must
// report no rule message, no score and no intervention. The rule sets load on a CRS stand-in
// (an empty rules/ folder), so only the case's own rules run.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fastpath/fast_path.h"
#include "fastpath/value_memo.h"
#include "modsec/inspection.h"
#include "modsec/policy.h"
#include "unit/modsec/modsec_test_util.h"

namespace rampart::fastpath {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Request(std::string u, Headers h = {{"Host", "shop.example"}})  // NOLINT: {"/?a=b"} reads well
      : uri(std::move(u)), headers(std::move(h)) {}
  std::string uri;
  Headers headers;
  std::string method = "GET";
  std::string body;
};

// A form post of `body`.
Request Form(std::string uri, std::string body) {
  Request r(std::move(uri));
  r.method = "POST";
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.headers.emplace_back("Content-Length", std::to_string(body.size()));
  r.body = std::move(body);
  return r;
}

// A JSON post of `body` (rampart's base config switches application/json to the JSON processor).
Request Json(std::string uri, std::string body, std::string type = "application/json") {
  Request r(std::move(uri));
  r.method = "POST";
  r.headers.emplace_back("Content-Type", std::move(type));
  r.headers.emplace_back("Content-Length", std::to_string(body.size()));
  r.body = std::move(body);
  return r;
}

class FastPathSoundnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rampart-fp-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "crs" / "rules");
    std::ofstream(dir_ / "crs" / "rules" / "REQUEST-901-INITIALIZATION.conf") << "# stand-in\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Compiles `rules` (loaded before the CRS stand-in) into a policy and its fast path.
  void Load(const std::string& rules, size_t body_limit = modsec::Policy().request_body_limit) {
    const std::string file = (dir_ / "rules.conf").string();
    std::ofstream(file) << rules;
    modsec::Policy p;
    p.crs_dir = (dir_ / "crs").string();
    p.before_crs = {file};
    p.request_body_limit = body_limit;
    cache_ = modsec::test_util::TestEngine()->NewRulesCache();
    policy_ = modsec::test_util::MustCompile(p, *cache_);
    ASSERT_NE(policy_, nullptr);
    auto fast = FastPath::Compile(policy_);
    fast_ = fast.ok() ? fast.value() : nullptr;
    unsupported_ = fast.ok() ? "" : fast.error().message;
  }

  // Whether the fast path skipped a request libmodsecurity has something to say about.
  ::testing::AssertionResult Sound(const Request& r) {
    if (fast_ == nullptr) return ::testing::AssertionSuccess() << "no fast path";
    RequestHead head{r.method, r.uri, "1.1", {}, BodyKind::kNone, r.body};
    for (const auto& [n, v] : r.headers) head.headers.emplace_back(n, v);
    const Decision d = fast_->Decide(head);
    if (!d.fast) return ::testing::AssertionSuccess() << d.reason;
    const std::string report = LibModSecurityReport(r);
    if (report.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << r.uri << " [" << r.body << "]: the fast path skipped it, libmodsecurity has "
           << report;
  }

  // What libmodsecurity alone has to say about `r` ("" for nothing: no finding, no score, no
  // intervention).
  std::string LibModSecurityReport(const Request& r) {
    auto started = modsec::Inspection::Start(policy_, "soundness");
    if (!started.ok()) return "no inspection: " + started.error().message;
    modsec::Inspection& insp = *started.value();
    (void)insp.ProcessConnection("127.0.0.1", 40000, "127.0.0.1", 8080);
    (void)insp.ProcessUri(r.uri, r.method, "1.1");
    for (const auto& [n, v] : r.headers) (void)insp.AddRequestHeader(n, v);
    (void)insp.ProcessRequestHeaders();
    if (!insp.Intervention() && !r.body.empty()) (void)insp.AppendRequestBody(r.body);
    if (!insp.Intervention()) (void)insp.ProcessRequestBody();
    const size_t findings = insp.Findings().size();
    const int score = insp.Scores().inbound;
    const bool intervention = insp.Intervention().has_value();
    if (findings == 0 && score == 0 && !intervention) return "";
    return std::to_string(findings) + " finding(s), score " + std::to_string(score) +
           (intervention ? ", an intervention" : "");
  }

  // Whether libmodsecurity has something to say about `r` (so that a request the fast path
  // sends down the slow path is shown to need it).
  bool Flagged(const Request& r) { return !LibModSecurityReport(r).empty(); }

  // Whether the fast path skips libmodsecurity for `r` (so that a case is not passed only
  // because everything took the slow path).
  bool IsFast(const Request& r) {
    if (fast_ == nullptr) return false;
    RequestHead head{r.method, r.uri, "1.1", {}, BodyKind::kNone, r.body};
    for (const auto& [n, v] : r.headers) head.headers.emplace_back(n, v);
    return fast_->Decide(head).fast;
  }

  std::filesystem::path dir_;
  std::unique_ptr<modsec::RulesCache> cache_;
  std::shared_ptr<const modsec::CompiledPolicy> policy_;
  std::shared_ptr<const FastPath> fast_;
  std::string unsupported_;
};

TEST_F(FastPathSoundnessTest, ACountOfASingleValuedVariableIsOne) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule &REQBODY_ERROR \"@eq 1\" \"id:10001,phase:2,deny,log\"\n"
           "SecRule &FULL_REQUEST_LENGTH \"@eq 1\" \"id:10002,phase:2,pass,log\"\n"));
  EXPECT_TRUE(Sound({"/?a=b"}));
}

TEST_F(FastPathSoundnessTest, TransformationNamesInAnyCase) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS \"@rx \\s$\" \"id:10030,phase:2,deny,log,t:none,t:trimleft\"\n"
           "SecRule ARGS \"@rx A\" \"id:10031,phase:2,deny,log,t:none,t:urlDecodeuni\"\n"));
  EXPECT_TRUE(Sound({"/?a=x+"}));
  EXPECT_TRUE(Sound({"/?u=%u0041"}));
  EXPECT_TRUE(IsFast({"/?a=x&u=b"}));
}

TEST_F(FastPathSoundnessTest, AnchorsToTheValuesEnds) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_HEADERS \"@rx \\Aevil\" \"id:10070,phase:1,deny,log\"\n"
           "SecRule ARGS \"@rx evil\\z\" \"id:10071,phase:1,deny,log\"\n"
           "SecRule ARGS \"@rx (?-m)^bad\" \"id:10072,phase:1,deny,log\"\n"));
  EXPECT_TRUE(Sound({"/", {{"Host", "h"}, {"X-A", "evil"}}}));
  EXPECT_TRUE(Sound({"/?a=evil&b=c"}));
  EXPECT_TRUE(Sound({"/?b=c&a=bad"}));
  EXPECT_TRUE(Sound({"/?b=c&a=fine"}));
  EXPECT_TRUE(IsFast({"/?b=c&a=fine"}));
}

// What a value that repeats between requests may match is remembered per thread
// (value_memo.h): the second pass over the same requests decides from memory alone, and must
// decide as the first did: per header name (in any case) and cookie name, per plan (a form's
// links are not a GET's), for the method, for a count of identical headers, through a capture
// chain (920450's shape), and combined with the request's other values in a chain.
TEST_F(FastPathSoundnessTest, RememberedValuesDecideAsBefore) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_BODY \"@rx never-in-a-test\" \"id:10089,phase:2,deny,log\"\n"
           "SecRule REQUEST_HEADERS:X-Api \"@rx evil\" \"id:10090,phase:1,deny,log\"\n"
           "SecRule REQUEST_COOKIES:sid \"@detectSQLi\" \"id:10091,phase:1,deny,log\"\n"
           "SecRule REQUEST_HEADERS_NAMES \"@streq X-Bad\" \"id:10092,phase:1,deny,log\"\n"
           "SecRule REQUEST_HEADERS:X-Mode \"@streq debug\" \"id:10093,phase:1,deny,log,chain\"\n"
           "  SecRule ARGS:q \"@rx drop\" \"t:none\"\n"
           "SecRule &REQUEST_HEADERS:X-Twice \"@gt 1\" \"id:10094,phase:1,deny,log\"\n"
           "SecRule REQUEST_METHOD \"@streq DELETE\" \"id:10095,phase:1,deny,log\"\n"
           "SecRule REQUEST_HEADERS_NAMES \"@rx ^.*$\" \"id:10096,phase:1,deny,log,capture,t:none,"
           "t:lowercase,setvar:'tx.header_name_%{tx.0}=/%{tx.0}/',chain\"\n"
           "  SecRule TX:/^header_name_/ \"@within /proxy/ /x-evil/\" \"t:none\"\n"));
  auto with = [](Request r, std::string name, std::string value) {
    r.headers.emplace_back(std::move(name), std::move(value));
    return r;
  };
  Request del("/", {{"Host", "h"}});
  del.method = "DELETE";
  const std::vector<std::pair<Request, bool>> requests = {
      // and whether it is fast
      {with({"/"}, "X-Other", "evil"), true},
      {with({"/"}, "X-Api", "evil"), false},
      {with({"/"}, "x-api", "evil"), false},
      {with(Form("/", "a=b"), "X-Other", "evil"), true},
      {with(Form("/", "a=b"), "X-Api", "evil"), false},
      {with({"/"}, "Cookie", "other=1' or '1'='1"), true},
      {with({"/"}, "Cookie", "sid=1' or '1'='1"), false},
      {with({"/"}, "X-Bad", "1"), false},
      {with({"/?q=drop"}, "X-Mode", "debug"), false},
      {with({"/?q=fine"}, "X-Mode", "debug"), true},
      {with({"/?q=drop"}, "X-Mode", "normal"), true},
      {with({"/"}, "X-Twice", "1"), true},
      {with(with({"/"}, "X-Twice", "1"), "X-Twice", "1"), false},
      {{"/", {{"Host", "h"}}}, true},
      {del, false},
      {with({"/"}, "X-Ok", "1"), true},
      {with({"/"}, "Proxy", "1"), false},
      {with({"/"}, "proxy", "1"), false},
      {with({"/"}, "X-EVIL", "1"), false},
  };
  for (int pass = 0; pass < 2; ++pass) {
    (void)ValueMemo::Take();
    for (const auto& [request, fast] : requests) {
      const std::string what = "pass " + std::to_string(pass) + ": " + request.method + " " +
                               request.uri + " " + request.headers.back().first + ": " +
                               request.headers.back().second;
      EXPECT_TRUE(Sound(request)) << what;
      EXPECT_EQ(IsFast(request), fast) << what;
      EXPECT_EQ(Flagged(request), !fast) << what;
    }
    if (pass == 1) {  // every value came from memory
      const ValueMemo::Counts counts = ValueMemo::Take();
      EXPECT_GT(counts.hits, 0u);
      EXPECT_EQ(counts.misses, 0u);
    }
  }
}

// Past 64 values a request checks alone without finding them in memory, the rest join the
// other values' scans: a hostile cookie among a hundred new ones is still found.
TEST_F(FastPathSoundnessTest, ManyNewCookiesAreStillAllChecked) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_COOKIES \"@detectSQLi\" \"id:10099,phase:1,deny,log\"\n"));
  for (int pass = 0; pass < 2; ++pass) {
    std::string clean;
    std::string hostile;
    for (int i = 0; i < 100; ++i) {
      const std::string name = "c" + std::to_string(pass) + "x" + std::to_string(i);
      clean += name + "=v" + std::to_string(i) + "; ";
      hostile += name + (i == 90 ? "=1' or '1'='1; " : "=w" + std::to_string(i) + "; ");
    }
    const Request fine("/", {{"Host", "h"}, {"Cookie", clean}});
    const Request bad("/", {{"Host", "h"}, {"Cookie", hostile}});
    EXPECT_TRUE(IsFast(fine)) << "pass " << pass;
    EXPECT_TRUE(Sound(bad)) << "pass " << pass;
    EXPECT_FALSE(IsFast(bad)) << "pass " << pass;
  }
}

// A reload's rules are new: what the old ones remembered of a value does not answer for them.
TEST_F(FastPathSoundnessTest, RememberedValuesAreForgottenByNewRules) {
  RAMPART_REQUIRE_CRS();
  const Request good("/", {{"Host", "h"}, {"X-Api", "good"}});
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_HEADERS:X-Api \"@rx evil\" \"id:10097,phase:1,deny,log\"\n"));
  EXPECT_TRUE(IsFast(good));
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_HEADERS:X-Api \"@rx good\" \"id:10098,phase:1,deny,log\"\n"));
  EXPECT_TRUE(Sound(good));
  EXPECT_FALSE(IsFast(good));
}

TEST_F(FastPathSoundnessTest, RemovingARuleTheBaselineFollows) {
  RAMPART_REQUIRE_CRS();
  const std::string rules =
      "SecAction \"id:10019,phase:1,pass,nolog,setvar:tx.x=1\"\n"
      "SecRule REQUEST_URI \"@beginsWith /api\" "
      "\"id:10020,phase:1,pass,nolog,ctl:ruleRemoveById=10021\"\n"
      "SecRule TX:x \"@eq 1\" \"id:10021,phase:1,pass,nolog,skipAfter:END10\"\n"
      "SecRule ARGS \"@rx attack\" \"id:10022,phase:1,deny,log\"\n"
      "SecMarker END10\n";
  ASSERT_NO_FATAL_FAILURE(Load(rules));
  EXPECT_TRUE(Sound({"/api?a=attack"}));
  EXPECT_TRUE(Sound({"/shop?a=attack"}));
  EXPECT_TRUE(IsFast({"/shop?a=fine"}));
  // Unconditional: the fast path cannot follow it and says so.
  ASSERT_NO_FATAL_FAILURE(
      Load("SecAction \"id:10019,phase:1,pass,nolog,setvar:tx.x=1\"\n"
           "SecAction \"id:10020,phase:1,pass,nolog,ctl:ruleRemoveById=10021\"\n"
           "SecRule TX:x \"@eq 1\" \"id:10021,phase:1,pass,nolog,skipAfter:E\"\n"
           "SecRule ARGS \"@rx attack\" \"id:10022,phase:1,deny,log\"\n"
           "SecMarker E\n"));
  EXPECT_EQ(fast_, nullptr);
  EXPECT_NE(unsupported_.find("10020"), std::string::npos) << unsupported_;
}

TEST_F(FastPathSoundnessTest, EngineOffOnEveryRequestIsNotFollowed) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecAction \"id:10050,phase:1,pass,nolog,ctl:ruleEngine=Off\"\n"
           "SecRule ARGS \"@rx attack\" \"id:10051,phase:1,deny,log\"\n"));
  EXPECT_EQ(fast_, nullptr);
  EXPECT_TRUE(Sound({"/?a=attack"}));
}

TEST_F(FastPathSoundnessTest, ARemovedRuleStillCountsTowardsSkip) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecAction \"id:10060,phase:1,pass,nolog,skip:1\"\n"
           "SecRule ARGS \"@rx zzz\" \"id:10061,phase:1,pass,nolog\"\n"
           "SecRule ARGS \"@rx attack\" \"id:10062,phase:1,deny,log\"\n"
           "SecRuleRemoveById 10061\n"));
  EXPECT_TRUE(Sound({"/?a=attack"}));
}

TEST_F(FastPathSoundnessTest, ASilentRuleThatScoresIsWatched) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS:c \"@rx attack\" \"id:10042,phase:2,pass,nolog,chain\"\n"
           "  SecRule ARGS:c \"@rx attack\" \"setvar:tx.anomaly_score_pl1=+5\"\n"));
  EXPECT_TRUE(Sound({"/?c=attack"}));
  EXPECT_TRUE(IsFast({"/?c=fine"}));
}

TEST_F(FastPathSoundnessTest, LargeRequestsGoToTheOffloadPool) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_COOKIES \"@rx (?:a+a+)+b\" \"id:10080,phase:1,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr);
  Headers headers = {{"Host", "h"}};
  std::string cookies;
  for (int i = 0; i < 10; ++i)
    cookies += "c" + std::to_string(i) + "=" + std::string(600, 'a') + "; ";
  headers.emplace_back("Cookie", cookies);
  RequestHead head{"GET", "/", "1.1", {}, BodyKind::kNone, {}};
  for (const auto& [n, v] : headers) head.headers.emplace_back(n, v);
  const Decision d = fast_->Decide(head);
  EXPECT_FALSE(d.fast);
  EXPECT_EQ(d.reason, "request values over 4 KiB");
}

}  // namespace
}  // namespace rampart::fastpath

namespace rampart::fastpath {
namespace {

// A form's arguments are not there yet in phase 1: a count there sees none of them.
TEST_F(FastPathSoundnessTest, FormArgumentsAreCountedAsEachPhaseSeesThem) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Load("SecRule &ARGS_POST \"@eq 0\" \"id:10101,phase:1,deny,log\"\n"));
  EXPECT_TRUE(Sound(Form("/f", "a=1&b=2")));
  EXPECT_FALSE(IsFast(Form("/f", "a=1&b=2")));
  ASSERT_NO_FATAL_FAILURE(Load("SecRule &ARGS \"@gt 2\" \"id:10102,phase:2,deny,log\"\n"));
  EXPECT_TRUE(Sound(Form("/f?q=1", "a=1&b=2")));
  EXPECT_FALSE(IsFast(Form("/f?q=1", "a=1&b=2")));  // three arguments in phase 2
  EXPECT_TRUE(IsFast(Form("/f", "a=1&b=2")));
}

TEST_F(FastPathSoundnessTest, AFormBodyIsReadAsLibmodsecurityReadsIt) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_BODY \"@contains evil\" \"id:10103,phase:2,deny,log\"\n"
           "SecRule ARGS_POST_NAMES \"@streq secret\" \"id:10104,phase:2,deny,log\"\n"
           "SecRule ARGS \"@streq drop table\" \"id:10105,phase:2,deny,log\"\n"
           "SecRule REQBODY_PROCESSOR \"@streq URLENCODED\" \"id:10106,phase:2,pass,log,chain\"\n"
           "  SecRule REQUEST_BODY_LENGTH \"@gt 30\" \"t:none\"\n"));
  for (const char* body : {"x=evil", "secret=1", "q=drop+table", "q=drop%20table",
                           "long=0123456789012345678901234567"}) {
    EXPECT_TRUE(Sound(Form("/f", body))) << body;
    EXPECT_FALSE(IsFast(Form("/f", body))) << body;
  }
  // Encoded in the raw body, so REQUEST_BODY does not hold "evil"; "secret" only as a value.
  for (const char* body : {"x=%65vil", "name=secret", "q=drop"}) {
    EXPECT_TRUE(Sound(Form("/f", body))) << body;
    EXPECT_TRUE(IsFast(Form("/f", body))) << body;
  }
}

// rampart's own body limit answers 413 (or cuts the body) before libmodsecurity runs: a form
// over it is never decided by the fast path.
TEST_F(FastPathSoundnessTest, AFormOverTheRoutesBodyLimitTakesTheSlowPath) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS \"@streq never\" \"id:10107,phase:2,deny,log\"\n", 16));
  EXPECT_TRUE(IsFast(Form("/f", "a=1&b=2")));
  EXPECT_FALSE(IsFast(Form("/f", "a=1&b=2&c=3&d=4&e=5")));
  EXPECT_FALSE(fast_->MayTakeBody("application/x-www-form-urlencoded", 17));
  EXPECT_TRUE(fast_->MayTakeBody("application/x-www-form-urlencoded", 16));
}

// capture writes TX:0 .. TX:9: a rule reading them (by a regex key, or the whole collection)
// sees what a request put there.
TEST_F(FastPathSoundnessTest, CapturedValuesAreRequestValues) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS_POST \"@rx ^(.*)$\" \"id:10108,phase:2,pass,nolog,capture\"\n"
           "SecRule TX:/^1$/ \"@rx evil\" \"id:10109,phase:2,deny,log\"\n"));
  EXPECT_TRUE(Sound(Form("/f", "q=evil")));
  EXPECT_FALSE(IsFast(Form("/f", "q=evil")));
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS \"@rx ^(a.*)$\" \"id:10110,phase:2,deny,log,capture,chain\"\n"
           "  SecRule TX:/^1$/ \"@rx evil\" \"t:none\"\n"));
  EXPECT_TRUE(Sound(Form("/f", "q=aevil")));
  EXPECT_TRUE(Sound({"/?q=aevil"}));
  EXPECT_FALSE(IsFast({"/?q=aevil"}));
}

}  // namespace
}  // namespace rampart::fastpath

// JSON bodies (libmodsecurity's JSON processor, switched on by a rule in phase 1): each case
// also shows libmodsecurity flags what the fast path sends down the slow path (Flagged), so
// that a case does not pass only because everything took the slow path.
namespace rampart::fastpath {
namespace {

// A JSON body nothing matches skips libmodsecurity under rampart's base config (its rule
// 200000 switches application/json and +json types to the JSON processor); one a rule matches,
// by value or by name, does not.
TEST_F(FastPathSoundnessTest, AJsonBodyIsDecidedAsLibmodsecurityParsesIt) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS \"@rx evil\" \"id:10201,phase:2,deny,log\"\n"
           "SecRule ARGS_NAMES \"@streq json.secret\" \"id:10202,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  for (const Request& r :
       {Json("/api", "{\"a\":\"fine\",\"b\":[1,2,{\"c\":null}],\"d\":true}"),
        Json("/api?q=1", "[\"x\",{\"secrets\":1}]"), Json("/api", ""), Json("/api", "{}"),
        Json("/api", "\"scalar\""), Json("/api", "{\"a\":1}", "application/json; charset=utf-8"),
        Json("/api", "{\"a\":1}", "application/vnd.api+json"),
        Json("/api", "{\"a\":1}", "Application/JSON")}) {
    EXPECT_TRUE(IsFast(r)) << r.body << " " << r.headers[1].second;
    EXPECT_TRUE(Sound(r)) << r.body;
  }
  for (const Request& r :
       {Json("/api", "{\"a\":\"evil\"}"), Json("/api", "{\"x\":[{\"y\":\"--evil--\"}]}"),
        Json("/api", "[1,\"evil\"]"), Json("/api", "\"evil\""), Json("/api", "{\"secret\":1}"),
        Json("/api", "{\"a\":\"x\\u0000evil\"}"), Json("/api", "{\"A\":[\"\\u0065vil\"]}"),
        Json("/api", "{\"a\":\"\\u0065vil\"}")}) {
    EXPECT_FALSE(IsFast(r)) << r.body;
    EXPECT_TRUE(Flagged(r)) << r.body;
  }
  // No rule switches text/plain to JSON: libmodsecurity reads no arguments from it, and the fast
  // path does not decide it.
  EXPECT_FALSE(IsFast(Json("/api", "{\"a\":\"fine\"}", "text/plain")));
  EXPECT_TRUE(Sound(Json("/api", "{\"a\":\"evil\"}", "text/plain")));
}

// rampart's base config refuses a body with a parse error (rule 200002): never fast.
TEST_F(FastPathSoundnessTest, AJsonSyntaxErrorTakesTheSlowPath) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Load("SecRule ARGS \"@rx evil\" \"id:10203,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  for (const std::string& body :
       {std::string("{\"a\":\"fine\""), std::string("{\"a\":1,}"), std::string("{\"a\":01}"),
        std::string("[\"\xff\"]"), std::string("{\"a\":1} x"), std::string(" "),
        std::string("a=1&b=2"), std::string("{\"a\":\"x\\q\"}")}) {
    EXPECT_FALSE(IsFast(Json("/api", body))) << body;
    EXPECT_TRUE(Flagged(Json("/api", body))) << body;
  }
  EXPECT_TRUE(IsFast(Json("/api", "{\"a\":\"fine\"}")));
}

// A rule that may remove the switch (200000) at run time: libmodsecurity would then not parse
// the body, so the JSON plan cannot hold; forms and requests without a body keep theirs.
TEST_F(FastPathSoundnessTest, ARuleThatMayRemoveTheJsonSwitchLeavesNoJsonPlan) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_URI \"@beginsWith /legacy\" "
           "\"id:10210,phase:1,pass,nolog,ctl:ruleRemoveById=200000\"\n"
           "SecRule ARGS \"@rx evil\" \"id:10211,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/api", "{\"a\":\"fine\"}")));
  EXPECT_FALSE(IsFast(Json("/legacy", "{\"a\":\"evil\"}")));
  EXPECT_TRUE(Sound(Json("/legacy", "{\"a\":\"evil\"}")));
  EXPECT_TRUE(IsFast(Form("/f", "a=fine")));
  EXPECT_TRUE(IsFast({"/api?a=fine"}));
  EXPECT_FALSE(fast_->MayTakeBody("application/json", 20));
  EXPECT_TRUE(fast_->MayTakeBody("application/x-www-form-urlencoded", 20));
  // Removed by a range that covers it: the same.
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_URI \"@beginsWith /legacy\" "
           "\"id:10212,phase:1,pass,nolog,ctl:ruleRemoveById=199000-200010\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/api", "{\"a\":\"fine\"}")));
  // Removing the target it reads: the same.
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_URI \"@beginsWith /legacy\" "
           "\"id:10209,phase:1,pass,nolog,"
           "ctl:ruleRemoveTargetById=200000;REQUEST_HEADERS:Content-Type\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/api", "{\"a\":\"fine\"}")));
  // A removal that cannot touch it leaves the JSON plan in place.
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_URI \"@beginsWith /legacy\" "
           "\"id:10213,phase:1,pass,nolog,ctl:ruleRemoveById=10214\"\n"
           "SecRule ARGS \"@rx evil\" \"id:10214,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_TRUE(IsFast(Json("/api", "{\"a\":\"fine\"}")));
  EXPECT_TRUE(Sound(Json("/api", "{\"a\":\"fine\"}")));
  EXPECT_TRUE(fast_->MayTakeBody("application/json", 20));
  EXPECT_FALSE(fast_->MayTakeBody("multipart/form-data; boundary=x", 20));
  // Removed for good: libmodsecurity parses no JSON body at all.
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRuleRemoveById 200000\n"
           "SecRule ARGS \"@rx evil\" \"id:10215,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/api", "{\"a\":\"fine\"}")));
  EXPECT_TRUE(Sound(Json("/api", "{\"a\":\"evil\"}")));
}

// A rule that may skip over a switch: the switch does not surely fire then.
TEST_F(FastPathSoundnessTest, ARuleThatMaySkipTheSwitchIsWatched) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_URI \"@beginsWith /raw\" "
           "\"id:10216,phase:1,pass,nolog,skipAfter:AFTER_TEXT_SWITCH\"\n"
           "SecRule REQUEST_HEADERS:Content-Type \"@rx ^text/plain\" "
           "\"id:10217,phase:1,t:none,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"
           "SecMarker AFTER_TEXT_SWITCH\n"
           "SecRule ARGS \"@rx evil\" \"id:10218,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/raw", "{\"a\":\"fine\"}", "text/plain")));
  EXPECT_TRUE(Sound(Json("/raw", "{\"a\":\"evil\"}", "text/plain")));
  EXPECT_TRUE(IsFast(Json("/api", "{\"a\":\"fine\"}", "text/plain")));
  EXPECT_TRUE(Sound(Json("/api", "{\"a\":\"fine\"}", "text/plain")));
  EXPECT_FALSE(IsFast(Json("/api", "{\"a\":\"evil\"}", "text/plain")));
  EXPECT_TRUE(Flagged(Json("/api", "{\"a\":\"evil\"}", "text/plain")));
}

// A later rule choosing another processor (libmodsecurity then parses the body as XML, which
// fails): it may fire, so the slow path.
TEST_F(FastPathSoundnessTest, AnotherProcessorAfterTheSwitchIsWatched) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_URI \"@beginsWith /xml\" "
           "\"id:10219,phase:1,pass,nolog,ctl:requestBodyProcessor=XML\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/xml", "{\"a\":1}")));
  EXPECT_TRUE(Flagged(Json("/xml", "{\"a\":1}")));
  EXPECT_TRUE(IsFast(Json("/api", "{\"a\":1}")));
  EXPECT_TRUE(Sound(Json("/api", "{\"a\":1}")));
}

// Only a rule that does nothing but switch counts as a switch: one that also logs or sets a
// variable is a rule like any other (it may match: the slow path).
TEST_F(FastPathSoundnessTest, ASwitchThatLogsOrSetsAVariableIsNoSwitch) {
  RAMPART_REQUIRE_CRS();
  const Request text = Json("/api", "{\"a\":\"fine\"}", "text/plain");
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_HEADERS:Content-Type \"@rx ^text/plain\" "
           "\"id:10220,phase:1,t:none,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_TRUE(IsFast(text));  // a switch: decided as JSON
  EXPECT_TRUE(Sound(text));
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_HEADERS:Content-Type \"@rx ^text/plain\" "
           "\"id:10221,phase:1,t:none,pass,log,ctl:requestBodyProcessor=JSON\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(text));
  EXPECT_TRUE(Flagged(text));                             // it logs
  EXPECT_TRUE(IsFast(Json("/api", "{\"a\":\"fine\"}")));  // 200000 still switches
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_HEADERS:Content-Type \"@rx ^text/plain\" "
           "\"id:10222,phase:1,t:none,pass,nolog,setvar:tx.text_json=1,"
           "ctl:requestBodyProcessor=JSON\"\n"
           "SecRule TX:text_json \"@eq 1\" \"id:10223,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(text));
  EXPECT_TRUE(Flagged(text));  // the variable it sets denies
  EXPECT_TRUE(Sound(Json("/api", "{\"a\":\"fine\"}")));
}

// SecRequestBodyJsonDepthLimit: a body one container deeper is a parse error in libmodsecurity
// (refused by rule 200002), so never fast; empty containers count.
TEST_F(FastPathSoundnessTest, AJsonBodyDeeperThanTheDepthLimitTakesTheSlowPath) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRequestBodyJsonDepthLimit 3\n"
           "SecRule ARGS \"@rx evil\" \"id:10230,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  for (const char* body : {"{\"a\":{\"b\":{\"c\":1}}}", "[[[1]]]", "[[[]],[[]]]"}) {
    EXPECT_TRUE(IsFast(Json("/api", body))) << body;
    EXPECT_TRUE(Sound(Json("/api", body))) << body;
  }
  for (const char* body : {"{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "[[[[]]]]",
                           "{\"x\":1,\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "{\"a\":[{\"b\":{}}]}"}) {
    EXPECT_FALSE(IsFast(Json("/api", body))) << body;
    EXPECT_TRUE(Flagged(Json("/api", body))) << body;
  }
  // The base config's own limit (512), at the boundary.
  ASSERT_NO_FATAL_FAILURE(Load("SecRule ARGS \"@rx evil\" \"id:10231,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  const Request deepest = Json("/api", std::string(512, '[') + std::string(512, ']'));
  EXPECT_TRUE(IsFast(deepest));
  EXPECT_TRUE(Sound(deepest));
  const Request deeper = Json("/api", std::string(513, '[') + std::string(513, ']'));
  EXPECT_FALSE(IsFast(deeper));
  EXPECT_TRUE(Flagged(deeper));
}

// SecArgumentsLimit counts the query's arguments first; a JSON argument past it is a parse
// error in libmodsecurity, a JSON body without one past it is not.
TEST_F(FastPathSoundnessTest, JsonArgumentsPastTheArgumentsLimitTakeTheSlowPath) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecArgumentsLimit 3\n"
           "SecRule ARGS \"@rx evil\" \"id:10240,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  for (const Request& r :
       {Json("/api", "{\"a\":1,\"b\":2,\"c\":3}"), Json("/api?q=1&r=2", "{\"a\":1}"),
        Json("/api?q=1&r=2&s=3", "{\"a\":{},\"b\":[]}"), Json("/api?q=1&r=2&s=3&t=4", "[[],{}]"),
        Json("/api?q=1&r=2&s=3", "")}) {
    EXPECT_TRUE(IsFast(r)) << r.uri << " " << r.body;
    EXPECT_TRUE(Sound(r)) << r.uri << " " << r.body;
  }
  for (const Request& r :
       {Json("/api", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}"),
        Json("/api?q=1&r=2", "{\"a\":1,\"b\":2}"), Json("/api?q=1&r=2&s=3", "{\"a\":1}"),
        Json("/api?q=1&r=2&s=3&t=4", "[null]")}) {
    EXPECT_FALSE(IsFast(r)) << r.uri << " " << r.body;
    EXPECT_TRUE(Flagged(r)) << r.uri << " " << r.body;
  }
}

// JSON arguments go to ARGS alone: a rule on ARGS_POST never sees them (libmodsecurity agrees:
// such a body is fast and sound), while a form's arguments it does see.
TEST_F(FastPathSoundnessTest, ArgsPostDoesNotSeeJsonArguments) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS_POST \"@rx evil\" \"id:10250,phase:2,deny,log\"\n"
           "SecRule ARGS_POST_NAMES \"@rx secret\" \"id:10251,phase:2,deny,log\"\n"
           "SecRule &ARGS_POST \"@gt 0\" \"id:10252,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  const Request json = Json("/api", "{\"a\":\"evil\",\"secret\":[\"evil\"]}");
  EXPECT_TRUE(IsFast(json));
  EXPECT_TRUE(Sound(json));
  EXPECT_FALSE(IsFast(Form("/f", "a=evil")));
  EXPECT_TRUE(Flagged(Form("/f", "a=evil")));
}

// &ARGS: phase 1 counts the query's arguments only, phase 2 the JSON body's too.
TEST_F(FastPathSoundnessTest, JsonArgumentsAreCountedAsEachPhaseSeesThem) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Load("SecRule &ARGS \"@eq 0\" \"id:10260,phase:1,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/api", "{\"a\":1}")));  // none in phase 1
  EXPECT_TRUE(Flagged(Json("/api", "{\"a\":1}")));
  EXPECT_TRUE(IsFast(Json("/api?q=1", "{\"a\":1}")));
  EXPECT_TRUE(Sound(Json("/api?q=1", "{\"a\":1}")));
  ASSERT_NO_FATAL_FAILURE(Load("SecRule &ARGS \"@gt 2\" \"id:10261,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/api?q=1", "{\"a\":1,\"b\":2}")));  // three in phase 2
  EXPECT_TRUE(Flagged(Json("/api?q=1", "{\"a\":1,\"b\":2}")));
  EXPECT_TRUE(IsFast(Json("/api?q=1", "{\"a\":1,\"b\":{}}")));
  EXPECT_TRUE(Sound(Json("/api?q=1", "{\"a\":1,\"b\":{}}")));
  ASSERT_NO_FATAL_FAILURE(Load("SecRule &ARGS_NAMES \"@ge 2\" \"id:10262,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Json("/api", "[1,2]")));
  EXPECT_TRUE(Flagged(Json("/api", "[1,2]")));
  EXPECT_TRUE(IsFast(Json("/api", "[1,[]]")));
  EXPECT_TRUE(Sound(Json("/api", "[1,[]]")));
}

// The body variables of a JSON body, as phase 2 sees them.
TEST_F(FastPathSoundnessTest, JsonBodyVariablesAreThoseLibmodsecuritySets) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule ARGS_COMBINED_SIZE \"@gt 20\" \"id:10270,phase:2,deny,log\"\n"
           "SecRule REQUEST_BODY \"@contains danger\" \"id:10271,phase:2,deny,log\"\n"
           "SecRule REQBODY_PROCESSOR \"@streq URLENCODED\" \"id:10272,phase:2,deny,log\"\n"
           "SecRule REQUEST_BODY_LENGTH \"@gt 40\" \"id:10273,phase:2,deny,log\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  // json.a + 15 bytes = 21; "\u00e9" is two bytes once decoded.
  for (const char* body :
       {"{\"a\":\"012345678901234\"}", "{\"a\":\"0123456789012\\u00e9\"}",
        "{\"a\":\"dan\",\"b\":\"danger\"}", "[\"0123456789\",\"0123456789\",1]"}) {
    EXPECT_FALSE(IsFast(Json("/api", body))) << body;
    EXPECT_TRUE(Flagged(Json("/api", body))) << body;
  }
  for (const char* body : {"{\"a\":\"01234567890123\"}", "{\"a\":\"0123456789\\u00e9\"}",
                           "{\"a\":\"dan\\u0067er\"}", "{\"a\":\"x\"}"}) {
    EXPECT_TRUE(IsFast(Json("/api", body))) << body;
    EXPECT_TRUE(Sound(Json("/api", body))) << body;
  }
}

// A rule switching a form's Content-Type to JSON makes libmodsecurity parse the form as JSON (a
// parse error): such a post is not decided as a form.
TEST_F(FastPathSoundnessTest, AFormSwitchedToJsonIsNotDecidedAsAForm) {
  RAMPART_REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(
      Load("SecRule REQUEST_HEADERS:Content-Type \"@rx form-urlencoded\" "
           "\"id:10280,phase:1,t:none,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"));
  ASSERT_NE(fast_, nullptr) << unsupported_;
  EXPECT_FALSE(IsFast(Form("/f", "a=1")));
  EXPECT_TRUE(Flagged(Form("/f", "a=1")));
  EXPECT_TRUE(IsFast(Json("/api", "{\"a\":1}")));
  EXPECT_TRUE(Sound(Json("/api", "{\"a\":1}")));
}

}  // namespace
}  // namespace rampart::fastpath
