#pragma once
// Key parsing for JwtKeySet: JWKS documents (RFC 7517/7518/8037) and PEM public keys, turned
// into JwtKeys with OpenSSL 3 key objects.

#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt.h"
#include "core/result.h"

namespace rampart::auth {

// Parses a JWKS document. `source` (a file name) prefixes every error: "<source>: key 1: EC key
// without y". An empty usable key list is an error.
core::Result<std::vector<JwtKey>> ParseJwks(std::string_view json, std::string_view source);

// Parses one PEM public key (RSA, EC P-256/P-384 or Ed25519).
core::Result<JwtKey> ParsePublicKeyPem(std::string_view pem, std::string_view source);

}  // namespace rampart::auth
