// The waf stage driven through the chain runner with real compiled policies (rampart's rules/
// and the installed CRS; skipped without /usr/share/modsecurity-crs).

#include "stages/waf/waf_stage.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../../modsec/modsec_test_util.h"
#include "pipeline/chain.h"
#include "pipeline/exchange.h"

namespace rampart::stages::waf {
namespace {

using modsec::test_util::MustCompile;

constexpr char kSqliTarget[] = "/?id=1'%20OR%201=1--";

pipeline::Exchange MakeExchange(std::string method, std::string target) {
  pipeline::Exchange ex(pipeline::ClientInfo{"192.0.2.10", 51234, false});
  ex.set_request_id("req-123");
  ex.request().method = std::move(method);
  ex.request().target = target;
  ex.original_target = std::move(target);
  auto& h = ex.request().headers;
  h.Add("Host", "localhost");
  h.Add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
  h.Add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
  h.Add("Accept-Language", "en-US,en;q=0.5");
  return ex;
}

pipeline::Chain MakeChain(const modsec::Policy& policy, std::string block_page = {}) {
  auto compiled = MustCompile(policy);
  std::vector<std::shared_ptr<const pipeline::StageFactory>> factories;
  if (compiled) {
    factories.push_back(std::make_shared<WafStageFactory>(compiled, std::move(block_page)));
  }
  return pipeline::Chain(std::move(factories));
}

bool HasRule(const pipeline::Exchange& ex, const std::string& id) {
  for (const auto& r : ex.findings().rules()) {
    if (r.id == id) return true;
  }
  return false;
}

TEST(WafStageTest, BlockModeAnswersTheBlockPageAndRecordsFindings) {
  RAMPART_REQUIRE_CRS();
  const pipeline::Chain chain = MakeChain(modsec::Policy{});
  ASSERT_EQ(chain.factories().size(), 1u);
  EXPECT_EQ(chain.factories()[0]->name(), "waf");
  EXPECT_TRUE(chain.inspects_request_body());
  EXPECT_FALSE(chain.inspects_response_body());
  EXPECT_TRUE(chain.needs_received_headers());

  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("GET", kSqliTarget);
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kRespond);
  ASSERT_TRUE(ex.local_reply().has_value());
  EXPECT_EQ(ex.local_reply()->status, 403);
  EXPECT_NE(ex.local_reply()->body.find("req-123"), std::string::npos);
  EXPECT_EQ(ex.local_reply()->body.find("942100"), std::string::npos);  // nothing about rules
  EXPECT_TRUE(HasRule(ex, "942100"));
  EXPECT_EQ(ex.findings().verdict(), pipeline::Verdict::kBlocked);
  EXPECT_EQ(ex.findings().source(), pipeline::FindingSource::kWaf);
  EXPECT_EQ(ex.findings().status(), 403);
  ASSERT_TRUE(ex.findings().scores().has_value());
  EXPECT_GE(ex.findings().scores()->inbound, 5);
  for (const auto& r : ex.findings().rules()) {
    if (r.id == "942100") {
      EXPECT_EQ(r.severity, "critical");
      EXPECT_EQ(r.var, "ARGS:id");
    }
  }
  run.Complete(ex);
}

TEST(WafStageTest, DetectModeLetsTheRequestThroughWithFindings) {
  RAMPART_REQUIRE_CRS();
  modsec::Policy policy;
  policy.detect_only = true;
  const pipeline::Chain chain = MakeChain(policy);
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("GET", kSqliTarget);
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_FALSE(run.wants_buffered_body());
  EXPECT_FALSE(ex.local_reply().has_value());
  EXPECT_TRUE(HasRule(ex, "942100"));
  EXPECT_EQ(ex.findings().verdict(), pipeline::Verdict::kDetected);
  EXPECT_EQ(ex.findings().status(), 0);
  run.Complete(ex);
}

TEST(WafStageTest, CleanRequestPassesWithNoFindings) {
  RAMPART_REQUIRE_CRS();
  const pipeline::Chain chain = MakeChain(modsec::Policy{});
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("GET", "/products/42?sort=price&page=2");
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_FALSE(ex.local_reply().has_value());
  EXPECT_TRUE(ex.findings().empty());
  run.Complete(ex);
}

TEST(WafStageTest, ExclusionByIdLetsTheRequestThrough) {
  RAMPART_REQUIRE_CRS();
  modsec::Policy policy;
  policy.exclusions.push_back({modsec::RuleExclusion::Kind::kById, "942100", ""});
  policy.inbound_threshold = 1000;  // other SQLi rules may still score; only 942100 is checked
  const pipeline::Chain chain = MakeChain(policy);
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("GET", kSqliTarget);
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_FALSE(HasRule(ex, "942100"));
}

TEST(WafStageTest, FormBodyIsBufferedThenBlocked) {
  RAMPART_REQUIRE_CRS();
  const pipeline::Chain chain = MakeChain(modsec::Policy{});
  pipeline::ChainRun run(chain);
  const std::string body = "user=bob&id=1'%20OR%201=1--";
  pipeline::Exchange ex = MakeExchange("POST", "/submit");
  ex.request().headers.Add("Content-Type", "application/x-www-form-urlencoded");
  ex.request().headers.Add("Content-Length", std::to_string(body.size()));
  ex.request().framing = http::BodyFraming::kContentLength;
  ex.request().content_length = body.size();
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_TRUE(run.wants_buffered_body());
  EXPECT_TRUE(ex.findings().empty());
  EXPECT_EQ(run.RunRequestBody(ex, body, true), pipeline::ChainResult::kRespond);
  ASSERT_TRUE(ex.local_reply().has_value());
  EXPECT_EQ(ex.local_reply()->status, 403);
  EXPECT_TRUE(HasRule(ex, "942100"));
  EXPECT_EQ(ex.findings().verdict(), pipeline::Verdict::kBlocked);
}

TEST(WafStageTest, DeclaredLengthOverTheLimitIsRefusedWith413BeforeTheBody) {
  RAMPART_REQUIRE_CRS();
  modsec::Policy policy;
  policy.request_body_limit = 16;
  const pipeline::Chain chain = MakeChain(policy);
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("POST", "/submit");
  ex.request().headers.Add("Content-Type", "application/x-www-form-urlencoded");
  ex.request().framing = http::BodyFraming::kContentLength;
  ex.request().content_length = 102;
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kRespond);
  ASSERT_TRUE(ex.local_reply().has_value());
  EXPECT_EQ(ex.local_reply()->status, 413);
}

