#include "stages/rate_limit/rate_limit_stage.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "pipeline/exchange.h"
#include "pipeline/findings.h"
#include "stages/rate_limit/rate_key.h"

namespace rampart::stages::rate_limit {
namespace {

using pipeline::Action;
using pipeline::FindingSource;
using pipeline::Verdict;

constexpr std::string_view kTextType = "text/plain; charset=utf-8";

// Whole seconds, rounded up (0 for nothing left).
uint64_t CeilSeconds(std::chrono::nanoseconds d) {
  if (d.count() <= 0) return 0;
  constexpr int64_t kSecond = 1'000'000'000;
  return static_cast<uint64_t>((d.count() - 1) / kSecond + 1);
}

class RateLimitStage final : public pipeline::Stage {
 public:
  explicit RateLimitStage(const RateLimitStageFactory& factory) : factory_(factory) {}
  ~RateLimitStage() override {
    if (alive_) *alive_ = false;
  }
  RateLimitStage(const RateLimitStage&) = delete;
  RateLimitStage& operator=(const RateLimitStage&) = delete;

  Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    state::Store* store = factory_.store();
    const std::vector<RateLimitRule>& rules = factory_.rules();
    if (store == nullptr || rules.empty() || ex.allowlisted()) return Action::kContinue;
    for (size_t i = 0; i < rules.size(); ++i) {
      const RateLimitRule& rule = rules[i];
      auto key =
          BuildRateKeyParts(rule.key, ex, rule.prefix_v4, rule.prefix_v6, factory_.api_keys());
      if (!key) continue;  // a part is missing: this limit does not count the request
      checks_.push_back(
          Check{i, factory_.key_prefix(i) + key->key, std::move(key->readable), std::nullopt});
    }
    if (checks_.empty()) return Action::kContinue;
    ex_ = &ex;
    // The store may answer after this stage is gone (Redis, a client that went away): the
    // callbacks share this flag, not the stage.
    alive_ = std::make_shared<bool>(true);
    // Local answers come before CheckRate returns, so a refusal stops the loop and later limits
    // are not charged.
    for (size_t slot = 0; slot < checks_.size() && !decided_; ++slot) {
      const RateLimitRule& rule = rules[checks_[slot].rule];
      store->CheckRate(checks_[slot].store_key, rule.policy, rule.on_error,
                       [this, alive = alive_, slot](const state::RateOutcome& outcome) {
                         if (*alive) OnAnswer(slot, outcome);
                       });
    }
    if (decided_) return decision_;
    waiting_ = true;
    return Action::kPending;
  }

  Action OnResponseHeaders(pipeline::Exchange& ex) noexcept override {
    if (!tightest_) return Action::kContinue;
    http::HeaderMap& headers = ex.response().headers;
    // The backend's own rate-limit headers describe its own limits: keep them.
    if (headers.Get("RateLimit-Limit") != nullptr ||
        headers.Get("RateLimit-Remaining") != nullptr ||
        headers.Get("RateLimit-Reset") != nullptr) {
      return Action::kContinue;
    }
    headers.Add("RateLimit-Limit", std::to_string(tightest_->limit));
    headers.Add("RateLimit-Remaining", std::to_string(tightest_->remaining));
    headers.Add("RateLimit-Reset", std::to_string(CeilSeconds(tightest_->reset)));
    return Action::kContinue;
  }

  void OnComplete(const pipeline::Exchange& /*ex*/) noexcept override {
    if (alive_) *alive_ = false;  // the exchange is going away: later answers touch nothing
    ex_ = nullptr;
  }

 private:
  // One limit whose key the request has.
  struct Check {
    size_t rule = 0;  // index in factory_.rules()
    std::string store_key;
    std::string readable;  // for the finding
    std::optional<state::RateOutcome> outcome;
  };

  void OnAnswer(size_t slot, const state::RateOutcome& outcome) {
    checks_[slot].outcome = outcome;
    if (decided_) return;
    // The first refusal in rule order decides, so an earlier limit's answer must be in first.
    const Check* refusal = nullptr;
    for (const Check& check : checks_) {
      if (!check.outcome) return;
      if (check.outcome->failed || !check.outcome->decision.allowed) {
        refusal = &check;
        break;
      }
    }
    decided_ = true;
    decision_ = refusal != nullptr ? Refuse(*ex_, *refusal) : Allow();
    // Last: the chain may go on from here and end the exchange (and this stage) before
    // Resume returns.
    if (waiting_) ex_->Resume();
  }

  Action Allow() {
    for (const Check& check : checks_) {
      // A cleared client passing a refusal leaves the limits after it unasked.
      if (!check.outcome || check.outcome->failed) continue;
      const state::RateDecision& d = check.outcome->decision;
      if (!tightest_ || d.remaining < tightest_->remaining) tightest_ = d;
    }
    return Action::kContinue;
  }

