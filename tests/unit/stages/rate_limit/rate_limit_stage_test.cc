// The rate_limit stage driven through the chain runner: with the in-process store (bursts, 429
// headers, allow-listed clients, independent keys), and with a scripted shared backend whose
// answers come later (kPending and Resume, fail open and closed, answers after the exchange).

#include "stages/rate_limit/rate_limit_stage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pipeline/chain.h"
#include "pipeline/exchange.h"
#include "state/shared_backend.h"
#include "state/store.h"

namespace rampart::stages::rate_limit {
namespace {

using namespace std::chrono_literals;
using pipeline::ChainResult;
using pipeline::FindingSource;
using pipeline::Verdict;
using Kind = config::RateKeyPart::Kind;

RateLimitRule Rule(uint64_t rate, std::chrono::nanoseconds period, uint64_t burst,
                   std::vector<config::RateKeyPart> key = {{Kind::kClientIp, ""}},
                   std::string description = "") {
  RateLimitRule rule;
  rule.key = std::move(key);
  rule.policy = state::RatePolicy{rate, period, burst};
  rule.description = description.empty() ? std::to_string(rate) + "/s burst " +
                                               std::to_string(burst) + " by client_ip"
                                         : std::move(description);
  return rule;
}

std::shared_ptr<state::Store> MakeStore() {
  return std::make_shared<state::Store>(state::StoreOptions{}, nullptr);
}

pipeline::Chain MakeChain(std::shared_ptr<state::Store> store, std::vector<RateLimitRule> rules,
                          std::string route = "api") {
  return pipeline::Chain({std::make_shared<RateLimitStageFactory>(
      std::move(store), std::move(route), std::move(rules), "")});
}

pipeline::Exchange MakeExchange(const std::string& ip, const std::string& route = "api") {
  pipeline::Exchange ex(pipeline::ClientInfo{ip, 40000, false, ip});
  ex.set_request_id("req-1");
  ex.set_route_name(route);
  ex.request().method = "GET";
  ex.request().target = "/";
  return ex;
}

// One request through the chain (headers, and on success a 200 response's headers).
struct Outcome {
  ChainResult result = ChainResult::kContinue;
  pipeline::Exchange ex;
};

Outcome RunOne(const pipeline::Chain& chain, const std::string& ip, bool allowlisted = false,
               const std::function<void(pipeline::Exchange&)>& prepare = {}) {
  Outcome out{ChainResult::kContinue, MakeExchange(ip)};
  if (allowlisted) out.ex.set_allowlisted();
  if (prepare) prepare(out.ex);
  pipeline::ChainRun run(chain);
  out.result = run.RunRequestHeaders(out.ex);
  if (out.result == ChainResult::kContinue) {
    out.ex.response().status = 200;
    run.RunResponseHeaders(out.ex);
  }
  run.Complete(out.ex);
  return out;
}

std::string Header(const http::HeaderMap& headers, const std::string& name) {
  const std::string* v = headers.Get(name);
  return v ? *v : "<absent>";
}

TEST(RateLimitStageTest, NameAndFlags) {
  RateLimitStageFactory factory(MakeStore(), "api", {Rule(10, 1s, 3)}, "");
  EXPECT_EQ(factory.name(), "rate_limit");
  EXPECT_FALSE(factory.NeedsReceivedHeaders());
  EXPECT_FALSE(factory.InspectsRequestBody());
  EXPECT_EQ(factory.key_prefix(0), "rl:api:0:");
}

TEST(RateLimitStageTest, BurstPassesThenRefusedWith429AndHeaders) {
  const auto chain = MakeChain(MakeStore(), {Rule(10, 1s, 3)});
  for (int i = 0; i < 3; ++i) {
    Outcome out = RunOne(chain, "192.0.2.7");
    ASSERT_EQ(out.result, ChainResult::kContinue) << i;
    EXPECT_TRUE(out.ex.findings().empty());
    // An allowed response tells the client where it stands.
    EXPECT_EQ(Header(out.ex.response().headers, "RateLimit-Limit"), "3");
    EXPECT_EQ(Header(out.ex.response().headers, "RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(Header(out.ex.response().headers, "RateLimit-Reset"), "1");
  }
  Outcome out = RunOne(chain, "192.0.2.7");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  ASSERT_TRUE(out.ex.local_reply().has_value());
  const pipeline::LocalReply& reply = *out.ex.local_reply();
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(Header(reply.headers, "Retry-After"), "1");  // 100ms, rounded up
  EXPECT_EQ(Header(reply.headers, "RateLimit-Limit"), "3");
  EXPECT_EQ(Header(reply.headers, "RateLimit-Remaining"), "0");
  EXPECT_EQ(Header(reply.headers, "RateLimit-Reset"), "1");
  EXPECT_EQ(Header(reply.headers, "RateLimit-Policy"), "10;w=1;burst=3");
  EXPECT_EQ(Header(reply.headers, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reply.body, "Too many requests: retry in 1 second.\n");
  ASSERT_EQ(out.ex.findings().rules().size(), 1u);
  const pipeline::RuleMatch& rule = out.ex.findings().rules()[0];
  EXPECT_EQ(rule.source, FindingSource::kRateLimit);
  EXPECT_EQ(rule.id, "rate_limit:0");
  EXPECT_EQ(rule.msg, "rate limit 10/s burst 3 by client_ip exceeded");
  EXPECT_EQ(rule.data, "client_ip=192.0.2.7");
  EXPECT_EQ(out.ex.findings().verdict(), Verdict::kRateLimited);
  EXPECT_EQ(out.ex.findings().source(), FindingSource::kRateLimit);
  EXPECT_EQ(out.ex.findings().status(), 429);
}

TEST(RateLimitStageTest, SlowRateGivesWholeSecondsRoundedUp) {
  // One a minute, burst 2: the third request waits 60s; the bucket is full again in 120s.
  const auto chain = MakeChain(MakeStore(), {Rule(1, 60s, 2, {{Kind::kClientIp, ""}}, "1/m")});
  EXPECT_EQ(RunOne(chain, "192.0.2.7").result, ChainResult::kContinue);
  Outcome second = RunOne(chain, "192.0.2.7");
  EXPECT_EQ(Header(second.ex.response().headers, "RateLimit-Remaining"), "0");
  EXPECT_EQ(Header(second.ex.response().headers, "RateLimit-Reset"), "120");
  Outcome out = RunOne(chain, "192.0.2.7");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  const http::HeaderMap& h = out.ex.local_reply()->headers;
  EXPECT_EQ(Header(h, "Retry-After"), "60");
  EXPECT_EQ(Header(h, "RateLimit-Reset"), "120");
  EXPECT_EQ(Header(h, "RateLimit-Policy"), "1;w=60;burst=2");
  EXPECT_EQ(out.ex.findings().rules().at(0).msg, "rate limit 1/m exceeded");
}

TEST(RateLimitStageTest, BackendHeadersAreKept) {
  const auto chain = MakeChain(MakeStore(), {Rule(10, 1s, 3)});
  pipeline::ChainRun run(chain);
  pipeline::Exchange ex = MakeExchange("192.0.2.7");
  ASSERT_EQ(run.RunRequestHeaders(ex), ChainResult::kContinue);
  ex.response().status = 200;
  ex.response().headers.Add("RateLimit-Limit", "1000");
  ex.response().headers.Add("RateLimit-Remaining", "999");
  run.RunResponseHeaders(ex);
  run.Complete(ex);
  EXPECT_EQ(ex.response().headers.Count("RateLimit-Limit"), 1u);
  EXPECT_EQ(Header(ex.response().headers, "RateLimit-Limit"), "1000");
  EXPECT_EQ(Header(ex.response().headers, "RateLimit-Reset"), "<absent>");
}

TEST(RateLimitStageTest, ResponseShowsTheTightestLimit) {
  const auto chain = MakeChain(MakeStore(), {Rule(100, 1s, 10), Rule(10, 1s, 2)});
  Outcome out = RunOne(chain, "192.0.2.7");
  ASSERT_EQ(out.result, ChainResult::kContinue);
  EXPECT_EQ(Header(out.ex.response().headers, "RateLimit-Limit"), "2");
  EXPECT_EQ(Header(out.ex.response().headers, "RateLimit-Remaining"), "1");
}

TEST(RateLimitStageTest, AllowlistedClientIsNeverLimited) {
  const auto chain = MakeChain(MakeStore(), {Rule(1, 1s, 1)});
  for (int i = 0; i < 10; ++i) {
    Outcome out = RunOne(chain, "192.0.2.7", /*allowlisted=*/true);
    EXPECT_EQ(out.result, ChainResult::kContinue);
    EXPECT_TRUE(out.ex.findings().empty());
    EXPECT_EQ(Header(out.ex.response().headers, "RateLimit-Limit"), "<absent>");
  }
}

TEST(RateLimitStageTest, SeparateKeysAreIndependent) {
  auto store = MakeStore();
  const auto api = MakeChain(store, {Rule(1, 1s, 1)}, "api");
  const auto web = MakeChain(store, {Rule(1, 1s, 1)}, "web");
  EXPECT_EQ(RunOne(api, "192.0.2.7").result, ChainResult::kContinue);
  EXPECT_EQ(RunOne(api, "192.0.2.7").result, ChainResult::kRespond);
  // Another client, another route: fresh buckets.
  EXPECT_EQ(RunOne(api, "192.0.2.8").result, ChainResult::kContinue);
  EXPECT_EQ(RunOne(api, "2001:db8::1").result, ChainResult::kContinue);
  EXPECT_EQ(RunOne(web, "192.0.2.7").result, ChainResult::kContinue);
  // The IPv4-mapped form of a limited client is that client.
  EXPECT_EQ(RunOne(api, "::ffff:192.0.2.7").result, ChainResult::kRespond);
}

TEST(RateLimitStageTest, RequestMissingAKeyPartIsNotCounted) {
  const auto chain = MakeChain(
      MakeStore(), {Rule(1, 1s, 1, {{Kind::kHeader, "X-Api-Key"}}, "1/s by header:X-Api-Key")});
  for (int i = 0; i < 5; ++i) {
    Outcome out = RunOne(chain, "192.0.2.7");
    EXPECT_EQ(out.result, ChainResult::kContinue);
    EXPECT_EQ(Header(out.ex.response().headers, "RateLimit-Limit"), "<absent>");
  }
  const auto with_key = [](pipeline::Exchange& ex) { ex.request().headers.Add("X-Api-Key", "k1"); };
  EXPECT_EQ(RunOne(chain, "192.0.2.7", false, with_key).result, ChainResult::kContinue);
  Outcome out = RunOne(chain, "192.0.2.99", false, with_key);  // another address, same key
  ASSERT_EQ(out.result, ChainResult::kRespond);
  EXPECT_EQ(out.ex.findings().rules().at(0).data, "header:X-Api-Key=k1");
}

TEST(RateLimitStageTest, FirstRefusalWinsAndLaterLimitsAreNotCharged) {
  auto store = MakeStore();
  const auto chain = MakeChain(
      store, {Rule(1, 1s, 1), Rule(1, 1s, 5, {{Kind::kRoute, ""}}, "1/s burst 5 by route")});
  EXPECT_EQ(RunOne(chain, "192.0.2.7").result, ChainResult::kContinue);
  for (int i = 0; i < 3; ++i) {
    Outcome out = RunOne(chain, "192.0.2.7");
    ASSERT_EQ(out.result, ChainResult::kRespond);
    EXPECT_EQ(out.ex.findings().rules().at(0).id, "rate_limit:0");
  }
  // The route's bucket was charged once: 3 of 5 left after this check.
  std::optional<state::RateOutcome> seen;
  store->CheckRate("rl:api:1:api", state::RatePolicy{1, 1s, 5}, state::OnError::kOpen,
                   [&](const state::RateOutcome& o) { seen = o; });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->decision.remaining, 3u);
  // The second limit refuses once its own bucket is empty, with its own id.
  EXPECT_EQ(RunOne(chain, "192.0.2.8").result, ChainResult::kContinue);
  EXPECT_EQ(RunOne(chain, "192.0.2.9").result, ChainResult::kContinue);
  EXPECT_EQ(RunOne(chain, "192.0.2.10").result, ChainResult::kContinue);  // the fifth charge
  Outcome refused = RunOne(chain, "192.0.2.11");
  ASSERT_EQ(refused.result, ChainResult::kRespond);
  EXPECT_EQ(refused.ex.findings().rules().at(0).id, "rate_limit:1");
  EXPECT_EQ(refused.ex.findings().rules().at(0).data, "route=api");
  EXPECT_EQ(Header(refused.ex.local_reply()->headers, "RateLimit-Policy"), "1;w=1;burst=5");
}

TEST(RateLimitStageTest, ChallengeActionIsA429RecordedAsChallenge) {
  RateLimitRule rule = Rule(1, 1s, 1);
  rule.action = config::DenyAction::kChallenge;
  const auto chain = MakeChain(MakeStore(), {rule});
  RunOne(chain, "192.0.2.7");
  Outcome out = RunOne(chain, "192.0.2.7");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  EXPECT_EQ(out.ex.local_reply()->status, 429);
  EXPECT_EQ(out.ex.findings().verdict(), Verdict::kChallenged);
  EXPECT_EQ(out.ex.findings().status(), 429);
}

TEST(RateLimitStageTest, WithoutStoreOrRulesNothingIsLimited) {
  const auto no_store = MakeChain(nullptr, {Rule(1, 1s, 1)});
  const auto no_rules = MakeChain(MakeStore(), {});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(RunOne(no_store, "192.0.2.7").result, ChainResult::kContinue);
    EXPECT_EQ(RunOne(no_rules, "192.0.2.7").result, ChainResult::kContinue);
  }
}

// A shared backend whose answers the test hands out when it wants, in the order it wants.
class ScriptedBackend final : public state::SharedBackend {
 public:
  using RateAnswer = std::variant<state::RateDecision, state::StateError>;

  void AttachThread(event_base* /*base*/) override {}
  void DetachThread() override {}
  void CheckRate(std::string_view key, const state::RatePolicy& /*policy*/,
                 Callback<state::RateDecision> done) override {
    keys.emplace_back(key);
    calls.push_back(std::move(done));
  }
  void Strike(std::string_view /*ip*/, const state::StrikePolicy& /*policy*/,
              std::string_view /*reason*/, Callback<std::optional<state::Ban>> done) override {
    done(std::optional<state::Ban>());
  }
  void AddBan(const state::Ban& /*ban*/, Callback<bool> done) override { done(true); }
  void RemoveBan(std::string_view /*ip*/, Callback<bool> done) override { done(false); }
  void ListBans(Callback<std::vector<state::Ban>> done) override {
    done(std::vector<state::Ban>());
  }
  state::BackendStatus status() const override { return {}; }

  // Answers call `i` (once).
  void Answer(size_t i, RateAnswer answer) {
    auto done = std::move(calls.at(i));
    calls.at(i) = nullptr;
    ASSERT_TRUE(done) << "call " << i << " answered twice";
    done(std::move(answer));
  }

  std::vector<std::string> keys;
  std::vector<Callback<state::RateDecision>> calls;
};

state::RateDecision Allowed(uint64_t limit, uint64_t remaining) {
  state::RateDecision d;
  d.allowed = true;
  d.limit = limit;
  d.remaining = remaining;
  d.reset = 500ms;
  return d;
}

state::RateDecision Refused(uint64_t limit, std::chrono::nanoseconds retry_after) {
  state::RateDecision d;
  d.allowed = false;
  d.limit = limit;
  d.retry_after = retry_after;
  d.reset = 2500ms;
  return d;
}

class RateLimitAsyncTest : public ::testing::Test {
 protected:
  RateLimitAsyncTest() {
    auto backend = std::make_unique<ScriptedBackend>();
    backend_ = backend.get();
    store_ = std::make_shared<state::Store>(state::StoreOptions{}, std::move(backend));
  }

  // Starts a request: the chain's first answer, with Resume counted.
  ChainResult Start(const pipeline::Chain& chain, const std::string& ip = "192.0.2.7") {
    run_ = std::make_unique<pipeline::ChainRun>(chain);
    ex_ = std::make_unique<pipeline::Exchange>(MakeExchange(ip));
    ex_->set_resume([this] { ++resumes_; });
    return run_->RunRequestHeaders(*ex_);
  }

  ScriptedBackend* backend_;
  std::shared_ptr<state::Store> store_;
  std::unique_ptr<pipeline::ChainRun> run_;
  std::unique_ptr<pipeline::Exchange> ex_;
  int resumes_ = 0;
};

TEST_F(RateLimitAsyncTest, PendingUntilTheBackendAnswersThenContinues) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  ASSERT_EQ(backend_->keys.size(), 1u);
  EXPECT_EQ(backend_->keys[0], "rl:api:0:192.0.2.7");
  EXPECT_EQ(resumes_, 0);
  backend_->Answer(0, Allowed(5, 4));
  EXPECT_EQ(resumes_, 1);
  EXPECT_EQ(run_->ResumeRequestHeaders(*ex_), ChainResult::kContinue);
  ex_->response().status = 200;
  run_->RunResponseHeaders(*ex_);
  EXPECT_EQ(Header(ex_->response().headers, "RateLimit-Remaining"), "4");
  EXPECT_EQ(Header(ex_->response().headers, "RateLimit-Reset"), "1");
  run_->Complete(*ex_);
}

TEST_F(RateLimitAsyncTest, RefusalFromTheBackend) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  backend_->Answer(0, Refused(5, 2500ms));
  EXPECT_EQ(resumes_, 1);
  EXPECT_EQ(run_->ResumeRequestHeaders(*ex_), ChainResult::kRespond);
  const pipeline::LocalReply& reply = *ex_->local_reply();
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(Header(reply.headers, "Retry-After"), "3");
  EXPECT_EQ(Header(reply.headers, "RateLimit-Reset"), "3");
  EXPECT_EQ(Header(reply.headers, "RateLimit-Limit"), "5");
  run_->Complete(*ex_);
}

TEST_F(RateLimitAsyncTest, BackendErrorFailsOpenOnTheLocalTable) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 2)});
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Start(chain), ChainResult::kPending);
    backend_->Answer(static_cast<size_t>(i), state::StateError{"connection refused"});
    EXPECT_EQ(resumes_, i + 1);
    // The local table still limits: two pass, the third is refused.
    EXPECT_EQ(run_->ResumeRequestHeaders(*ex_),
              i < 2 ? ChainResult::kContinue : ChainResult::kRespond);
    run_->Complete(*ex_);
  }
  EXPECT_EQ(ex_->local_reply()->status, 429);
}

