#pragma once
// Rate-limit keys: what a limit counts requests by (client_ip, ip_prefix, header:<Name>,
// cookie:<name>, route, country, asn, or several together), taken from one exchange.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/api_key_source.h"
#include "config/config.h"
#include "pipeline/exchange.h"

namespace rampart::stages::rate_limit {

// Parts longer than this go into a key as a hash: keys stay small, so the bounded state table
// bounds memory however long the values a client sends.
inline constexpr size_t kMaxKeyPartBytes = 64;

struct RateKey {
  // The parts' values joined with '\x1f' (no header value can hold a control character).
  std::string key;
  // "client_ip=192.0.2.7 header:X-Api-Key=abc" for the attack log: parts that went into the key
  // as a hash are left out, and credentials (cookies, Authorization) are masked as "***".
  std::string readable;
};

// Builds the key of `parts` for `ex`; nullopt when a part is missing (a header or cookie not
// sent or empty, an unknown country or ASN, no client address): as nginx's limit_req does with
// an empty key, such a request is not counted by that limit.
//   client_ip   the client's address (an IPv4-mapped IPv6 address counts as its IPv4 address)
//   ip_prefix   the client's /prefix_v4 or /prefix_v6 network: "192.0.2.0/24", "2001:db8::/64"
//   header:N    the first N header field's value     cookie:n  the cookie's value
//   route       ex.route_name()    country  ex.geo().country    asn  ex.geo().asn in decimal
//   api_key     the name of the known API key the request presents (`api_keys`, the route's
//               auth.api_key; missing without it, or for an absent or unknown key)
// A value longer than kMaxKeyPartBytes is replaced by '\x1e' and its 16-hex-digit StableHash
// (the marker keeps a hash from ever equalling a value a client could send).
std::optional<RateKey> BuildRateKeyParts(const std::vector<config::RateKeyPart>& parts,
                                         const pipeline::Exchange& ex, uint32_t prefix_v4,
                                         uint32_t prefix_v6,
                                         const rampart::auth::ApiKeySource* api_keys = nullptr);

// BuildRateKeyParts(...)->key.
std::optional<std::string> BuildRateKey(const std::vector<config::RateKeyPart>& parts,
                                        const pipeline::Exchange& ex, uint32_t prefix_v4,
                                        uint32_t prefix_v6,
                                        const rampart::auth::ApiKeySource* api_keys = nullptr);

// "client_ip", "ip_prefix", "header:X-Api-Key", ...: the part as the configuration names it.
std::string RateKeyPartName(const config::RateKeyPart& part);

}  // namespace rampart::stages::rate_limit
