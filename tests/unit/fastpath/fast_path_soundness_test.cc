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
    RequestHead head{r.method, r.uri, "1.1", {}, false, r.body};
    for (const auto& [n, v] : r.headers) head.headers.emplace_back(n, v);
    const Decision d = fast_->Decide(head);
    if (!d.fast) return ::testing::AssertionSuccess() << d.reason;
    auto started = modsec::Inspection::Start(policy_, "soundness");
    if (!started.ok()) return ::testing::AssertionFailure() << started.error().message;
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
    if (findings == 0 && score == 0 && !intervention) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << r.uri << ": the fast path skipped it, libmodsecurity has " << findings
           << " finding(s), score " << score << (intervention ? ", an intervention" : "");
  }

  // Whether the fast path skips libmodsecurity for `r` (so that a case is not passed only
  // because everything took the slow path).
  bool IsFast(const Request& r) {
    if (fast_ == nullptr) return false;
    RequestHead head{r.method, r.uri, "1.1", {}, false, r.body};
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
  RequestHead head{"GET", "/", "1.1", {}, false, {}};
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