TEST_F(RateLimitAsyncTest, BackendErrorFailsClosedWith503) {
  RateLimitRule rule = Rule(10, 1s, 5);
  rule.on_error = state::OnError::kClosed;
  const auto chain = MakeChain(store_, {rule});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  backend_->Answer(0, state::StateError{"timeout"});
  EXPECT_EQ(resumes_, 1);
  EXPECT_EQ(run_->ResumeRequestHeaders(*ex_), ChainResult::kRespond);
  const pipeline::LocalReply& reply = *ex_->local_reply();
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(Header(reply.headers, "Retry-After"), "1");
  EXPECT_EQ(Header(reply.headers, "RateLimit-Limit"), "<absent>");
  ASSERT_EQ(ex_->findings().rules().size(), 1u);
  EXPECT_EQ(ex_->findings().rules()[0].id, "state_unavailable");
  EXPECT_EQ(ex_->findings().rules()[0].source, FindingSource::kRateLimit);
  EXPECT_EQ(ex_->findings().verdict(), Verdict::kBlocked);
  EXPECT_EQ(ex_->findings().status(), 503);
  run_->Complete(*ex_);
}

TEST_F(RateLimitAsyncTest, AllLimitsGoOutTogetherAndTheFirstRefusalInOrderWins) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5), Rule(10, 1s, 7)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  ASSERT_EQ(backend_->keys.size(), 2u);
  EXPECT_EQ(backend_->keys[1], "rl:api:1:192.0.2.7");
  // The second limit refuses first: the first one's answer is still needed.
  backend_->Answer(1, Refused(7, 1s));
  EXPECT_EQ(resumes_, 0);
  backend_->Answer(0, Allowed(5, 3));
  EXPECT_EQ(resumes_, 1);
  EXPECT_EQ(run_->ResumeRequestHeaders(*ex_), ChainResult::kRespond);
  EXPECT_EQ(ex_->findings().rules().at(0).id, "rate_limit:1");
  run_->Complete(*ex_);
}

