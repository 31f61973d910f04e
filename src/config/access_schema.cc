// The access-control keys: PROXY protocol per listener (loader.cc), the top-level
// `ip_reputation`, `geoip` and `state` sections, and a route's `bans`, `geo` and `rate_limit`.

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>

#include "config/schema.h"
#include "config/value_syntax.h"
#include "core/strings.h"

namespace rampart::config {

namespace {

constexpr std::string_view kCidrExample = "192.0.2.0/24 or 2001:db8::/32";

void ReadFileList(const Field& field, std::vector<std::string>* out) {
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    if (auto path = ReadExistingFile(item)) out->push_back(std::move(*path));
  }
}

std::optional<DenyAction> ReadDenyAction(const Field& field) {
  auto action = ReadEnum(field, {"block", "challenge"});
  if (!action) return std::nullopt;
  return *action == "block" ? DenyAction::kBlock : DenyAction::kChallenge;
}

bool IsCountryCode(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

void ReadCountries(const Field& field, std::vector<std::string>* out) {
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    std::optional<std::string> code = item.AsString();
    if (!code) continue;
    if (!IsCountryCode(*code)) {
      item.Fail("expected an upper-case ISO 3166-1 alpha-2 country code such as DE");
      continue;
    }
    out->push_back(std::move(*code));
  }
}

void ReadAsns(const Field& field, std::vector<uint32_t>* out) {
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    // "AS64500" or 64500.
    std::optional<std::string> text = item.AsString();
    if (!text) continue;
    std::string_view digits = *text;
    if (digits.size() > 2 && (digits.substr(0, 2) == "AS" || digits.substr(0, 2) == "as")) {
      digits.remove_prefix(2);
    }
    uint32_t asn = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), asn);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || asn == 0) {
      item.Fail("expected an AS number such as 64500 or AS64500");
      continue;
    }
    out->push_back(asn);
  }
}

// "100/s", "600/m", "10/h", "5/10s": a count per period.
bool ParseRate(std::string_view text, uint64_t* count, uint64_t* period_ms) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  const std::string_view n = text.substr(0, slash);
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), *count);
  if (ec != std::errc() || end != n.data() + n.size() || *count == 0) return false;
  const std::string_view unit = text.substr(slash + 1);
  if (unit == "s") {
    *period_ms = 1000;
  } else if (unit == "m") {
    *period_ms = 60'000;
  } else if (unit == "h") {
    *period_ms = 3'600'000;
  } else {
    auto ms = core::ParseDurationMs(unit);
    if (!ms || *ms == 0) return false;
    *period_ms = *ms;
  }
  return true;
}

std::optional<RateKeyPart> ParseRateKeyPart(std::string_view text) {
  using Kind = RateKeyPart::Kind;
  if (text == "client_ip") return RateKeyPart{Kind::kClientIp, ""};
  if (text == "ip_prefix") return RateKeyPart{Kind::kIpPrefix, ""};
  if (text == "route") return RateKeyPart{Kind::kRoute, ""};
  if (text == "country") return RateKeyPart{Kind::kCountry, ""};
  if (text == "asn") return RateKeyPart{Kind::kAsn, ""};
  if (text == "api_key") return RateKeyPart{Kind::kApiKey, ""};
  if (text == "ja3") return RateKeyPart{Kind::kJa3, ""};
  if (text == "ja4") return RateKeyPart{Kind::kJa4, ""};
  if (core::StartsWith(text, "header:") && IsHttpToken(text.substr(7))) {
    return RateKeyPart{Kind::kHeader, std::string(text.substr(7))};
  }
  if (core::StartsWith(text, "cookie:") && IsHttpToken(text.substr(7))) {
    return RateKeyPart{Kind::kCookie, std::string(text.substr(7))};
  }
  return std::nullopt;
}

void ReadRateKey(const Field& field, std::vector<RateKeyPart>* out) {
  // One part ("client_ip") or a list of parts that make one key together.
  std::vector<Field> items;
  if (field.IsScalar()) {
    items.push_back(field);
  } else if (auto list = field.AsList()) {
    items = std::move(*list);
    if (items.empty()) field.Fail("expected at least one key part");
  } else {
    return;
  }
  for (const Field& item : items) {
    std::optional<std::string> text = item.AsString();
    if (!text) continue;
    auto part = ParseRateKeyPart(*text);
    if (!part) {
      item.Fail(
          "expected client_ip, ip_prefix, route, country, asn, api_key, ja3, ja4, header:<Name> "
          "or cookie:<name>");
      continue;
    }
    out->push_back(std::move(*part));
  }
}

std::optional<RateLimitConfig> ReadRateLimit(const Field& field) {
  const MapReader map =
      SchemaMap(field, {"key", "rate", "burst", "prefix_v4", "prefix_v6", "action", "on_error"});
  if (!map.is_map()) return std::nullopt;
  RateLimitConfig limit;
  limit.mark = MarkOf(field);
  if (const Field* f = map.Find("key")) {
    ReadRateKey(*f, &limit.key);
  } else {
    limit.key.push_back(RateKeyPart{RateKeyPart::Kind::kClientIp, ""});
  }
  if (const Field* f = map.Require("rate")) {
    if (auto text = f->AsString()) {
      if (!ParseRate(*text, &limit.rate, &limit.period_ms)) {
        f->Fail("expected a rate such as 100/s, 600/m, 10/h or 5/10s");
      }
    }
  }
  map.ReadInteger("burst", &limit.burst, 1, 1'000'000'000);
  if (limit.burst == 0) limit.burst = limit.rate;
  map.ReadInteger("prefix_v4", &limit.prefix_v4, 1, 32);
  map.ReadInteger("prefix_v6", &limit.prefix_v6, 1, 128);
  if (const Field* f = map.Find("action")) {
    if (auto action = ReadDenyAction(*f)) limit.action = *action;
  }
  if (const Field* f = map.Find("on_error")) {
    if (auto mode = ReadEnum(*f, {"open", "closed"})) limit.fail_closed = *mode == "closed";
  }
  return limit;
}

}  // namespace

