#pragma once
// The geoip stage: the client's country and autonomous system from the MaxMind databases
// (src/geo/), recorded on the exchange for every later stage and for the logs, then the route's
// country and ASN rules. It runs right after ip_reputation; an allow-listed client gets its
// country looked up but no rule applies to it.
//
// A rule fails when the value is on its deny list, or when its allow list is not empty and the
// value is not on it. An address the database does not know (or a missing database) has no
// country or ASN, which fails an allow list and passes a deny list. The checks run in the order
// deny countries, allow countries, deny ASNs, allow ASNs; the first failure decides.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "geo/geo_database.h"
#include "pipeline/stage.h"
#include "stages/bot/challenger.h"

namespace rampart::stages::geoip {

// The databases of the top-level `geoip` section, shared by every route. Either may be null; a
// City database serves as the country database.
struct GeoDatabases {
  std::shared_ptr<const geo::GeoDatabase> country;
  std::shared_ptr<const geo::GeoDatabase> asn;
};

// A route's `geo` rules. The factory sorts and de-duplicates the lists (and upper-cases the
// country codes), so they may come in any order.
struct GeoRules {
  std::vector<std::string> allow_countries;
  std::vector<std::string> deny_countries;
  std::vector<uint32_t> allow_asns;
  std::vector<uint32_t> deny_asns;
  config::DenyAction action = config::DenyAction::kBlock;
};

class GeoipStageFactory final : public pipeline::StageFactory {
 public:
  // `databases` null: nothing is looked up. `rules` unset: lookups only (for the logs and the
  // rate-limit keys). `block_page`: the page template (empty: the WAF's default page).
  // `challenger`: the route's (null: a challenge action answers as a block).
  GeoipStageFactory(std::shared_ptr<const GeoDatabases> databases, std::optional<GeoRules> rules,
                    std::string route_name, std::string block_page,
                    std::shared_ptr<const bot::Challenger> challenger = nullptr);

  std::string_view name() const override { return "geoip"; }
  std::unique_ptr<pipeline::Stage> Create() const override;
  const bot::Challenger* challenger() const { return challenger_.get(); }
  // Cheap and on every route: it must not make the proxy copy every request head.
  bool NeedsReceivedHeaders() const override { return false; }

  const GeoDatabases* databases() const { return databases_.get(); }
  const std::optional<GeoRules>& rules() const { return rules_; }
  const std::string& route_name() const { return route_name_; }
  const std::string& block_page() const { return block_page_; }

 private:
  std::shared_ptr<const GeoDatabases> databases_;
  std::optional<GeoRules> rules_;  // lists sorted and unique
  std::string route_name_;
  std::string block_page_;
  std::shared_ptr<const bot::Challenger> challenger_;
};

}  // namespace rampart::stages::geoip
