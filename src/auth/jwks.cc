#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "core/base64.h"

namespace rampart::auth {
namespace {

using json = nlohmann::json;

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct DecoderCtxFree {
  void operator()(OSSL_DECODER_CTX* c) const { OSSL_DECODER_CTX_free(c); }
};

// JWKS values are base64url; tolerate trailing '=' that some publishers add.
bool DecodeMember(const json& key, const char* name, std::string* out) {
  const auto it = key.find(name);
  if (it == key.end() || !it->is_string()) return false;
  std::string_view text = it->get_ref<const std::string&>();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  return core::Base64UrlDecode(text, out) && !out->empty();
}

std::string Prefix(std::string_view source, size_t index) {
  return std::string(source) + ": key " + std::to_string(index) + ": ";
}

// Builds a public key of `type` ("RSA", "EC") from parameters.
PkeyPtr FromData(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return nullptr;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return nullptr;
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) return nullptr;
  return PkeyPtr(pkey);
}

bool PublicCheck(EVP_PKEY* pkey) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

core::Result<JwtKey> RsaKey(PkeyPtr pkey) {
  const int bits = EVP_PKEY_get_bits(pkey.get());
  if (bits < kMinRsaKeyBits) {
    return core::MakeError("RSA key of " + std::to_string(bits) + " bits (at least " +
                           std::to_string(kMinRsaKeyBits) + " are required)");
  }
  JwtKey key;
  key.kind = JwtKey::kRsa;
  key.pkey = std::move(pkey);
  return key;
}

core::Result<JwtKey> RsaFromJwk(const json& jwk) {
  std::string n, e;
  if (!DecodeMember(jwk, "n", &n)) return core::MakeError("RSA key without a valid n");
  if (!DecodeMember(jwk, "e", &e)) return core::MakeError("RSA key without a valid e");
  std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                                                 static_cast<int>(n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                                                 static_cast<int>(e.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return core::MakeError("cannot build the RSA key");
  }
  PkeyPtr pkey = FromData("RSA", bld.get());
  if (!pkey) return core::MakeError("invalid RSA key");
  return RsaKey(std::move(pkey));
}

core::Result<JwtKey> EcFromJwk(const json& jwk) {
  const auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string()) return core::MakeError("EC key without crv");
  const std::string& curve = crv->get_ref<const std::string&>();
  size_t size = 0;
  if (curve == "P-256") {
    size = 32;
  } else if (curve == "P-384") {
    size = 48;
  } else {
    return core::MakeError("unsupported EC curve (P-256 and P-384 are)");
  }
  std::string x, y;
  if (!DecodeMember(jwk, "x", &x) || x.size() != size) {
    return core::MakeError("EC key without a valid x");
  }
  if (!DecodeMember(jwk, "y", &y) || y.size() != size) {
    return core::MakeError("EC key without a valid y");
  }
  const std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                       curve == "P-256" ? "prime256v1" : "secp384r1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return core::MakeError("cannot build the EC key");
  }
  PkeyPtr pkey = FromData("EC", bld.get());
  if (!pkey || !PublicCheck(pkey.get())) return core::MakeError("invalid EC key (not on curve)");
  JwtKey key;
  key.kind = JwtKey::kEc;
  key.curve = curve;
  key.pkey = std::move(pkey);
  return key;
}

core::Result<JwtKey> OkpFromJwk(const json& jwk) {
  const auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string() || *crv != "Ed25519") {
    return core::MakeError("unsupported OKP curve (Ed25519 is)");
  }
  std::string x;
  if (!DecodeMember(jwk, "x", &x) || x.size() != 32) {
    return core::MakeError("OKP key without a valid x");
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
  if (!pkey) return core::MakeError("invalid Ed25519 key");
  JwtKey key;
  key.kind = JwtKey::kOkp;
  key.curve = "Ed25519";
  key.pkey = std::move(pkey);
  return key;
}

