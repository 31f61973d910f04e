#include "stages/geoip/geoip_stage.h"

#include <algorithm>
#include <utility>

#include "pipeline/exchange.h"
#include "pipeline/findings.h"
#include "stages/waf/waf_stage.h"

namespace rampart::stages::geoip {
namespace {

using pipeline::Action;
using pipeline::FindingSource;
using pipeline::Verdict;

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

template <typename T>
bool Has(const std::vector<T>& sorted, const T& value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

// Why a rule refused the client: the finding's id and message.
struct Refusal {
  std::string id;
  std::string msg;
};

std::optional<Refusal> Judge(const GeoRules& rules, const pipeline::ClientGeo& geo) {
  const std::string country = geo.country.empty() ? "unknown" : geo.country;
  if (!geo.country.empty() && Has(rules.deny_countries, geo.country)) {
    return Refusal{"country:" + country, "country " + country + " is denied on this route"};
  }
  if (!rules.allow_countries.empty() &&
      (geo.country.empty() || !Has(rules.allow_countries, geo.country))) {
    return Refusal{"country:" + country,
                   "country " + country + " is not on this route's allow list"};
  }
  const std::string as = geo.asn == 0 ? "unknown" : std::to_string(geo.asn);
  if (geo.asn != 0 && Has(rules.deny_asns, geo.asn)) {
    return Refusal{"asn:" + as, "AS" + as + " is denied on this route"};
  }
  if (!rules.allow_asns.empty() && (geo.asn == 0 || !Has(rules.allow_asns, geo.asn))) {
    return Refusal{"asn:" + as, (geo.asn == 0 ? "AS unknown" : "AS" + as) +
                                    " is not on this route's allow list"};
  }
  return std::nullopt;
}

class GeoipStage final : public pipeline::Stage {
 public:
  explicit GeoipStage(const GeoipStageFactory& factory) : factory_(factory) {}

  Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    const std::string& ip = ex.client().ip;
    geo::GeoInfo info;
    if (const GeoDatabases* dbs = factory_.databases()) {
      if (dbs->country) dbs->country->Lookup(ip, &info);
      if (dbs->asn) dbs->asn->Lookup(ip, &info);
    }
    ex.set_geo(pipeline::ClientGeo{std::move(info.country), info.asn});
    const std::optional<GeoRules>& rules = factory_.rules();
    if (!rules || ex.allowlisted()) return Action::kContinue;
    std::optional<Refusal> refusal = Judge(*rules, ex.geo());
    if (!refusal) return Action::kContinue;

    const bot::Challenger* challenger = factory_.challenger();
    if (rules->action == config::DenyAction::kChallenge && challenger != nullptr) {
      if (challenger->Cleared(ex)) return Action::kContinue;  // solved one already
      return challenger->Challenge(ex, FindingSource::kGeoip, refusal->msg);
    }
    pipeline::RuleMatch rule;
    rule.source = FindingSource::kGeoip;
    rule.id = std::move(refusal->id);
    rule.msg = std::move(refusal->msg);
    rule.data = ip;
    ex.findings().AddRule(std::move(rule));
    ex.SetLocalReply(403, waf::RenderBlockPage(factory_.block_page(), ex.request_id()));
    // Without a challenger (bot.challenge off, an API route) a challenge answers as a block; it
    // is still recorded as a challenge.
    const Verdict verdict =
        rules->action == config::DenyAction::kChallenge ? Verdict::kChallenged : Verdict::kBlocked;
    ex.findings().Act(FindingSource::kGeoip, verdict, 403);
    return Action::kRespond;
  }

 private:
  const GeoipStageFactory& factory_;  // outlives the request (held by the route's chain)
};

}  // namespace

GeoipStageFactory::GeoipStageFactory(std::shared_ptr<const GeoDatabases> databases,
                                     std::optional<GeoRules> rules, std::string route_name,
                                     std::string block_page,
                                     std::shared_ptr<const bot::Challenger> challenger)
    : databases_(std::move(databases)),
      rules_(std::move(rules)),
      route_name_(std::move(route_name)),
      block_page_(std::move(block_page)),
      challenger_(std::move(challenger)) {
  if (rules_) {
    // Databases hold upper-case codes.
    for (auto* list : {&rules_->allow_countries, &rules_->deny_countries}) {
      for (std::string& code : *list) {
        for (char& c : code) {
          if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
      }
      SortUnique(*list);
    }
    SortUnique(rules_->allow_asns);
    SortUnique(rules_->deny_asns);
  }
}

std::unique_ptr<pipeline::Stage> GeoipStageFactory::Create() const {
  return std::make_unique<GeoipStage>(*this);
}

}  // namespace rampart::stages::geoip
