#include "stages/ip_reputation/ip_reputation_stage.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <utility>

#include "pipeline/exchange.h"
#include "pipeline/findings.h"
#include "stages/waf/waf_stage.h"

namespace rampart::stages::ip_reputation {
namespace {

using pipeline::Action;
using pipeline::FindingSource;
using pipeline::Verdict;

// "60s", or "1500ms" when the window is not whole seconds.
std::string DurationText(std::chrono::nanoseconds d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// The auth stage's rule ids end in ":missing" when no credentials were presented.
bool IsMissingCredentials(const pipeline::Findings& findings) {
  for (const pipeline::RuleMatch& rule : findings.rules()) {
    if (rule.source == FindingSource::kAuth && rule.id.ends_with(":missing")) return true;
  }
  return false;
}

class IpReputationStage final : public pipeline::Stage {
 public:
  explicit IpReputationStage(const IpReputationStageFactory& factory) : factory_(factory) {}

  Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    const auto ip = net::IpAddress::Parse(ex.client().ip);
    if (!ip) return Action::kContinue;  // no address to judge (a Unix socket peer)
    if (const IpLists* lists = factory_.lists()) {
      if (lists->allow.Contains(*ip)) {
        ex.set_allowlisted();
        return Action::kContinue;
      }
      if (lists->deny.Contains(*ip)) {
        const IpReputationSettings& settings = factory_.settings();
        if (settings.deny_action == config::DenyAction::kChallenge && settings.challenger) {
          // A listed address may still be a person (a shared NAT, a VPN): prove it.
          if (settings.challenger->Cleared(ex)) return Action::kContinue;
          return settings.challenger->Challenge(ex, FindingSource::kIpReputation,
                                                "client address is on the deny list");
        }
        return Block(ex, "deny_list", "client address is on the deny list", ip->ToString());
      }
    }
    if (state::Store* store = factory_.store()) {
      std::string text = ip->ToString();
      if (auto ban = store->FindBan(text, std::chrono::system_clock::now())) {
        return Block(ex, "ban", std::move(ban->reason), std::move(text));
      }
    }
    return Action::kContinue;
  }

  void OnComplete(const pipeline::Exchange& ex) noexcept override {
    const auto& strikes = factory_.settings().strikes;
    state::Store* store = factory_.store();
    if (!strikes || strikes->threshold == 0 || store == nullptr || ex.allowlisted()) return;
    const pipeline::Findings& findings = ex.findings();
    if (findings.empty()) return;
    const Verdict verdict = findings.verdict();
    if (verdict != Verdict::kBlocked && verdict != Verdict::kChallenged) return;
    const FindingSource source = findings.source();
    // Our own blocks are the bans and lists themselves; counting them would extend a ban
    // forever. rate_limit blocks only when shared state is down (its refusals are
    // kRateLimited): the client did nothing wrong.
    if (source == FindingSource::kIpReputation) return;
    if (source == FindingSource::kRateLimit && verdict == Verdict::kBlocked) return;
    // auth: a request without credentials is how every basic-auth visit starts, and an auth
    // service that failed (5xx) is not the client's doing; wrong credentials do count.
    if (source == FindingSource::kAuth &&
        (findings.status() >= 500 || IsMissingCredentials(findings))) {
      return;
    }
    const auto ip = net::IpAddress::Parse(ex.client().ip);
    if (!ip) return;
    store->Strike(ip->ToString(), *strikes, factory_.strike_reason());
  }

 private:
  Action Block(pipeline::Exchange& ex, std::string id, std::string msg, std::string ip) {
    pipeline::RuleMatch rule;
    rule.source = FindingSource::kIpReputation;
    rule.id = std::move(id);
    rule.msg = std::move(msg);
    rule.data = std::move(ip);
    ex.findings().AddRule(std::move(rule));
    ex.SetLocalReply(403, waf::RenderBlockPage(factory_.settings().block_page, ex.request_id()));
    ex.findings().Act(FindingSource::kIpReputation, Verdict::kBlocked, 403);
    return Action::kRespond;
  }

  const IpReputationStageFactory& factory_;  // outlives the request (held by the route's chain)
};

}  // namespace

IpReputationStageFactory::IpReputationStageFactory(std::shared_ptr<const IpLists> lists,
                                                   std::shared_ptr<state::Store> store,
                                                   IpReputationSettings settings)
    : lists_(std::move(lists)), store_(std::move(store)), settings_(std::move(settings)) {
  if (settings_.strikes) {
    strike_reason_ =
        std::to_string(settings_.strikes->threshold) + " blocked or challenged requests within " +
        DurationText(settings_.strikes->window) + " (route " + settings_.route_name + ")";
  }
}

std::unique_ptr<pipeline::Stage> IpReputationStageFactory::Create() const {
  return std::make_unique<IpReputationStage>(*this);
}

}  // namespace rampart::stages::ip_reputation
