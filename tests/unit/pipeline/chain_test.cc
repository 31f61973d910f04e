#include "pipeline/chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/exchange.h"
#include "pipeline/stage.h"

namespace rampart::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Every hook call of every fake stage, in order, as "<stage>.<hook>" (body hooks add the chunk
// and the end flag: "a.req_body(xyz,1)").
using CallLog = std::vector<std::string>;

// What a fake stage answers, and what it does before answering.
struct FakeBehaviour {
  Action request_headers = Action::kContinue;
  Action request_body = Action::kContinue;
  Action response_headers = Action::kContinue;
  Action response_body = Action::kContinue;
  bool inspects_request_body = false;
  bool inspects_response_body = false;
  // Set a local reply with this status in OnRequestHeaders (0: none).
  int reply_status = 0;
  uint64_t buffer_limit = UINT64_MAX;  // RequestBodyBufferLimit()
};

class FakeStage final : public Stage {
 public:
  FakeStage(std::string name, FakeBehaviour behaviour, CallLog* log)
      : name_(std::move(name)), behaviour_(behaviour), log_(log) {}

  Action OnRequestHeaders(Exchange& ex) noexcept override {
    log_->push_back(name_ + ".req_headers");
    if (behaviour_.reply_status != 0) ex.SetLocalReply(behaviour_.reply_status, "blocked");
    return behaviour_.request_headers;
  }
  Action OnRequestBody(Exchange& /*ex*/, std::string_view chunk, bool end) noexcept override {
    log_->push_back(name_ + ".req_body(" + std::string(chunk) + "," + (end ? "1" : "0") + ")");
    return behaviour_.request_body;
  }
  Action OnResponseHeaders(Exchange& /*ex*/) noexcept override {
    log_->push_back(name_ + ".resp_headers");
    return behaviour_.response_headers;
  }
  Action OnResponseBody(Exchange& /*ex*/, std::string_view chunk, bool end) noexcept override {
    log_->push_back(name_ + ".resp_body(" + std::string(chunk) + "," + (end ? "1" : "0") + ")");
    return behaviour_.response_body;
  }
  void OnComplete(const Exchange& /*ex*/) noexcept override {
    log_->push_back(name_ + ".complete");
  }

 private:
  std::string name_;
  FakeBehaviour behaviour_;
  CallLog* log_;
};

class FakeFactory final : public StageFactory {
 public:
  FakeFactory(std::string name, FakeBehaviour behaviour, CallLog* log)
      : name_(std::move(name)), behaviour_(behaviour), log_(log) {}
  std::string_view name() const override { return name_; }
  std::unique_ptr<Stage> Create() const override {
    ++created_;
    return std::make_unique<FakeStage>(name_, behaviour_, log_);
  }
  bool InspectsRequestBody() const override { return behaviour_.inspects_request_body; }
  bool InspectsResponseBody() const override { return behaviour_.inspects_response_body; }
  uint64_t RequestBodyBufferLimit() const override { return behaviour_.buffer_limit; }
  int created() const { return created_; }

 private:
  std::string name_;
  FakeBehaviour behaviour_;
  CallLog* log_;
  mutable int created_ = 0;
};

class ChainTest : public ::testing::Test {
 protected:
  // Appends a fake stage called `name` to the chain under construction.
  void AddStage(const std::string& name, FakeBehaviour behaviour = {}) {
    auto factory = std::make_shared<FakeFactory>(name, behaviour, &log_);
    fakes_.push_back(factory);
    factories_.push_back(std::move(factory));
  }
  // Builds the chain from the stages added so far.
  Chain Build() { return Chain(factories_); }

  CallLog log_;
  std::vector<std::shared_ptr<const StageFactory>> factories_;
  std::vector<std::shared_ptr<FakeFactory>> fakes_;
  Exchange ex_{ClientInfo{"192.0.2.1", 40000, false}};
};

TEST_F(ChainTest, EmptyChainContinuesEverywhere) {
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_EQ(run.RunRequestBody(ex_, "x", true), ChainResult::kContinue);
  EXPECT_EQ(run.RunResponseHeaders(ex_), ChainResult::kContinue);
  EXPECT_EQ(run.RunResponseBody(ex_, "y", true), ChainResult::kContinue);
  run.Complete(ex_);
  EXPECT_FALSE(run.wants_buffered_body());
  EXPECT_FALSE(chain.inspects_request_body());
  EXPECT_FALSE(chain.inspects_response_body());
}

TEST_F(ChainTest, OneStageInstancePerRun) {
  AddStage("a");
  AddStage("b");
  const Chain chain = Build();
  ChainRun first(chain);
  ChainRun second(chain);
  EXPECT_EQ(fakes_[0]->created(), 2);
  EXPECT_EQ(fakes_[1]->created(), 2);
}

TEST_F(ChainTest, RequestHeadersRunInOrder) {
  AddStage("a");
  AddStage("b");
  AddStage("c");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_THAT(log_, ElementsAre("a.req_headers", "b.req_headers", "c.req_headers"));
  EXPECT_FALSE(run.wants_buffered_body());
}

TEST_F(ChainTest, RespondStopsLaterStages) {
  AddStage("a");
  AddStage("b", {.request_headers = Action::kRespond, .reply_status = 403});
  AddStage("c");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kRespond);
  EXPECT_THAT(log_, ElementsAre("a.req_headers", "b.req_headers"));
  ASSERT_TRUE(ex_.local_reply().has_value());
  EXPECT_EQ(ex_.local_reply()->status, 403);
  EXPECT_EQ(ex_.local_reply()->body, "blocked");
  ASSERT_NE(ex_.local_reply()->headers.Get("Content-Type"), nullptr);
  EXPECT_EQ(*ex_.local_reply()->headers.Get("Content-Type"), "text/html");
}

