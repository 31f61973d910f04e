#pragma once
// The rate_limit stage: a route's `rate_limit` entries, each a GCRA limit (state/gcra.h) on its
// own key (rate_key.h), counted in the shared-state store (in process, or Redis when several
// nodes share one view). It runs after ip_reputation and geoip, so keys can use the country and
// ASN, and an allow-listed client is never limited.
//
// Every limit whose key the request has is checked, in order; the first refusal in that order
// answers 429 (RateLimit-* headers and Retry-After). With local state the checks run one after
// the other and stop at the first refusal, so later limits are not charged; with Redis they go
// out together (one round trip), the stage answers kPending and decides when the answers it
// needs are in. When shared state is down and the limit says on_error: closed, the request gets
// 503. A request every limit allows carries the RateLimit-* headers of the tightest limit in its
// response, as APIs do.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/api_key_source.h"
#include "config/config.h"
#include "pipeline/stage.h"
#include "stages/bot/challenger.h"
#include "state/store.h"
#include "state/types.h"

namespace rampart::stages::rate_limit {

// One limit of a route, from config::RateLimitConfig.
struct RateLimitRule {
  std::vector<config::RateKeyPart> key;
  state::RatePolicy policy;
  config::DenyAction action = config::DenyAction::kBlock;
  state::OnError on_error = state::OnError::kOpen;
  uint32_t prefix_v4 = 24;  // for an ip_prefix key part
  uint32_t prefix_v6 = 64;
  std::string description;  // "100/s burst 200 by client_ip": for the attack log
};

class RateLimitStageFactory final : public pipeline::StageFactory {
 public:
  // `store` null: nothing is limited. `block_page` is kept for the challenge page to come; the
  // 429 and 503 answers are short text.
  // `api_keys`: the route's API key source, for `api_key` key parts (may be null).
  RateLimitStageFactory(std::shared_ptr<state::Store> store, std::string route_name,
                        std::vector<RateLimitRule> rules, std::string block_page,
                        std::shared_ptr<const rampart::auth::ApiKeySource> api_keys = nullptr,
                        std::shared_ptr<const bot::Challenger> challenger = nullptr);

  std::string_view name() const override { return "rate_limit"; }
  std::unique_ptr<pipeline::Stage> Create() const override;
  // Cheap and often on every route: it must not make the proxy copy every request head.
  bool NeedsReceivedHeaders() const override { return false; }

  state::Store* store() const { return store_.get(); }
  const std::string& route_name() const { return route_name_; }
  const std::vector<RateLimitRule>& rules() const { return rules_; }
  const std::string& block_page() const { return block_page_; }
  const rampart::auth::ApiKeySource* api_keys() const { return api_keys_.get(); }
  // The route's challenger; null: a `challenge` action answers 429 like a block.
  const bot::Challenger* challenger() const { return challenger_.get(); }
  // "rl:<route>:<index>:": the store key of rule `index` without the request's part.
  const std::string& key_prefix(size_t index) const { return key_prefixes_[index]; }

 private:
  std::shared_ptr<state::Store> store_;
  std::string route_name_;
  std::vector<RateLimitRule> rules_;
  std::string block_page_;
  std::vector<std::string> key_prefixes_;
  std::shared_ptr<const rampart::auth::ApiKeySource> api_keys_;
  std::shared_ptr<const bot::Challenger> challenger_;
};

}  // namespace rampart::stages::rate_limit