TEST(WafStageTest, ChunkedBodyOverTheLimitIsRefusedWith413OnTheFirstBytesPastIt) {
  RAMPART_REQUIRE_CRS();
  modsec::Policy policy;
  policy.request_body_limit = 16;
  const pipeline::Chain chain = MakeChain(policy);
  pipeline::ChainRun run(chain);
  EXPECT_EQ(chain.factories().front()->RequestBodyBufferLimit(), 16u);
  pipeline::Exchange ex = MakeExchange("POST", "/submit");
  ex.request().headers.Add("Content-Type", "application/x-www-form-urlencoded");
  ex.request().framing = http::BodyFraming::kChunked;
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_TRUE(run.wants_buffered_body());
  EXPECT_EQ(run.RunRequestBody(ex, "a=" + std::string(15, 'x'), false),
            pipeline::ChainResult::kRespond);  // 17 bytes, the end not seen yet
  ASSERT_TRUE(ex.local_reply().has_value());
  EXPECT_EQ(ex.local_reply()->status, 413);
}

// Rules see both ends of the connection: REMOTE_ADDR/PORT and SERVER_ADDR/PORT.
TEST(WafStageTest, RulesSeeTheClientAndTheLocalAddress) {
  RAMPART_REQUIRE_CRS();
  modsec::test_util::TempRuleFile rules(
      "addresses.conf",
      "SecRule REMOTE_ADDR \"@streq 192.0.2.10\" \"id:10101,phase:1,pass,log,chain\"\n"
      "  SecRule REMOTE_PORT \"@eq 51234\" \"chain\"\n"
      "  SecRule SERVER_ADDR \"@streq 192.0.2.80\" \"chain\"\n"
      "  SecRule SERVER_PORT \"@eq 8080\" \"t:none\"\n");
  modsec::Policy policy;
  policy.after_crs = {rules.path()};
  const pipeline::Chain chain = MakeChain(policy);
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("GET", "/");
  ex.set_local({"192.0.2.80", 8080});
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_TRUE(HasRule(ex, "10101"));
}

TEST(WafStageTest, CustomBlockPageGetsTheEscapedRequestId) {
  RAMPART_REQUIRE_CRS();
  const pipeline::Chain chain = MakeChain(modsec::Policy{}, "<p>blocked {{request_id}}</p>");
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("GET", kSqliTarget);
  ASSERT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kRespond);
  EXPECT_EQ(ex.local_reply()->body, "<p>blocked req-123</p>");
}

TEST(WafStageTest, RenderBlockPage) {
  EXPECT_EQ(RenderBlockPage("a {{request_id}} b {{request_id}}", "x<y"), "a x&lt;y b x&lt;y");
  EXPECT_EQ(RenderBlockPage("no placeholder", "id"), "no placeholder");
  const std::string builtin = RenderBlockPage("", "abc");
  EXPECT_NE(builtin.find("403 Forbidden"), std::string::npos);
  EXPECT_NE(builtin.find("abc"), std::string::npos);
  EXPECT_EQ(builtin.find("{{"), std::string::npos);
}

TEST(WafStageTest, ResponseBodyIsInspectedOnlyWhenEnabled) {
  RAMPART_REQUIRE_CRS();
  EXPECT_FALSE(MakeChain(modsec::Policy{}).inspects_response_body());
  modsec::Policy policy;
  policy.inspect_response = true;
  const pipeline::Chain chain = MakeChain(policy);
  EXPECT_TRUE(chain.inspects_response_body());

  // A response leaking a SQL error message (CRS 951xxx) is blocked once its body is seen.
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("GET", "/report");
  ASSERT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  ex.response().status = 200;
  ex.response().headers.Add("Content-Type", "text/html");
  const std::string body =
      "<html><body>You have an error in your SQL syntax; check the manual that corresponds to "
      "your MySQL server version for the right syntax to use near ''' at line 1</body></html>";
  ex.response().headers.Add("Content-Length", std::to_string(body.size()));
  ex.response().framing = http::BodyFraming::kContentLength;
  ex.response().content_length = body.size();
  ASSERT_EQ(run.RunResponseHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_EQ(run.RunResponseBody(ex, body, true), pipeline::ChainResult::kRespond);
  EXPECT_FALSE(ex.findings().empty());
  EXPECT_EQ(ex.findings().verdict(), pipeline::Verdict::kBlocked);
  run.Complete(ex);
}

}  // namespace
}  // namespace rampart::stages::waf
