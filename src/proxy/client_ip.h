#pragma once
// Which address a request comes from. The TCP peer, unless the peer is a trusted proxy
// (`trusted_proxies`): then the forwarding headers are believed, read from the right, and the
// client is the first address that is not itself a trusted proxy (so a client cannot name
// itself by sending its own X-Forwarded-For: that value sits left of what our proxies add).
// Headers from untrusted peers are ignored (and overwritten by the forwarding code).

#include <string>
#include <string_view>

#include "http/header_map.h"
#include "net/cidr.h"

namespace rampart::proxy {

// Sources, the first present one used: X-Forwarded-For (every field, in order), Forwarded
// (RFC 7239 for=), X-Real-IP. An entry that is not an address ("unknown", an obfuscated
// identifier, garbage) ends the walk: the client is then the last trusted hop passed.
std::string ResolveClientIp(std::string_view peer, const http::HeaderMap& headers,
                            const net::CidrSet& trusted);

}  // namespace rampart::proxy
