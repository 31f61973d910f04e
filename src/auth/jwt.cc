#include "auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "core/base64.h"
#include "auth/jwks.h"

namespace rampart::auth {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxTokenSize = 16 * 1024;

enum class Family { kHmac, kRsaPkcs1, kRsaPss, kEcdsa, kEdDsa };

struct Algorithm {
  const char* name;
  Family family;
  const char* digest;  // OpenSSL digest name; nullptr for EdDSA
  const char* curve;   // ECDSA/EdDSA: the only curve the algorithm fits
  size_t sig_size;     // ECDSA: the JOSE r||s length
};

constexpr std::array<Algorithm, 10> kAlgorithms = {{
    {"HS256", Family::kHmac, "SHA256", nullptr, 0},
    {"HS384", Family::kHmac, "SHA384", nullptr, 0},
    {"HS512", Family::kHmac, "SHA512", nullptr, 0},
    {"RS256", Family::kRsaPkcs1, "SHA256", nullptr, 0},
    {"RS384", Family::kRsaPkcs1, "SHA384", nullptr, 0},
    {"RS512", Family::kRsaPkcs1, "SHA512", nullptr, 0},
    {"PS256", Family::kRsaPss, "SHA256", nullptr, 0},
    {"ES256", Family::kEcdsa, "SHA256", "P-256", 64},
    {"ES384", Family::kEcdsa, "SHA384", "P-384", 96},
    {"EdDSA", Family::kEdDsa, nullptr, "Ed25519", 0},
}};

const Algorithm* FindAlgorithm(std::string_view name) {
  for (const Algorithm& a : kAlgorithms) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

bool KeyFits(const JwtKey& key, const Algorithm& alg) {
  if (!key.alg.empty() && key.alg != alg.name) return false;
  switch (alg.family) {
    case Family::kHmac:
      return key.kind == JwtKey::kHmac && !key.secret.empty();
    case Family::kRsaPkcs1:
    case Family::kRsaPss:
      // FromKeys does not check key sizes: a small key is never used, wherever it came from.
      return key.kind == JwtKey::kRsa && key.pkey != nullptr &&
             EVP_PKEY_get_bits(key.pkey.get()) >= kMinRsaKeyBits;
    case Family::kEcdsa:
      return key.kind == JwtKey::kEc && key.pkey != nullptr && key.curve == alg.curve;
    case Family::kEdDsa:
      return key.kind == JwtKey::kOkp && key.pkey != nullptr && key.curve == alg.curve;
  }
  return false;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool VerifyHmac(const JwtKey& key, const Algorithm& alg, std::string_view input,
                std::string_view sig) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, alg.digest, nullptr, key.secret.data(), key.secret.size(),
                Bytes(input), input.size(), mac, sizeof(mac), &len) == nullptr) {
    return false;
  }
  return sig.size() == len && CRYPTO_memcmp(mac, sig.data(), len) == 0;
}

// JOSE ECDSA signatures are r||s, each padded to the curve size; OpenSSL wants DER. OpenSSL
// refuses r or s of 0 or >= the group order. It accepts an s in the upper half (n - s is the
// malleable twin of a valid signature), and so does this: issuers do not normalise s (OpenSSL
// signs with either half at random), so requiring a low s would refuse half of the valid tokens.
bool EcdsaRawToDer(std::string_view raw, size_t expected, std::string* der) {
  if (raw.size() != expected) return false;
  const int half = static_cast<int>(expected / 2);
  BIGNUM* r = BN_bin2bn(Bytes(raw), half, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + half, half, nullptr);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return false;
  der->resize(static_cast<size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(der->data());
  return i2d_ECDSA_SIG(sig.get(), &p) == len;
}

bool VerifyAsymmetric(const JwtKey& key, const Algorithm& alg, std::string_view input,
                      std::string_view sig) {
  std::string der;
  if (alg.family == Family::kEcdsa) {
    if (!EcdsaRawToDer(sig, alg.sig_size, &der)) return false;
    sig = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::unique_ptr<EVP_MD, MdFree> md;
  if (alg.digest != nullptr) {
    md.reset(EVP_MD_fetch(nullptr, alg.digest, nullptr));
    if (!md) return false;
  }
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md.get(), nullptr, key.pkey.get()) != 1) {
    return false;
  }
  if (alg.family == Family::kRsaPss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md.get()) <= 0) {
      return false;
    }
  } else if (alg.family == Family::kRsaPkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) return false;
  }
  return EVP_DigestVerify(ctx.get(), Bytes(sig), sig.size(), Bytes(input), input.size()) == 1;
}

