#pragma once
// JWT (RFC 7519) verification: JWS compact tokens signed with HS256/384/512, RS256/384/512,
// PS256, ES256/384 or EdDSA (Ed25519), checked against a key set from a JWKS document, a PEM
// public key or an HMAC secret. Refuses `alg: none` and algorithm confusion (an HMAC computed
// over a public key's bytes is never accepted). OpenSSL and nlohmann/json stay in the .cc files.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.h"  // Base64UrlDecode/Encode, which callers of jwt.h use
#include "core/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, opaque here

namespace rampart::auth {

struct EvpPkeyFree {
  void operator()(evp_pkey_st* key) const;
};
using PkeyPtr = std::unique_ptr<evp_pkey_st, EvpPkeyFree>;

// RSA keys below this size are refused when a key set loads, and never used to verify: NIST SP
// 800-131A disallows them for signatures.
constexpr int kMinRsaKeyBits = 2048;

// One verification key.
struct JwtKey {
  enum Kind { kHmac, kRsa, kEc, kOkp };
  std::string kid;     // empty: none
  Kind kind = kHmac;   //
  std::string alg;     // the JWKS "alg" restriction; empty: any algorithm that fits the kind
  std::string curve;   // kEc: "P-256" or "P-384"; kOkp: "Ed25519"
  std::string secret;  // kHmac: the shared secret bytes
  PkeyPtr pkey;        // kRsa, kEc, kOkp: the public key
};

// An immutable key set, shared by every request that verifies with it.
class JwtKeySet {
 public:
  // A JWKS document ({"keys": [...]}): kty RSA (n, e), EC (crv P-256 or P-384, x, y), OKP (crv
  // Ed25519, x) and oct (k). Keys with "use" other than "sig" and unknown kty are skipped; a
  // malformed key or an RSA key under kMinRsaKeyBits is an error naming the source and the
  // key's index ("<path>: key 2: ...").
  static core::Result<std::shared_ptr<const JwtKeySet>> FromJwksFile(const std::string& path);
  static core::Result<std::shared_ptr<const JwtKeySet>> FromJwks(std::string_view json_text,
                                                                 std::string_view source = "jwks");
  // A PEM public key (SubjectPublicKeyInfo "BEGIN PUBLIC KEY" or "BEGIN RSA PUBLIC KEY"): RSA,
  // EC P-256/P-384 or Ed25519; RSA under kMinRsaKeyBits is an error. `path_or_pem` starting with
  // "-----BEGIN" is the PEM text itself, anything else a file name.
  static core::Result<std::shared_ptr<const JwtKeySet>> FromPem(const std::string& path_or_pem);
  // A shared HMAC secret (raw bytes, not empty).
  static core::Result<std::shared_ptr<const JwtKeySet>> FromHmacSecret(std::string secret,
                                                                       std::string kid = "");
  // Takes keys built elsewhere, unchecked: VerifyJwt skips RSA keys under kMinRsaKeyBits.
  static std::shared_ptr<const JwtKeySet> FromKeys(std::vector<JwtKey> keys);

  const std::vector<JwtKey>& keys() const { return keys_; }

 private:
  explicit JwtKeySet(std::vector<JwtKey> keys) : keys_(std::move(keys)) {}
  std::vector<JwtKey> keys_;
};

struct JwtPolicy {
  std::vector<std::string> algorithms;  // allowed; empty: every supported one
  std::string issuer;                   // "iss" must equal it when set
  std::vector<std::string> audiences;   // "aud" must contain one of them when set
  std::chrono::seconds leeway{30};      // clock skew allowed on exp and nbf
  std::vector<std::string> required_claims;
};

struct JwtResult {
  bool ok = false;
  // A short reason for logs ("expired", "bad signature", ...); never any part of the token
  // apart from a supported algorithm name.
  std::string error;
  // Top-level claims as text: strings as they are, numbers, booleans and null as JSON text,
  // arrays and objects as compact JSON. Filled only when ok.
  std::map<std::string, std::string> claims;
  // The names of the claims that are not strings (their text above is JSON), so that a string
  // that merely looks like an array is never taken for one.
  std::set<std::string> json_claims;
};

// The algorithms VerifyJwt supports.
const std::vector<std::string>& SupportedJwtAlgorithms();

// Verifies a compact JWS token's signature against `keys` and its claims against `policy` at
// time `now`. Thread-safe.
JwtResult VerifyJwt(std::string_view token, const JwtKeySet& keys, const JwtPolicy& policy,
                    std::chrono::system_clock::time_point now);

}  // namespace rampart::auth