void ReadCidrList(const Field& field, std::vector<std::string>* out, std::string_view example) {
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    std::optional<std::string> cidr = item.AsString();
    if (!cidr) continue;
    if (!IsCidr(*cidr)) {
      item.Fail("expected an IP address or CIDR such as " + std::string(example));
      continue;
    }
    out->push_back(std::move(*cidr));
  }
}

void ReadIpReputation(const Field& field, IpReputationConfig* out) {
  const MapReader map =
      SchemaMap(field, {"allow", "deny", "allow_files", "deny_files", "deny_action"});
  out->mark = MarkOf(field);
  if (const Field* f = map.Find("allow")) ReadCidrList(*f, &out->allow, kCidrExample);
  if (const Field* f = map.Find("deny")) ReadCidrList(*f, &out->deny, kCidrExample);
  if (const Field* f = map.Find("allow_files")) ReadFileList(*f, &out->allow_files);
  if (const Field* f = map.Find("deny_files")) ReadFileList(*f, &out->deny_files);
  if (const Field* f = map.Find("deny_action")) {
    if (auto action = ReadDenyAction(*f)) out->deny_action = *action;
  }
}

void ReadGeoIp(const Field& field, GeoIpConfig* out) {
  const MapReader map = SchemaMap(field, {"country_db", "asn_db"});
  out->mark = MarkOf(field);
  if (const Field* f = map.Find("country_db")) {
    if (auto path = ReadExistingFile(*f)) out->country_db = std::move(*path);
  }
  if (const Field* f = map.Find("asn_db")) {
    if (auto path = ReadExistingFile(*f)) out->asn_db = std::move(*path);
  }
}

void ReadState(const Field& field, StateConfig* out) {
  const MapReader map = SchemaMap(field, {"backend", "redis", "sync_interval", "max_keys"});
  out->mark = MarkOf(field);
  if (const Field* f = map.Find("backend")) {
    if (auto backend = ReadEnum(*f, {"memory", "redis"})) {
      out->backend =
          *backend == "redis" ? StateConfig::Backend::kRedis : StateConfig::Backend::kMemory;
    }
  }
  map.ReadDurationMs("sync_interval", &out->sync_interval_ms, 10);
  map.ReadInteger("max_keys", &out->max_keys, 1000, 1'000'000'000);
  const Field* redis = map.Find("redis");
  if (redis == nullptr) {
    if (out->backend == StateConfig::Backend::kRedis) {
      field.FailChild("redis", "required with backend: redis");
    }
    return;
  }
  const MapReader r =
      SchemaMap(*redis, {"address", "password_file", "db", "key_prefix", "timeout"});
  if (const Field* f = r.Find("address")) {
    if (auto address = ReadAddress(*f)) out->redis_address = std::move(*address);
  }
  if (const Field* f = r.Find("password_file")) {
    if (auto path = ReadExistingFile(*f)) out->redis_password_file = std::move(*path);
  }
  r.ReadInteger("db", &out->redis_db, 0, 15);
  if (const Field* f = r.Find("key_prefix")) {
    if (auto prefix = f->AsString()) {
      if (HasSpaceOrControl(*prefix)) {
        f->Fail("must not contain spaces or control bytes");
      } else {
        out->key_prefix = std::move(*prefix);
      }
    }
  }
  r.ReadDurationMs("timeout", &out->timeout_ms, 1);
}

std::optional<BanPolicyConfig> ReadBanPolicy(const Field& field) {
  const MapReader map = SchemaMap(field, {"threshold", "window", "duration"});
  if (!map.is_map()) return std::nullopt;
  BanPolicyConfig bans;
  if (map.Require("threshold") != nullptr) {
    map.ReadInteger("threshold", &bans.threshold, 1, 1'000'000);
  }
  map.ReadDurationMs("window", &bans.window_ms, 1);
  map.ReadDurationMs("duration", &bans.duration_ms, 1);
  return bans;
}

std::optional<RouteGeoConfig> ReadRouteGeo(const Field& field) {
  const MapReader map =
      SchemaMap(field, {"allow_countries", "deny_countries", "allow_asns", "deny_asns", "action"});
  if (!map.is_map()) return std::nullopt;
  RouteGeoConfig geo;
  geo.mark = MarkOf(field);
  if (const Field* f = map.Find("allow_countries")) ReadCountries(*f, &geo.allow_countries);
  if (const Field* f = map.Find("deny_countries")) ReadCountries(*f, &geo.deny_countries);
  if (const Field* f = map.Find("allow_asns")) ReadAsns(*f, &geo.allow_asns);
  if (const Field* f = map.Find("deny_asns")) ReadAsns(*f, &geo.deny_asns);
  if (const Field* f = map.Find("action")) {
    if (auto action = ReadDenyAction(*f)) geo.action = *action;
  }
  return geo;
}

void ReadRouteRateLimits(const Field& field, std::vector<RateLimitConfig>* out) {
  if (field.IsMap()) {
    if (auto limit = ReadRateLimit(field)) out->push_back(std::move(*limit));
    return;
  }
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    if (auto limit = ReadRateLimit(item)) out->push_back(std::move(*limit));
  }
}

}  // namespace rampart::config