TEST_F(RateLimitAsyncTest, AnEarlyRefusalDecidesWithoutWaitingAndLateAnswersDoNothing) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5), Rule(10, 1s, 7)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  backend_->Answer(0, Refused(5, 1s));
  EXPECT_EQ(resumes_, 1);
  EXPECT_EQ(run_->ResumeRequestHeaders(*ex_), ChainResult::kRespond);
  EXPECT_EQ(ex_->findings().rules().at(0).id, "rate_limit:0");
  backend_->Answer(1, Refused(7, 1s));
  EXPECT_EQ(resumes_, 1);
  EXPECT_EQ(ex_->findings().rules().size(), 1u);
  run_->Complete(*ex_);
}

TEST_F(RateLimitAsyncTest, AllAllowedResumesOnceAfterTheLastAnswer) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5), Rule(10, 1s, 7)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  backend_->Answer(1, Allowed(7, 1));
  EXPECT_EQ(resumes_, 0);
  backend_->Answer(0, Allowed(5, 3));
  EXPECT_EQ(resumes_, 1);
  EXPECT_EQ(run_->ResumeRequestHeaders(*ex_), ChainResult::kContinue);
  ex_->response().status = 200;
  run_->RunResponseHeaders(*ex_);
  EXPECT_EQ(Header(ex_->response().headers, "RateLimit-Limit"), "7");
  EXPECT_EQ(Header(ex_->response().headers, "RateLimit-Remaining"), "1");
  run_->Complete(*ex_);
}