// Decodes and parses one base64url JSON part; an object or an error.
bool DecodeJsonPart(std::string_view part, json* out, std::string* error) {
  std::string text;
  if (!core::Base64UrlDecode(part, &text)) {
    *error = "bad base64";
    return false;
  }
  *out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    *error = "bad JSON";
    return false;
  }
  return true;
}

JwtResult Fail(std::string error) {
  JwtResult r;
  r.error = std::move(error);
  return r;
}

// Seconds since the epoch, or false when the claim is not a number.
bool NumericDate(const json& v, double* out) {
  if (!v.is_number()) return false;
  *out = v.get<double>();
  return true;
}

std::string ClaimText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

core::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::MakeError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return core::MakeError(path + ": read error");
  return text.str();
}

}  // namespace

const std::vector<std::string>& SupportedJwtAlgorithms() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Algorithm& a : kAlgorithms) v.emplace_back(a.name);
    return v;
  }();
  return names;
}

core::Result<std::shared_ptr<const JwtKeySet>> JwtKeySet::FromJwksFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.error();
  return FromJwks(*text, path);
}

core::Result<std::shared_ptr<const JwtKeySet>> JwtKeySet::FromJwks(std::string_view json_text,
                                                                   std::string_view source) {
  auto keys = ParseJwks(json_text, source);
  if (!keys.ok()) return keys.error();
  return FromKeys(std::move(keys.value()));
}

core::Result<std::shared_ptr<const JwtKeySet>> JwtKeySet::FromPem(const std::string& path_or_pem) {
  const bool inline_pem = path_or_pem.starts_with("-----BEGIN");
  std::string text;
  if (inline_pem) {
    text = path_or_pem;
  } else {
    auto read = ReadFile(path_or_pem);
    if (!read.ok()) return read.error();
    text = std::move(read.value());
  }
  auto key = ParsePublicKeyPem(text, inline_pem ? "PEM" : path_or_pem);
  if (!key.ok()) return key.error();
  std::vector<JwtKey> keys;
  keys.push_back(std::move(key.value()));
  return FromKeys(std::move(keys));
}

core::Result<std::shared_ptr<const JwtKeySet>> JwtKeySet::FromHmacSecret(std::string secret,
                                                                         std::string kid) {
  if (secret.empty()) return core::MakeError("empty HMAC secret");
  std::vector<JwtKey> keys(1);
  keys[0].kind = JwtKey::kHmac;
  keys[0].kid = std::move(kid);
  keys[0].secret = std::move(secret);
  return FromKeys(std::move(keys));
}

std::shared_ptr<const JwtKeySet> JwtKeySet::FromKeys(std::vector<JwtKey> keys) {
  return std::shared_ptr<const JwtKeySet>(new JwtKeySet(std::move(keys)));
}

