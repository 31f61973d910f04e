#pragma once
// The ip_reputation stage: the client address against the allow and deny lists (inline CIDRs
// and list files, net::IpRangeSet) and the dynamic bans of the shared-state store, and the
// strikes that make those bans. It runs first on every route: a banned flood costs a binary
// search and a hash lookup, not an inspection.
//
// Precedence, first match wins:
//   1. allow list: the exchange is marked allow-listed and continues; nothing later blocks it
//      (every later stage checks Exchange::allowlisted()), no ban applies, no strikes count.
//   2. deny list: 403 block page (rule "deny_list").
//   3. a ban in force (made by strikes on any route, or by the admin API): 403 block page
//      (rule "ban", its reason as the message).
//   4. otherwise the request continues.
// Strikes (a route's `bans`): when the exchange ends blocked or challenged by another stage, the
// client gets a strike; `threshold` strikes within `window` ban it for `duration` on every route.
// A 503 the rate_limit stage answers because shared state is down is not the client's doing and
// is no strike.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "net/ip_range_set.h"
#include "pipeline/stage.h"
#include "stages/bot/challenger.h"
#include "state/store.h"
#include "state/types.h"

namespace rampart::stages::ip_reputation {

// The allow and deny lists, built by the runtime builder from inline CIDRs and list files;
// immutable and shared by every route's factory and every worker.
struct IpLists {
  net::IpRangeSet allow;
  net::IpRangeSet deny;
};

struct IpReputationSettings {
  std::string route_name;                      // for the strike reason
  std::optional<state::StrikePolicy> strikes;  // unset: this route's blocks make no strikes
  std::string block_page;                      // template; empty: the WAF's default page
  // The deny list's action; challenge needs the route's challenger (else it blocks).
  config::DenyAction deny_action = config::DenyAction::kBlock;
  std::shared_ptr<const bot::Challenger> challenger;
};

class IpReputationStageFactory final : public pipeline::StageFactory {
 public:
  // `lists` null: no lists. `store` null: no bans and no strikes.
  IpReputationStageFactory(std::shared_ptr<const IpLists> lists,
                           std::shared_ptr<state::Store> store, IpReputationSettings settings);

  std::string_view name() const override { return "ip_reputation"; }
  std::unique_ptr<pipeline::Stage> Create() const override;
  // Cheap and on every route: it must not make the proxy copy every request head.
  bool NeedsReceivedHeaders() const override { return false; }

  const IpLists* lists() const { return lists_.get(); }
  state::Store* store() const { return store_.get(); }
  const IpReputationSettings& settings() const { return settings_; }
  // "5 blocked or challenged requests within 60s (route api)": the reason a strike ban records.
  const std::string& strike_reason() const { return strike_reason_; }

 private:
  std::shared_ptr<const IpLists> lists_;
  std::shared_ptr<state::Store> store_;
  IpReputationSettings settings_;
  std::string strike_reason_;
};

}  // namespace rampart::stages::ip_reputation
