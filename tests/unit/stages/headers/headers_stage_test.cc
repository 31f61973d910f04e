#include "stages/headers/headers_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/chain.h"
#include "pipeline/exchange.h"

namespace rampart::stages::headers {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::vector<std::pair<std::string, std::string>> Fields(const http::HeaderMap& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : headers) out.emplace_back(h.name, h.value);
  return out;
}

pipeline::Exchange MakeExchange() {
  pipeline::Exchange ex(pipeline::ClientInfo{"192.0.2.1", 1234, false});
  ex.request().method = "GET";
  ex.request().target = "/";
  return ex;
}

TEST(HeadersStageTest, FactoryDescribesAHeaderOnlyStage) {
  const HeadersStageFactory factory({}, {});
  EXPECT_EQ(factory.name(), "headers");
  EXPECT_FALSE(factory.InspectsRequestBody());
  EXPECT_FALSE(factory.InspectsResponseBody());
  // It records no findings: a configuration with only this stage copies no request headers.
  EXPECT_FALSE(factory.NeedsReceivedHeaders());
  EXPECT_NE(factory.Create(), nullptr);
}

TEST(HeadersStageTest, RequestSetReplaceAndRemove) {
  const HeadersStageFactory factory(
      {{"X-Added", "new"}, {"X-Replaced", "mine"}, {"x-removed", ""}, {"X-Absent", ""}}, {});
  auto stage = factory.Create();
  pipeline::Exchange ex = MakeExchange();
  auto& h = ex.request().headers;
  h.Add("Host", "example.com");
  h.Add("X-Replaced", "theirs1");
  h.Add("X-Removed", "a");
  h.Add("x-replaced", "theirs2");  // every copy of a set header goes
  h.Add("X-REMOVED", "b");
  EXPECT_EQ(stage->OnRequestHeaders(ex), pipeline::Action::kContinue);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("Host", "example.com"), Pair("X-Replaced", "mine"),
                                     Pair("X-Added", "new")));
  // The response is not touched by request edits.
  EXPECT_TRUE(ex.response().headers.empty());
}

TEST(HeadersStageTest, ResponseSetReplaceAndRemove) {
  const HeadersStageFactory factory({}, {{"Server", ""},
                                         {"X-Powered-By", ""},
                                         {"Strict-Transport-Security", "max-age=63072000"},
                                         {"Cache-Control", "no-store"}});
  auto stage = factory.Create();
  pipeline::Exchange ex = MakeExchange();
  auto& h = ex.response().headers;
  h.Add("Server", "Apache/2.4.1");
  h.Add("Content-Type", "text/html");
  h.Add("x-powered-by", "PHP/8.1");
  h.Add("Cache-Control", "public");
  EXPECT_EQ(stage->OnResponseHeaders(ex), pipeline::Action::kContinue);
  EXPECT_THAT(Fields(h),
              ElementsAre(Pair("Content-Type", "text/html"), Pair("Cache-Control", "no-store"),
                          Pair("Strict-Transport-Security", "max-age=63072000")));
  EXPECT_TRUE(ex.request().headers.empty());
}

TEST(HeadersStageTest, RequestEditsDoNotTouchTheResponseAndViceVersa) {
  const HeadersStageFactory factory({{"X-Req", "1"}}, {{"X-Resp", "2"}});
  auto stage = factory.Create();
  pipeline::Exchange ex = MakeExchange();
  EXPECT_EQ(stage->OnRequestHeaders(ex), pipeline::Action::kContinue);
  EXPECT_THAT(Fields(ex.request().headers), ElementsAre(Pair("X-Req", "1")));
  EXPECT_TRUE(ex.response().headers.empty());
  EXPECT_EQ(stage->OnResponseHeaders(ex), pipeline::Action::kContinue);
  EXPECT_THAT(Fields(ex.response().headers), ElementsAre(Pair("X-Resp", "2")));
  EXPECT_THAT(Fields(ex.request().headers), ElementsAre(Pair("X-Req", "1")));
}

TEST(HeadersStageTest, EditsApplyInOrder) {
  // A later edit of the same header wins; a removal after a set removes it.
  const HeadersStageFactory factory({{"X-A", "1"}, {"X-A", "2"}, {"X-B", "1"}, {"X-B", ""}}, {});
  auto stage = factory.Create();
  pipeline::Exchange ex = MakeExchange();
  EXPECT_EQ(stage->OnRequestHeaders(ex), pipeline::Action::kContinue);
  EXPECT_THAT(Fields(ex.request().headers), ElementsAre(Pair("X-A", "2")));
}

TEST(HeadersStageTest, EachRequestStartsFromTheConfig) {
  const HeadersStageFactory factory({{"X-Env", "prod"}}, {});
  for (int i = 0; i < 3; ++i) {
    auto stage = factory.Create();
    pipeline::Exchange ex = MakeExchange();
    ex.request().headers.Add("X-Env", "client-" + std::to_string(i));
    EXPECT_EQ(stage->OnRequestHeaders(ex), pipeline::Action::kContinue);
    EXPECT_THAT(Fields(ex.request().headers), ElementsAre(Pair("X-Env", "prod")));
  }
}

TEST(HeadersStageTest, RunsInAChain) {
  auto factory = std::make_shared<HeadersStageFactory>(
      std::vector<std::pair<std::string, std::string>>{{"X-Via-Chain", "yes"}},
      std::vector<std::pair<std::string, std::string>>{{"Server", ""}});
  const pipeline::Chain chain(std::vector<std::shared_ptr<const pipeline::StageFactory>>{factory});
  EXPECT_FALSE(chain.inspects_request_body());
  EXPECT_FALSE(chain.needs_received_headers());
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange();
  ex.response().headers.Add("Server", "nginx");
  EXPECT_EQ(run.RunRequestHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_FALSE(run.wants_buffered_body());
  EXPECT_EQ(run.RunResponseHeaders(ex), pipeline::ChainResult::kContinue);
  EXPECT_THAT(Fields(ex.request().headers), ElementsAre(Pair("X-Via-Chain", "yes")));
  EXPECT_TRUE(ex.response().headers.empty());
}

}  // namespace
}  // namespace rampart::stages::headers