core::Result<JwtKey> OctFromJwk(const json& jwk) {
  std::string k;
  if (!DecodeMember(jwk, "k", &k)) return core::MakeError("oct key without a valid k");
  JwtKey key;
  key.kind = JwtKey::kHmac;
  key.secret = std::move(k);
  return key;
}

// Classifies a decoded public key.
core::Result<JwtKey> FromPkey(PkeyPtr pkey) {
  if (EVP_PKEY_is_a(pkey.get(), "RSA")) return RsaKey(std::move(pkey));
  JwtKey key;
  if (EVP_PKEY_is_a(pkey.get(), "ED25519")) {
    key.kind = JwtKey::kOkp;
    key.curve = "Ed25519";
  } else if (EVP_PKEY_is_a(pkey.get(), "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &len) != 1) {
      return core::MakeError("EC key without a named curve");
    }
    const std::string_view name(group, len);
    if (name == "prime256v1" || name == "P-256" || name == "secp256r1") {
      key.curve = "P-256";
    } else if (name == "secp384r1" || name == "P-384") {
      key.curve = "P-384";
    } else {
      return core::MakeError("unsupported EC curve (P-256 and P-384 are)");
    }
    key.kind = JwtKey::kEc;
  } else {
    return core::MakeError("unsupported key type (RSA, EC and Ed25519 are)");
  }
  key.pkey = std::move(pkey);
  return key;
}

}  // namespace

void EvpPkeyFree::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

core::Result<std::vector<JwtKey>> ParseJwks(std::string_view text, std::string_view source) {
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return core::MakeError(std::string(source) + ": not valid JSON");
  if (!doc.is_object()) return core::MakeError(std::string(source) + ": not a JSON object");
  const auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return core::MakeError(std::string(source) + ": no \"keys\" array");
  }
  std::vector<JwtKey> out;
  for (size_t i = 0; i < keys->size(); ++i) {
    const json& jwk = (*keys)[i];
    if (!jwk.is_object()) return core::MakeError(Prefix(source, i) + "not a JSON object");
    const auto use = jwk.find("use");
    if (use != jwk.end() && (!use->is_string() || *use != "sig")) continue;  // encryption keys
    const auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->is_string()) return core::MakeError(Prefix(source, i) + "no kty");
    const std::string& type = kty->get_ref<const std::string&>();
    core::Result<JwtKey> key = core::MakeError("");
    if (type == "RSA") {
      key = RsaFromJwk(jwk);
    } else if (type == "EC") {
      key = EcFromJwk(jwk);
    } else if (type == "OKP") {
      key = OkpFromJwk(jwk);
    } else if (type == "oct") {
      key = OctFromJwk(jwk);
    } else {
      continue;  // a key type from a later standard: not ours to use
    }
    if (!key.ok()) return core::MakeError(Prefix(source, i) + key.error().message);
    for (const char* member : {"kid", "alg"}) {
      const auto it = jwk.find(member);
      if (it == jwk.end()) continue;
      if (!it->is_string()) {
        return core::MakeError(Prefix(source, i) + member + " is not a string");
      }
      (std::strcmp(member, "kid") == 0 ? key->kid : key->alg) = it->get<std::string>();
    }
    out.push_back(std::move(key.value()));
  }
  if (out.empty()) return core::MakeError(std::string(source) + ": no usable signing key");
  return out;
}

core::Result<JwtKey> ParsePublicKeyPem(std::string_view pem, std::string_view source) {
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree> ctx(OSSL_DECODER_CTX_new_for_pkey(
      &raw, "PEM", nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  if (!ctx) return core::MakeError(std::string(source) + ": cannot set up the PEM decoder");
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t len = pem.size();
  if (OSSL_DECODER_from_data(ctx.get(), &data, &len) != 1 || raw == nullptr) {
    return core::MakeError(std::string(source) + ": not a PEM public key");
  }
  core::Result<JwtKey> key = FromPkey(PkeyPtr(raw));
  if (!key.ok()) return core::MakeError(std::string(source) + ": " + key.error().message);
  return key;
}

}  // namespace rampart::auth
