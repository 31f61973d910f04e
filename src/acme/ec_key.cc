#include "acme/ec_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/base64.h"

namespace rampart::acme {
namespace {

using core::MakeError;

constexpr size_t kP256CoordinateSize = 32;

// The last OpenSSL error as text, clearing the queue.
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// A public coordinate of `key` as big-endian bytes padded to 32.
std::string Coordinate(EVP_PKEY* key, const char* param) {
  BIGNUM* bn = nullptr;
  std::string out(kP256CoordinateSize, '\0');
  if (EVP_PKEY_get_bn_param(key, param, &bn) != 1 ||
      BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) <
          0) {
    out.clear();
  }
  BN_free(bn);
  return out;
}

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {};
  size_t len = 0;
  return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        &len) == 1 &&
         std::strcmp(group, "prime256v1") == 0;
}

}  // namespace

void EcKey::Free::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

core::Result<EcKey> EcKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return MakeError("acme: cannot generate a P-256 key: " + OpenSslReason());
  return EcKey(key);
}

core::Result<EcKey> EcKey::FromPem(std::string_view pem, const std::string& origin) {
  BIO* bio = BIO_new_mem_buf(pem.empty() ? "" : pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (key == nullptr) {
    ERR_clear_error();
    return MakeError(origin + ": no private key (no PEM PRIVATE KEY block, or encrypted)");
  }
  EcKey result(key);
  if (!IsP256(key)) return MakeError(origin + ": not an EC P-256 key");
  return result;
}

std::string EcKey::PrivatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string pem;
  if (bio != nullptr &&
      PEM_write_bio_PrivateKey(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  return pem;
}

nlohmann::json EcKey::PublicJwk() const {
  return {{"crv", "P-256"},
          {"kty", "EC"},
          {"x", core::Base64UrlEncode(Coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X))},
          {"y", core::Base64UrlEncode(Coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y))}};
}

core::Result<std::string> EcKey::SignEs256(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string der;
  size_t len = 0;
  bool ok = ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1;
  if (ok) {
    der.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                        reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    der.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return MakeError("acme: ES256 signing failed: " + OpenSslReason());
  return EcdsaDerToRaw(der, kP256CoordinateSize);
}

core::Result<std::string> EcdsaDerToRaw(std::string_view der, size_t coordinate_size) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) {
    ERR_clear_error();
    return MakeError("acme: an ECDSA signature that is not DER");
  }
  std::string raw(2 * coordinate_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  const int size = static_cast<int>(coordinate_size);
  // BN_bn2binpad fails when the number does not fit, which a signature of this curve never does.
  const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, size) == size &&
                  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + coordinate_size, size) == size;
  ECDSA_SIG_free(sig);
  if (!ok) return MakeError("acme: an ECDSA signature too long for its curve");
  return raw;
}

}  // namespace rampart::acme