  Action Refuse(pipeline::Exchange& ex, const Check& check) {
    const RateLimitRule& rule = factory_.rules()[check.rule];
    const state::RateOutcome& outcome = *check.outcome;
    pipeline::RuleMatch match;
    match.source = FindingSource::kRateLimit;
    match.data = check.readable;
    if (outcome.failed) {
      // Shared state is down and this limit fails closed: refuse rather than let the request
      // through uncounted. Not the client's doing, hence 503 and no 429 headers.
      match.id = "state_unavailable";
      match.msg = "rate limit " + rule.description +
                  " could not be checked: shared state is unavailable (on_error: closed)";
      ex.findings().AddRule(std::move(match));
      ex.SetLocalReply(503, "Service temporarily unavailable.\n", kTextType);
      ex.local_reply()->headers.Add("Retry-After", "1");
      ex.findings().Act(FindingSource::kRateLimit, Verdict::kBlocked, 503);
      return Action::kRespond;
    }
    const state::RateDecision& d = outcome.decision;
    if (rule.action == config::DenyAction::kChallenge && factory_.challenger() != nullptr) {
      // Past the limit, a client that solved a challenge passes; others get one.
      if (factory_.challenger()->Cleared(ex)) return Allow();
      return factory_.challenger()->Challenge(ex, FindingSource::kRateLimit,
                                              "rate limit " + rule.description + " exceeded");
    }
    const uint64_t retry_after = std::max<uint64_t>(CeilSeconds(d.retry_after), 1);
    const uint64_t window = std::max<uint64_t>(CeilSeconds(rule.policy.period), 1);
    match.id = "rate_limit:" + std::to_string(check.rule);
    match.msg = "rate limit " + rule.description + " exceeded";
    ex.findings().AddRule(std::move(match));
    ex.SetLocalReply(429,
                     "Too many requests: retry in " + std::to_string(retry_after) +
                         (retry_after == 1 ? " second.\n" : " seconds.\n"),
                     kTextType);
    http::HeaderMap& headers = ex.local_reply()->headers;
    headers.Add("Retry-After", std::to_string(retry_after));
    headers.Add("RateLimit-Limit", std::to_string(d.limit));
    headers.Add("RateLimit-Remaining", "0");
    headers.Add("RateLimit-Reset", std::to_string(CeilSeconds(d.reset)));
    // The sustained rate as a quota per whole-second window (5/500ms reads 10;w=1), and the
    // burst the limiter applied.
    const double per_window = static_cast<double>(rule.policy.rate) * static_cast<double>(window) *
                              1e9 / static_cast<double>(rule.policy.period.count());
    headers.Add("RateLimit-Policy", std::to_string(static_cast<uint64_t>(per_window + 0.5)) +
                                        ";w=" + std::to_string(window) +
                                        ";burst=" + std::to_string(d.limit));
    // Without a challenger (bot.challenge off, an API route) a challenge answers 429; it is
    // recorded as a challenge.
    const Verdict verdict = rule.action == config::DenyAction::kChallenge ? Verdict::kChallenged
                                                                          : Verdict::kRateLimited;
    ex.findings().Act(FindingSource::kRateLimit, verdict, 429);
    return Action::kRespond;
  }

  const RateLimitStageFactory& factory_;  // outlives the request (held by the route's chain)
  pipeline::Exchange* ex_ = nullptr;      // set while checks are out; cleared by OnComplete
  std::shared_ptr<bool> alive_;           // false once OnComplete ran or the stage is gone
  std::vector<Check> checks_;
  bool waiting_ = false;  // OnRequestHeaders answered kPending: Resume when decided
  bool decided_ = false;
  Action decision_ = Action::kContinue;
  std::optional<state::RateDecision> tightest_;  // all allowed: the one with fewest remaining
};

}  // namespace

RateLimitStageFactory::RateLimitStageFactory(
    std::shared_ptr<state::Store> store, std::string route_name, std::vector<RateLimitRule> rules,
    std::string block_page, std::shared_ptr<const rampart::auth::ApiKeySource> api_keys,
    std::shared_ptr<const bot::Challenger> challenger)
    : store_(std::move(store)),
      route_name_(std::move(route_name)),
      rules_(std::move(rules)),
      block_page_(std::move(block_page)),
      api_keys_(std::move(api_keys)),
      challenger_(std::move(challenger)) {
  key_prefixes_.reserve(rules_.size());
  for (size_t i = 0; i < rules_.size(); ++i) {
    key_prefixes_.push_back("rl:" + route_name_ + ":" + std::to_string(i) + ":");
  }
}

std::unique_ptr<pipeline::Stage> RateLimitStageFactory::Create() const {
  return std::make_unique<RateLimitStage>(*this);
}

}  // namespace rampart::stages::rate_limit