JwtResult VerifyJwt(std::string_view token, const JwtKeySet& keys, const JwtPolicy& policy,
                    std::chrono::system_clock::time_point now) {
  if (token.size() > kMaxTokenSize) return Fail("malformed token");
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Fail("malformed token");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Fail("malformed token");
  }
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sig_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty()) return Fail("malformed token");

  std::string error;
  json header;
  if (!DecodeJsonPart(header_part, &header, &error)) return Fail(error);
  const auto alg_it = header.find("alg");
  if (alg_it == header.end() || !alg_it->is_string()) return Fail("malformed token");
  const std::string& alg_name = alg_it->get_ref<const std::string&>();
  std::string lower = alg_name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "none") return Fail("alg none refused");
  const Algorithm* alg = FindAlgorithm(alg_name);
  // Only a supported name is echoed back: the header is the caller's text.
  if (alg == nullptr) return Fail("algorithm not supported");
  if (!policy.algorithms.empty() && std::find(policy.algorithms.begin(), policy.algorithms.end(),
                                              alg_name) == policy.algorithms.end()) {
    return Fail(std::string("algorithm ") + alg->name + " not allowed");
  }
  // Extensions we do not understand must not be ignored (RFC 7515 §4.1.11).
  if (header.contains("crit")) return Fail("unsupported crit header");
  const auto typ = header.find("typ");
  if (typ != header.end() && !typ->is_string()) return Fail("malformed token");

  std::string signature;
  if (!core::Base64UrlDecode(sig_part, &signature)) return Fail("bad base64");

  // Candidate keys: those with the token's kid when it has one, then those the algorithm fits.
  std::vector<const JwtKey*> candidates;
  const auto kid = header.find("kid");
  if (kid != header.end()) {
    if (!kid->is_string()) return Fail("malformed token");
    for (const JwtKey& key : keys.keys()) {
      if (key.kid == kid->get_ref<const std::string&>()) candidates.push_back(&key);
    }
    if (candidates.empty()) return Fail("no key for kid");
  } else {
    for (const JwtKey& key : keys.keys()) candidates.push_back(&key);
  }
  std::erase_if(candidates, [alg](const JwtKey* key) { return !KeyFits(*key, *alg); });
  if (candidates.empty())
    return Fail(std::string("algorithm ") + alg->name + " does not fit the key");

  const std::string_view signing_input = token.substr(0, dot2);
  bool verified = false;
  for (const JwtKey* key : candidates) {
    verified = alg->family == Family::kHmac
                   ? VerifyHmac(*key, *alg, signing_input, signature)
                   : VerifyAsymmetric(*key, *alg, signing_input, signature);
    if (verified) break;
  }
  if (!verified) return Fail("bad signature");

  json payload;
  if (!DecodeJsonPart(payload_part, &payload, &error)) return Fail(error);

  const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double leeway = static_cast<double>(policy.leeway.count());
  if (const auto exp = payload.find("exp"); exp != payload.end()) {
    double value = 0;
    if (!NumericDate(*exp, &value)) return Fail("bad claim exp");
    if (!(value > now_s - leeway)) return Fail("expired");
  }
  if (const auto nbf = payload.find("nbf"); nbf != payload.end()) {
    double value = 0;
    if (!NumericDate(*nbf, &value)) return Fail("bad claim nbf");
    if (!(value <= now_s + leeway)) return Fail("not yet valid");
  }
  if (!policy.issuer.empty()) {
    const auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() || *iss != policy.issuer) {
      return Fail("wrong issuer");
    }
  }
  if (!policy.audiences.empty()) {
    const auto aud = payload.find("aud");
    auto wanted = [&policy](const json& v) {
      return v.is_string() && std::find(policy.audiences.begin(), policy.audiences.end(),
                                        v.get_ref<const std::string&>()) != policy.audiences.end();
    };
    bool match = false;
    if (aud != payload.end()) {
      if (aud->is_array()) {
        match = std::any_of(aud->begin(), aud->end(), wanted);
      } else {
        match = wanted(*aud);
      }
    }
    if (!match) return Fail("wrong audience");
  }
  for (const std::string& claim : policy.required_claims) {
    if (!payload.contains(claim)) return Fail("missing claim " + claim);
  }

  JwtResult result;
  result.ok = true;
  for (const auto& [name, value] : payload.items()) {
    result.claims.emplace(name, ClaimText(value));
    if (!value.is_string()) result.json_claims.insert(name);
  }
  return result;
}

}  // namespace rampart::auth