TEST_F(ChainTest, PendingThenResumeContinuesWithTheNextStage) {
  AddStage("a");
  AddStage("b", {.request_headers = Action::kPending});
  AddStage("c");
  AddStage("d");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kPending);
  EXPECT_THAT(log_, ElementsAre("a.req_headers", "b.req_headers"));
  log_.clear();
  EXPECT_EQ(run.ResumeRequestHeaders(ex_), ChainResult::kContinue);
  // The pending stage's hook is not called again; nor are the stages before it.
  EXPECT_THAT(log_, ElementsAre("c.req_headers", "d.req_headers"));
}

TEST_F(ChainTest, TwoPendingStagesResumeInTurn) {
  AddStage("a", {.request_headers = Action::kPending});
  AddStage("b");
  AddStage("c", {.request_headers = Action::kPending});
  AddStage("d");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kPending);
  EXPECT_EQ(run.ResumeRequestHeaders(ex_), ChainResult::kPending);
  EXPECT_EQ(run.ResumeRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_THAT(log_,
              ElementsAre("a.req_headers", "b.req_headers", "c.req_headers", "d.req_headers"));
}

TEST_F(ChainTest, LastStagePendingResumesToContinue) {
  AddStage("a");
  AddStage("b", {.request_headers = Action::kPending});
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kPending);
  EXPECT_EQ(run.ResumeRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_THAT(log_, ElementsAre("a.req_headers", "b.req_headers"));
}

TEST_F(ChainTest, PendingStageThatSetALocalReplyMakesResumeRespond) {
  AddStage("a", {.request_headers = Action::kPending, .reply_status = 429});
  AddStage("b");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kPending);
  EXPECT_EQ(run.ResumeRequestHeaders(ex_), ChainResult::kRespond);
  EXPECT_THAT(log_, ElementsAre("a.req_headers"));  // b never runs
  ASSERT_TRUE(ex_.local_reply().has_value());
  EXPECT_EQ(ex_.local_reply()->status, 429);
}

TEST_F(ChainTest, ExchangeResumeCallsTheSessionCallback) {
  int resumed = 0;
  ex_.Resume();  // no callback set: nothing happens
  ex_.set_resume([&] { ++resumed; });
  ex_.Resume();
  EXPECT_EQ(resumed, 1);
}

TEST_F(ChainTest, StopAndBufferSetsTheFlagAndLaterStagesStillRun) {
  AddStage("a");
  AddStage("b", {.request_headers = Action::kStopAndBuffer, .inspects_request_body = true});
  AddStage("c");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_FALSE(run.wants_buffered_body());
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_TRUE(run.wants_buffered_body());
  EXPECT_THAT(log_, ElementsAre("a.req_headers", "b.req_headers", "c.req_headers"));
}

TEST_F(ChainTest, BufferedBodyLimitIsTheLargestOfTheStagesThatAsked) {
  AddStage("a", {.request_headers = Action::kStopAndBuffer, .buffer_limit = 1024});
  AddStage("b", {.request_headers = Action::kContinue, .buffer_limit = 1 << 20});  // did not ask
  AddStage("c", {.request_headers = Action::kStopAndBuffer, .buffer_limit = 4096});
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_EQ(run.buffered_body_limit(), 4096u);
}

TEST_F(ChainTest, StopAndBufferBeforePendingIsKeptAfterResume) {
  AddStage("a", {.request_headers = Action::kStopAndBuffer});
  AddStage("b", {.request_headers = Action::kPending});
  AddStage("c");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kPending);
  EXPECT_TRUE(run.wants_buffered_body());
  EXPECT_EQ(run.ResumeRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_TRUE(run.wants_buffered_body());
}

