#include "stages/rate_limit/rate_key.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "core/hash.h"
#include "core/strings.h"
#include "http/cookie.h"
#include "net/ip_range_set.h"

namespace rampart::stages::rate_limit {
namespace {

using Kind = config::RateKeyPart::Kind;

// Header fields whose values are credentials: never written to the attack log.
bool IsCredentialHeader(std::string_view name) {
  return core::EqualsIgnoreCase(name, "Authorization") ||
         core::EqualsIgnoreCase(name, "Proxy-Authorization") ||
         core::EqualsIgnoreCase(name, "Cookie");
}

}  // namespace

std::string RateKeyPartName(const config::RateKeyPart& part) {
  switch (part.kind) {
    case Kind::kClientIp:
      return "client_ip";
    case Kind::kIpPrefix:
      return "ip_prefix";
    case Kind::kHeader:
      return "header:" + part.name;
    case Kind::kCookie:
      return "cookie:" + part.name;
    case Kind::kRoute:
      return "route";
    case Kind::kCountry:
      return "country";
    case Kind::kAsn:
      return "asn";
    case Kind::kApiKey:
      return "api_key";
    case Kind::kJa3:
      return "ja3";
    case Kind::kJa4:
      return "ja4";
  }
  return "?";
}

std::optional<RateKey> BuildRateKeyParts(const std::vector<config::RateKeyPart>& parts,
                                         const pipeline::Exchange& ex, uint32_t prefix_v4,
                                         uint32_t prefix_v6,
                                         const rampart::auth::ApiKeySource* api_keys) {
  RateKey out;
  std::optional<net::IpAddress> ip;
  bool ip_parsed = false;
  auto client_ip = [&]() -> const std::optional<net::IpAddress>& {
    if (!ip_parsed) {
      ip = net::IpAddress::Parse(ex.client().ip);
      ip_parsed = true;
    }
    return ip;
  };
  for (size_t i = 0; i < parts.size(); ++i) {
    const config::RateKeyPart& part = parts[i];
    std::string value;
    bool credential = false;
    switch (part.kind) {
      case Kind::kClientIp:
        if (client_ip()) {
          value = client_ip()->ToString();
        } else if (!ex.client().ip.empty()) {
          value = ex.client().ip;  // not an address: counted by its text all the same
        } else {
          return std::nullopt;
        }
        break;
      case Kind::kIpPrefix:
        if (!client_ip()) return std::nullopt;
        value = net::NetworkPrefixText(*client_ip(), prefix_v4, prefix_v6);
        break;
      case Kind::kHeader: {
        const std::string* v = ex.request().headers.Get(part.name);
        if (v == nullptr || v->empty()) return std::nullopt;
        value = *v;
        credential = IsCredentialHeader(part.name) ||
                     (api_keys != nullptr && core::EqualsIgnoreCase(part.name, api_keys->header()));
        break;
      }
      case Kind::kCookie: {
        const auto v = http::FindCookie(ex.request().headers, part.name);
        if (!v || v->empty()) return std::nullopt;
        value = *v;
        credential = true;
        break;
      }
      case Kind::kRoute:
        if (ex.route_name().empty()) return std::nullopt;
        value = ex.route_name();
        break;
      case Kind::kCountry:
        if (ex.geo().country.empty()) return std::nullopt;
        value = ex.geo().country;
        break;
      case Kind::kAsn:
        if (ex.geo().asn == 0) return std::nullopt;
        value = std::to_string(ex.geo().asn);
        break;
      case Kind::kApiKey: {
        // The key's name, not the key: an unknown key is not counted here (the auth stage,
        // which runs next, refuses it).
        if (api_keys == nullptr) return std::nullopt;
        const std::optional<std::string> presented = api_keys->Presented(ex.request());
        if (!presented) return std::nullopt;
        std::optional<std::string> name = api_keys->NameOf(*presented);
        if (!name) return std::nullopt;
        value = std::move(*name);
        break;
      }
      case Kind::kJa3:
        if (ex.tls() == nullptr || ex.tls()->ja3_hash.empty()) return std::nullopt;
        value = ex.tls()->ja3_hash;
        break;
      case Kind::kJa4:
        if (ex.tls() == nullptr || ex.tls()->ja4.empty()) return std::nullopt;
        value = ex.tls()->ja4;
        break;
    }
    if (i > 0) out.key += '\x1f';
    if (value.size() > kMaxKeyPartBytes) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx",
                    static_cast<unsigned long long>(core::StableHash(value)));
      out.key += '\x1e';
      out.key.append(hex, 16);
      continue;  // a hash tells a reader nothing: not in `readable`
    }
    out.key += value;
    if (!out.readable.empty()) out.readable += ' ';
    out.readable += RateKeyPartName(part);
    out.readable += '=';
    out.readable += credential ? "***" : value;
  }
  return out;
}

std::optional<std::string> BuildRateKey(const std::vector<config::RateKeyPart>& parts,
                                        const pipeline::Exchange& ex, uint32_t prefix_v4,
                                        uint32_t prefix_v6,
                                        const rampart::auth::ApiKeySource* api_keys) {
  auto key = BuildRateKeyParts(parts, ex, prefix_v4, prefix_v6, api_keys);
  if (!key) return std::nullopt;
  return std::move(key->key);
}

}  // namespace rampart::stages::rate_limit
