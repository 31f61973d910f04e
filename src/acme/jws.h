#pragma once
// The signed requests of ACME (RFC 8555 section 6.2): JWS in flattened JSON serialization,
// ES256, with the account key embedded as a JWK (newAccount) or named by its account URL (kid,
// every later request), and the JWK thumbprint (RFC 7638) that key authorizations are built on.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "acme/ec_key.h"
#include "core/result.h"

namespace rampart::acme {

// The protected header's request-specific members.
struct JwsHeader {
  std::string url;    // the exact URL the request is POSTed to
  std::string nonce;  // a fresh Replay-Nonce from the server
  std::string kid;    // the account URL; empty: embed the public key as "jwk" instead
};

// The flattened JWS {"protected":..,"payload":..,"signature":..} of `payload` (JSON text; empty
// for a POST-as-GET, whose payload is the empty string) signed with `key`.
core::Result<std::string> SignJws(const EcKey& key, const JwsHeader& header,
                                  std::string_view payload);

// The base64url SHA-256 of the JWK's required members in lexicographic order without
// whitespace (RFC 7638 section 3): EC crv,kty,x,y; RSA e,kty,n; oct k,kty. Empty for another
// or a malformed key type.
std::string JwkThumbprint(const nlohmann::json& jwk);

// The raw SHA-256 of `data` (32 bytes).
std::string Sha256(std::string_view data);

}  // namespace rampart::acme