TEST_F(ChainTest, StopAndBufferAfterResumeSetsTheFlag) {
  AddStage("a", {.request_headers = Action::kPending});
  AddStage("b", {.request_headers = Action::kStopAndBuffer});
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kPending);
  EXPECT_FALSE(run.wants_buffered_body());
  EXPECT_EQ(run.ResumeRequestHeaders(ex_), ChainResult::kContinue);
  EXPECT_TRUE(run.wants_buffered_body());
}

TEST_F(ChainTest, InspectsFlagsAreTheOrOfTheFactories) {
  AddStage("a");
  AddStage("b", {.inspects_request_body = true});
  const Chain req_only = Build();
  EXPECT_TRUE(req_only.inspects_request_body());
  EXPECT_FALSE(req_only.inspects_response_body());

  AddStage("c", {.inspects_response_body = true});
  const Chain both = Build();
  EXPECT_TRUE(both.inspects_request_body());
  EXPECT_TRUE(both.inspects_response_body());
  EXPECT_EQ(both.factories().size(), 3u);
}

TEST_F(ChainTest, RequestBodyOnlyReachesStagesThatInspectIt) {
  AddStage("a");
  AddStage("b", {.inspects_request_body = true});
  AddStage("c", {.inspects_response_body = true});
  AddStage("d", {.inspects_request_body = true});
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestBody(ex_, "abc", false), ChainResult::kContinue);
  EXPECT_EQ(run.RunRequestBody(ex_, "def", true), ChainResult::kContinue);
  EXPECT_THAT(log_, ElementsAre("b.req_body(abc,0)", "d.req_body(abc,0)", "b.req_body(def,1)",
                                "d.req_body(def,1)"));
}

TEST_F(ChainTest, RequestBodyRespondStopsLaterStages) {
  AddStage("a", {.request_body = Action::kRespond, .inspects_request_body = true});
  AddStage("b", {.inspects_request_body = true});
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestBody(ex_, "evil", true), ChainResult::kRespond);
  EXPECT_THAT(log_, ElementsAre("a.req_body(evil,1)"));
}

TEST_F(ChainTest, ResponseHeadersRunInOrderAndRespondStops) {
  AddStage("a");
  AddStage("b", {.response_headers = Action::kRespond});
  AddStage("c");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunResponseHeaders(ex_), ChainResult::kRespond);
  EXPECT_THAT(log_, ElementsAre("a.resp_headers", "b.resp_headers"));
}

TEST_F(ChainTest, ResponseBodyOnlyReachesStagesThatInspectIt) {
  AddStage("a", {.inspects_request_body = true});
  AddStage("b", {.inspects_response_body = true});
  AddStage("c", {.response_body = Action::kRespond, .inspects_response_body = true});
  AddStage("d", {.inspects_response_body = true});
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunResponseBody(ex_, "page", true), ChainResult::kRespond);
  EXPECT_THAT(log_, ElementsAre("b.resp_body(page,1)", "c.resp_body(page,1)"));
}

TEST_F(ChainTest, CompleteRunsEveryStageOnce) {
  AddStage("a", {.request_headers = Action::kRespond});
  AddStage("b");
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kRespond);
  log_.clear();
  run.Complete(ex_);
  // Also the stage that never saw the request gets OnComplete.
  EXPECT_THAT(log_, ElementsAre("a.complete", "b.complete"));
  run.Complete(ex_);
  run.Complete(ex_);
  EXPECT_THAT(log_, ElementsAre("a.complete", "b.complete"));
}

TEST_F(ChainTest, CompleteWhilePendingStillRunsOnce) {
  AddStage("a", {.request_headers = Action::kPending});
  const Chain chain = Build();
  ChainRun run(chain);
  EXPECT_EQ(run.RunRequestHeaders(ex_), ChainResult::kPending);
  run.Complete(ex_);
  run.Complete(ex_);
  EXPECT_THAT(log_, ElementsAre("a.req_headers", "a.complete"));
}

TEST(ExchangeTest, SetLocalReplyReplacesAnEarlierOne) {
  Exchange ex(ClientInfo{"::1", 1, true});
  EXPECT_FALSE(ex.local_reply().has_value());
  ex.SetLocalReply(403, "first");
  ex.SetLocalReply(302, "", "");
  ASSERT_TRUE(ex.local_reply().has_value());
  EXPECT_EQ(ex.local_reply()->status, 302);
  EXPECT_THAT(ex.local_reply()->body, IsEmpty());
  // An empty content type adds no header at all.
  EXPECT_EQ(ex.local_reply()->headers.Get("Content-Type"), nullptr);
  EXPECT_EQ(ex.client().ip, "::1");
  EXPECT_TRUE(ex.client().tls);
}

}  // namespace
}  // namespace rampart::pipeline