TEST_F(RateLimitAsyncTest, AnswerAfterTheExchangeEndedDoesNothing) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5), Rule(10, 1s, 7)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  backend_->Answer(0, Allowed(5, 4));
  run_->Complete(*ex_);  // the client went away
  backend_->Answer(1, Refused(7, 1s));
  EXPECT_EQ(resumes_, 0);
  EXPECT_FALSE(ex_->local_reply().has_value());
  EXPECT_TRUE(ex_->findings().empty());
}

TEST_F(RateLimitAsyncTest, AnswerAfterTheStageIsGoneDoesNothing) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  run_->Complete(*ex_);
  run_.reset();  // the stage is destroyed with its run
  ex_.reset();   // and the exchange with its session
  backend_->Answer(0, Refused(5, 1s));
  EXPECT_EQ(resumes_, 0);
}

TEST_F(RateLimitAsyncTest, StageDestroyedWithoutCompleteIgnoresTheAnswer) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5)});
  ASSERT_EQ(Start(chain), ChainResult::kPending);
  run_.reset();
  backend_->Answer(0, Allowed(5, 4));
  EXPECT_EQ(resumes_, 0);
}

TEST_F(RateLimitAsyncTest, AllowlistedClientNeverReachesTheBackend) {
  const auto chain = MakeChain(store_, {Rule(10, 1s, 5)});
  run_ = std::make_unique<pipeline::ChainRun>(chain);
  ex_ = std::make_unique<pipeline::Exchange>(MakeExchange("192.0.2.7"));
  ex_->set_allowlisted();
  EXPECT_EQ(run_->RunRequestHeaders(*ex_), ChainResult::kContinue);
  EXPECT_TRUE(backend_->keys.empty());
  run_->Complete(*ex_);
}

}  // namespace
}  // namespace rampart::stages::rate_limit
