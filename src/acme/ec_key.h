#pragma once
// EcKey: an EC P-256 private key — the ACME account key (it signs every request, ES256) and
// the key of each certificate rampart orders. Owns its OpenSSL key; movable, not copyable.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace rampart::acme {

class EcKey {
 public:
  // A fresh random P-256 key.
  static core::Result<EcKey> Generate();
  // A P-256 private key from PEM (PKCS#8 or SEC1); `origin` names it in errors.
  static core::Result<EcKey> FromPem(std::string_view pem, const std::string& origin);

  // The private key as unencrypted PKCS#8 PEM (what the storage writes, 0600).
  std::string PrivatePem() const;
  // The public key as a JWK (RFC 7518 section 6.2): {"crv":"P-256","kty":"EC","x":..,"y":..}.
  nlohmann::json PublicJwk() const;
  // An ES256 signature of `data` (SHA-256, then ECDSA) in JWS form: r || s, 32 bytes each.
  core::Result<std::string> SignEs256(std::string_view data) const;

  evp_pkey_st* native() const { return key_.get(); }

 private:
  struct Free {
    void operator()(evp_pkey_st* key) const;
  };
  explicit EcKey(evp_pkey_st* key) : key_(key) {}
  std::unique_ptr<evp_pkey_st, Free> key_;
};

// Converts a DER ECDSA-Sig-Value (SEQUENCE of INTEGER r, INTEGER s), what OpenSSL produces, to
// the fixed-size r || s that JWS wants (RFC 7518 section 3.4), each left-padded to
// `coordinate_size` bytes. Errors: not DER, or r or s longer than coordinate_size.
core::Result<std::string> EcdsaDerToRaw(std::string_view der, size_t coordinate_size);

}  // namespace rampart::acme
