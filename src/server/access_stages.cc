#include "server/access_stages.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "geo/geo_database.h"
#include "net/ip_range_set.h"
#include "stages/geoip/geoip_stage.h"
#include "stages/ip_reputation/ip_reputation_stage.h"
#include "stages/rate_limit/rate_limit_stage.h"
#include "state/store.h"

namespace rampart::server {

namespace {

std::string Where(const config::SourceMark& mark) {
  return mark.file + ":" + std::to_string(mark.line) + ": ";
}

// One list from its inline entries and files; the files' own errors name file and line.
net::IpRangeSet BuildList(const std::vector<std::string>& entries,
                          const std::vector<std::string>& files, const std::string& where,
                          std::vector<std::string>& errors) {
  net::IpRangeSet::Builder builder;
  for (const std::string& cidr : entries) {
    if (auto status = builder.Add(cidr); !status.ok()) {
      errors.push_back(where + status.error().message);
    }
  }
  for (const std::string& file : files) {
    if (auto status = net::AddListFile(file, builder); !status.ok()) {
      errors.push_back(status.error().message);
    }
  }
  return builder.Build();
}

std::shared_ptr<const geo::GeoDatabase> OpenDatabase(const std::string& path, bool want_country,
                                                     const std::string& where,
                                                     std::vector<std::string>& errors) {
  if (path.empty()) return nullptr;
  auto db = geo::GeoDatabase::Open(path);
  if (!db.ok()) {
    errors.push_back(where + db.error().message);
    return nullptr;
  }
  const bool fits = want_country ? db.value()->has_country() : db.value()->has_asn();
  if (!fits) {
    errors.push_back(where + path + ": a " + db.value()->database_type() + " database has no " +
                     (want_country ? "country" : "ASN") + " data");
    return nullptr;
  }
  return db.value();
}

std::string RateDescription(const config::RateLimitConfig& rl) {
  std::string key;
  for (const auto& part : rl.key) {
    if (!key.empty()) key += '+';
    switch (part.kind) {
      case config::RateKeyPart::Kind::kClientIp:
        key += "client_ip";
        break;
      case config::RateKeyPart::Kind::kIpPrefix:
        key += "ip_prefix";
        break;
      case config::RateKeyPart::Kind::kHeader:
        key += "header:" + part.name;
        break;
      case config::RateKeyPart::Kind::kCookie:
        key += "cookie:" + part.name;
        break;
      case config::RateKeyPart::Kind::kRoute:
        key += "route";
        break;
      case config::RateKeyPart::Kind::kCountry:
        key += "country";
        break;
      case config::RateKeyPart::Kind::kAsn:
        key += "asn";
        break;
      case config::RateKeyPart::Kind::kApiKey:
        key += "api_key";
        break;
      case config::RateKeyPart::Kind::kJa3:
        key += "ja3";
        break;
      case config::RateKeyPart::Kind::kJa4:
        key += "ja4";
        break;
    }
  }
  const uint64_t ms = rl.period_ms;
  const std::string period = ms == 1000      ? "s"
                             : ms == 60'000  ? "m"
                             : ms == 3600000 ? "h"
                                             : std::to_string(ms) + "ms";
  return std::to_string(rl.rate) + "/" + period + " burst " + std::to_string(rl.burst) + " by " +
         key;
}

}  // namespace

AccessShared BuildAccessShared(const config::Config& config, std::vector<std::string>& errors) {
  AccessShared shared;
  const config::IpReputationConfig& rep = config.ip_reputation;
  std::vector<std::string> watched = rep.allow_files;
  watched.insert(watched.end(), rep.deny_files.begin(), rep.deny_files.end());
  if (!config.geoip.country_db.empty()) watched.push_back(config.geoip.country_db);
  if (!config.geoip.asn_db.empty()) watched.push_back(config.geoip.asn_db);
  for (std::string& file : AuthFiles(config)) watched.push_back(std::move(file));
  // Stamped before reading: a file replaced while it is read changes again afterwards.
  shared.watched = StampFiles(watched);

  const std::string where = Where(rep.mark) + "ip_reputation: ";
  auto lists = std::make_shared<stages::ip_reputation::IpLists>();
  lists->allow = BuildList(rep.allow, rep.allow_files, where, errors);
  lists->deny = BuildList(rep.deny, rep.deny_files, where, errors);
  shared.lists = std::move(lists);

  const config::GeoIpConfig& g = config.geoip;
  if (!g.country_db.empty() || !g.asn_db.empty()) {
    auto dbs = std::make_shared<stages::geoip::GeoDatabases>();
    dbs->country = OpenDatabase(g.country_db, true, Where(g.mark) + "geoip.country_db: ", errors);
    dbs->asn = OpenDatabase(g.asn_db, false, Where(g.mark) + "geoip.asn_db: ", errors);
    shared.geo = std::move(dbs);
  }
  return shared;
}

std::vector<std::shared_ptr<const pipeline::StageFactory>> BuildAccessStages(
    const config::Config& config, size_t index, const AccessShared& shared,
    const std::shared_ptr<state::Store>& store, RouteAuth auth,
    const std::shared_ptr<const stages::bot::Challenger>& challenger, const std::string& block_page,
    std::vector<std::string>& errors) {
  const config::RouteConfig& rc = config.routes[index];
  const std::string route_where = "routes[" + std::to_string(index) + "].";
  std::vector<std::shared_ptr<const pipeline::StageFactory>> stages;

  // ip_reputation: on every route, so that a ban made anywhere (or through the admin API) holds
  // everywhere; it costs an address parse and two lookups.
  stages::ip_reputation::IpReputationSettings rep;
  rep.route_name = rc.name;
  rep.block_page = block_page;
  rep.deny_action = config.ip_reputation.deny_action;
  rep.challenger = challenger;
  if (rc.bans) {
    rep.strikes =
        state::StrikePolicy{rc.bans->threshold, std::chrono::milliseconds(rc.bans->window_ms),
                            std::chrono::milliseconds(rc.bans->duration_ms)};
  }
  stages.push_back(std::make_shared<stages::ip_reputation::IpReputationStageFactory>(
      shared.lists, store, std::move(rep)));

  // geoip: on every route when databases are configured (country and ASN go into the logs).
  const bool has_country = shared.geo && shared.geo->country;
  const bool has_asn = shared.geo && shared.geo->asn;
  std::optional<stages::geoip::GeoRules> rules;
  if (rc.geo) {
    const config::RouteGeoConfig& geo = *rc.geo;
    const std::string where = Where(geo.mark) + route_where + "geo: ";
    if ((!geo.allow_countries.empty() || !geo.deny_countries.empty()) && !has_country) {
      errors.push_back(where + "country rules need geoip.country_db");
    }
    if ((!geo.allow_asns.empty() || !geo.deny_asns.empty()) && !has_asn) {
      errors.push_back(where + "AS rules need geoip.asn_db");
    }
    rules = stages::geoip::GeoRules{geo.allow_countries, geo.deny_countries, geo.allow_asns,
                                    geo.deny_asns, geo.action};
  }
  if (shared.geo) {
    stages.push_back(std::make_shared<stages::geoip::GeoipStageFactory>(
        shared.geo, std::move(rules), rc.name, block_page, challenger));
  }

  if (!rc.rate_limits.empty()) {
    std::vector<stages::rate_limit::RateLimitRule> limits;
    for (size_t i = 0; i < rc.rate_limits.size(); ++i) {
      const config::RateLimitConfig& rl = rc.rate_limits[i];
      const std::string where =
          Where(rl.mark) + route_where + "rate_limit[" + std::to_string(i) + "]: ";
      for (const auto& part : rl.key) {
        if (part.kind == config::RateKeyPart::Kind::kCountry && !has_country) {
          errors.push_back(where + "key country needs geoip.country_db");
        }
        if (part.kind == config::RateKeyPart::Kind::kAsn && !has_asn) {
          errors.push_back(where + "key asn needs geoip.asn_db");
        }
        if (part.kind == config::RateKeyPart::Kind::kApiKey && !(rc.auth && rc.auth->api_key)) {
          errors.push_back(where + "key api_key needs auth.api_key on the route");
        }
      }
      stages::rate_limit::RateLimitRule rule;
      rule.key = rl.key;
      rule.policy = state::RatePolicy{rl.rate, std::chrono::milliseconds(rl.period_ms), rl.burst};
      rule.action = rl.action;
      rule.on_error = rl.fail_closed ? state::OnError::kClosed : state::OnError::kOpen;
      rule.prefix_v4 = rl.prefix_v4;
      rule.prefix_v6 = rl.prefix_v6;
      rule.description = RateDescription(rl);
      limits.push_back(std::move(rule));
    }
    stages.push_back(std::make_shared<stages::rate_limit::RateLimitStageFactory>(
        store, rc.name, std::move(limits), block_page, auth.api_keys, challenger));
  }

  // auth: after rate limiting (a credential-guessing flood is limited before it costs a bcrypt),
  // before the bot and inspection stages.
  if (auth.stage) stages.push_back(std::move(auth.stage));
  return stages;
}

}  // namespace rampart::server
