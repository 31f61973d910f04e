#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base64.h"

namespace rampart::auth {
using core::Base64UrlDecode;
using core::Base64UrlEncode;
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

const auto kNow = std::chrono::system_clock::time_point(seconds(1'700'000'000));
constexpr long kNowS = 1'700'000'000;

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Key MakeRsa(size_t bits = 2048) { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)); }
Key MakeEc(const char* curve) { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)); }
Key MakeEd25519() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

// Keys are slow to make (RSA): one of each for the whole file.
EVP_PKEY* Rsa() {
  static Key k = MakeRsa();
  return k.get();
}
EVP_PKEY* Rsa2() {
  static Key k = MakeRsa();
  return k.get();
}
EVP_PKEY* P256() {
  static Key k = MakeEc("P-256");
  return k.get();
}
EVP_PKEY* P384() {
  static Key k = MakeEc("P-384");
  return k.get();
}
EVP_PKEY* Ed() {
  static Key k = MakeEd25519();
  return k.get();
}

std::string Hmac(const char* digest, const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(),
                      reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
                      sizeof(mac), &len),
            nullptr);
  return std::string(reinterpret_cast<char*>(mac), len);
}

// Signs with EVP_DigestSign; ECDSA signatures come back in DER.
std::string Sign(EVP_PKEY* key, const char* digest, bool pss, const std::string& data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = digest ? EVP_get_digestbyname(digest) : nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key), 1);
  if (pss) {
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 0);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 0);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md), 0);
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                           data.size()),
            1);
  sig.resize(len);
  return sig;
}

std::string DerToRaw(const std::string& der, int half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  EXPECT_NE(sig, nullptr);
  std::string raw(static_cast<size_t>(2 * half), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, half);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + half, half);
  ECDSA_SIG_free(sig);
  return raw;
}

std::string B64(const std::string& s) { return Base64UrlEncode(s); }

// The test-side token builder.
struct Token {
  json header = {{"typ", "JWT"}};
  json payload = {{"sub", "alice"}, {"exp", kNowS + 600}, {"iat", kNowS}};

  std::string Input() const { return B64(header.dump()) + "." + B64(payload.dump()); }

  std::string Hs(const char* alg, const std::string& secret) {
    header["alg"] = alg;
    const std::string in = Input();
    return in + "." + B64(Hmac((std::string("SHA") + (alg + 2)).c_str(), secret, in));
  }
  std::string Rs(const char* alg, EVP_PKEY* key) {
    header["alg"] = alg;
    const std::string in = Input();
    const std::string digest = std::string("SHA") + (alg + 2);
    return in + "." + B64(Sign(key, digest.c_str(), alg[0] == 'P', in));
  }
  std::string Es(const char* alg, EVP_PKEY* key, bool der = false) {
    header["alg"] = alg;
    const std::string in = Input();
    const std::string digest = std::string("SHA") + (alg + 2);
    const std::string sig = Sign(key, digest.c_str(), false, in);
    return in + "." + B64(der ? sig : DerToRaw(sig, std::string(alg) == "ES256" ? 32 : 48));
  }
  std::string EdDsa(EVP_PKEY* key) {
    header["alg"] = "EdDSA";
    const std::string in = Input();
    return in + "." + B64(Sign(key, nullptr, false, in));
  }
};

std::string BnB64(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return B64(bytes);
}

json Jwk(EVP_PKEY* key, const std::string& kid) {
  json jwk = {{"kid", kid}, {"use", "sig"}};
  if (EVP_PKEY_is_a(key, "RSA")) {
    jwk["kty"] = "RSA";
    jwk["n"] = BnB64(key, OSSL_PKEY_PARAM_RSA_N);
    jwk["e"] = BnB64(key, OSSL_PKEY_PARAM_RSA_E);
  } else if (EVP_PKEY_is_a(key, "ED25519")) {
    unsigned char raw[32];
    size_t len = sizeof(raw);
    EXPECT_EQ(EVP_PKEY_get_raw_public_key(key, raw, &len), 1);
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = B64(std::string(reinterpret_cast<char*>(raw), len));
  } else {
    unsigned char point[200];
    size_t len = 0;
    EXPECT_EQ(
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &len),
        1);
    const size_t half = (len - 1) / 2;
    jwk["kty"] = "EC";
    jwk["crv"] = half == 32 ? "P-256" : "P-384";
    jwk["x"] = B64(std::string(reinterpret_cast<char*>(point + 1), half));
    jwk["y"] = B64(std::string(reinterpret_cast<char*>(point + 1 + half), half));
  }
  return jwk;
}

std::string Pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), key), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::shared_ptr<const JwtKeySet> Secret(const std::string& s) {
  auto keys = JwtKeySet::FromHmacSecret(s);
  EXPECT_TRUE(keys.ok());
  return keys.ok() ? keys.value() : nullptr;
}

std::shared_ptr<const JwtKeySet> PemSet(EVP_PKEY* key) {
  auto keys = JwtKeySet::FromPem(Pem(key));
  EXPECT_TRUE(keys.ok()) << (keys.ok() ? "" : keys.error().message);
  return keys.ok() ? keys.value() : nullptr;
}

std::shared_ptr<const JwtKeySet> JwksSet() {
  json doc = {
      {"keys", json::array({Jwk(Rsa(), "rsa1"),
                            Jwk(Rsa2(), "rsa2"),
                            Jwk(P256(), "ec256"),
                            Jwk(P384(), "ec384"),
                            Jwk(Ed(), "ed"),
                            {{"kty", "oct"}, {"kid", "hs"}, {"k", B64("shared-secret")}}})}};
  auto keys = JwtKeySet::FromJwks(doc.dump());
  EXPECT_TRUE(keys.ok()) << (keys.ok() ? "" : keys.error().message);
  return keys.ok() ? keys.value() : nullptr;
}

JwtResult Verify(const std::string& token, const JwtKeySet& keys, const JwtPolicy& policy = {}) {
  return VerifyJwt(token, keys, policy, kNow);
}

#define EXPECT_OK(r) EXPECT_TRUE((r).ok) << (r).error
#define EXPECT_REFUSED(r, msg)  \
  do {                          \
    const JwtResult res_ = r;   \
    EXPECT_FALSE(res_.ok);      \
    EXPECT_EQ(res_.error, msg); \
  } while (0)

TEST(JwtTest, HmacAlgorithmsVerify) {
  auto keys = Secret("a-long-enough-shared-secret");
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    Token t;
    const JwtResult r = Verify(t.Hs(alg, "a-long-enough-shared-secret"), *keys);
    EXPECT_OK(r);
    EXPECT_EQ(r.claims.at("sub"), "alice") << alg;
    EXPECT_EQ(r.claims.at("exp"), std::to_string(kNowS + 600));
  }
}

TEST(JwtTest, RsaAlgorithmsVerify) {
  auto keys = PemSet(Rsa());
  for (const char* alg : {"RS256", "RS384", "RS512", "PS256"}) {
    Token t;
    EXPECT_OK(Verify(t.Rs(alg, Rsa()), *keys)) << alg;
  }
}

TEST(JwtTest, EcAndEdAlgorithmsVerify) {
  Token t;
  EXPECT_OK(Verify(t.Es("ES256", P256()), *PemSet(P256())));
  EXPECT_OK(Verify(t.Es("ES384", P384()), *PemSet(P384())));
  EXPECT_OK(Verify(t.EdDsa(Ed()), *PemSet(Ed())));
}

TEST(JwtTest, JwksKidSelection) {
  auto keys = JwksSet();
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->keys().size(), 6u);
  Token t;
  t.header["kid"] = "rsa2";
  EXPECT_OK(Verify(t.Rs("RS256", Rsa2()), *keys));
  // Signed by rsa1 but naming rsa2: only rsa2 is tried.
  EXPECT_REFUSED(Verify(t.Rs("RS256", Rsa()), *keys), "bad signature");
  t.header["kid"] = "rsa1";
  EXPECT_OK(Verify(t.Rs("PS256", Rsa()), *keys));
  t.header["kid"] = "ec256";
  EXPECT_OK(Verify(t.Es("ES256", P256()), *keys));
  t.header["kid"] = "ec384";
  EXPECT_OK(Verify(t.Es("ES384", P384()), *keys));
  t.header["kid"] = "ed";
  EXPECT_OK(Verify(t.EdDsa(Ed()), *keys));
  t.header["kid"] = "hs";
  EXPECT_OK(Verify(t.Hs("HS256", "shared-secret"), *keys));
  t.header["kid"] = "nobody";
  EXPECT_REFUSED(Verify(t.Hs("HS256", "shared-secret"), *keys), "no key for kid");
  // kid of a key the algorithm does not fit.
  t.header["kid"] = "ec256";
  EXPECT_REFUSED(Verify(t.Es("ES384", P384()), *keys), "algorithm ES384 does not fit the key");
  // Without a kid every fitting key is tried.
  t.header.erase("kid");
  EXPECT_OK(Verify(t.Rs("RS256", Rsa2()), *keys));
  EXPECT_OK(Verify(t.Es("ES384", P384()), *keys));
}

TEST(JwtTest, JwksFile) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("rampart-jwks-" + std::to_string(getpid()) + ".json");
  { std::ofstream(path) << json{{"keys", json::array({Jwk(P256(), "k1")})}}.dump(); }
  auto keys = JwtKeySet::FromJwksFile(path.string());
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  Token t;
  EXPECT_OK(Verify(t.Es("ES256", P256()), **keys));
  std::filesystem::remove(path);
  auto missing = JwtKeySet::FromJwksFile(path.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(path.string()), std::string::npos);
}

TEST(JwtTest, JwksErrorsNameSourceAndIndex) {
  json bad_ec = Jwk(P256(), "x");
  bad_ec.erase("y");
  auto r = JwtKeySet::FromJwks(json{{"keys", json::array({Jwk(Ed(), "a"), bad_ec})}}.dump(),
                               "/etc/jwks.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "/etc/jwks.json: key 1: EC key without a valid y");
  // A point not on the curve.
  json off_curve = Jwk(P256(), "x");
  off_curve["y"] = B64(std::string(32, '\x01'));
  EXPECT_FALSE(JwtKeySet::FromJwks(json{{"keys", json::array({off_curve})}}.dump()).ok());
  EXPECT_FALSE(JwtKeySet::FromJwks("{").ok());
  EXPECT_FALSE(JwtKeySet::FromJwks("[]").ok());
  EXPECT_FALSE(JwtKeySet::FromJwks(R"({"keys": []})").ok());
  // Encryption keys and unknown types are skipped.
  json enc = Jwk(Rsa(), "enc");
  enc["use"] = "enc";
  auto skipped = JwtKeySet::FromJwks(
      json{{"keys", json::array({enc, {{"kty", "future"}}, Jwk(Ed(), "ed")})}}.dump());
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ((*skipped)->keys().size(), 1u);
  EXPECT_FALSE(
      JwtKeySet::FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
  EXPECT_FALSE(JwtKeySet::FromHmacSecret("").ok());
}

TEST(JwtTest, JwksAlgRestriction) {
  json jwk = Jwk(Rsa(), "r");
  jwk["alg"] = "PS256";
  auto keys = JwtKeySet::FromJwks(json{{"keys", json::array({jwk})}}.dump());
  ASSERT_TRUE(keys.ok());
  Token t;
  EXPECT_OK(Verify(t.Rs("PS256", Rsa()), **keys));
  EXPECT_REFUSED(Verify(t.Rs("RS256", Rsa()), **keys), "algorithm RS256 does not fit the key");
}

TEST(JwtTest, AlgNoneRefused) {
  auto keys = Secret("secret");
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    Token t;
    t.header["alg"] = alg;
    EXPECT_REFUSED(Verify(t.Input() + ".", *keys), "alg none refused");
  }
}

TEST(JwtTest, AlgorithmPolicy) {
  auto keys = Secret("secret");
  Token t;
  JwtPolicy policy;
  policy.algorithms = {"RS256"};
  EXPECT_REFUSED(Verify(t.Hs("HS256", "secret"), *keys, policy), "algorithm HS256 not allowed");
  policy.algorithms = {"HS256"};
  EXPECT_OK(Verify(t.Hs("HS256", "secret"), *keys, policy));
  t.header["alg"] = "HS1024";
  EXPECT_REFUSED(Verify(t.Input() + ".AAAA", *keys), "algorithm not supported");
}

TEST(JwtTest, AlgorithmConfusionRefused) {
  // The classic attack: HS256 with the RSA public key's PEM as the HMAC secret.
  const std::string pem = Pem(Rsa());
  auto keys = PemSet(Rsa());
  Token t;
  EXPECT_REFUSED(Verify(t.Hs("HS256", pem), *keys), "algorithm HS256 does not fit the key");
  // Curve confusion and family confusion.
  EXPECT_REFUSED(Verify(t.Es("ES384", P384()), *PemSet(P256())),
                 "algorithm ES384 does not fit the key");
  EXPECT_REFUSED(Verify(t.Rs("RS256", Rsa()), *PemSet(P256())),
                 "algorithm RS256 does not fit the key");
  EXPECT_REFUSED(Verify(t.EdDsa(Ed()), *keys), "algorithm EdDSA does not fit the key");
  EXPECT_REFUSED(Verify(t.Es("ES256", P256()), *Secret("x")),
                 "algorithm ES256 does not fit the key");
}

TEST(JwtTest, EcdsaDerSignatureRefused) {
  Token t;
  EXPECT_REFUSED(Verify(t.Es("ES256", P256(), /*der=*/true), *PemSet(P256())), "bad signature");
}

TEST(JwtTest, SmallRsaKeysRefused) {
  const Key small = MakeRsa(1024);
  auto jwks = JwtKeySet::FromJwks(
      json{{"keys", json::array({Jwk(Rsa(), "big"), Jwk(small.get(), "small")})}}.dump(),
      "/etc/jwks.json");
  ASSERT_FALSE(jwks.ok());
  EXPECT_EQ(jwks.error().message,
            "/etc/jwks.json: key 1: RSA key of 1024 bits (at least 2048 are required)");
  auto pem = JwtKeySet::FromPem(Pem(small.get()));
  ASSERT_FALSE(pem.ok());
  EXPECT_EQ(pem.error().message, "PEM: RSA key of 1024 bits (at least 2048 are required)");
  // Keys built elsewhere skip the loaders' check, and are still never used.
  std::vector<JwtKey> keys(1);
  keys[0].kind = JwtKey::kRsa;
  keys[0].pkey.reset(EVP_PKEY_dup(small.get()));
  const auto set = JwtKeySet::FromKeys(std::move(keys));
  Token t;
  EXPECT_REFUSED(Verify(t.Rs("RS256", small.get()), *set), "algorithm RS256 does not fit the key");
  EXPECT_REFUSED(Verify(t.Rs("PS256", small.get()), *set), "algorithm PS256 does not fit the key");
}

// The token with its signature part replaced by `raw` (r||s for ECDSA).
std::string WithSignature(const std::string& token, const std::string& raw) {
  return token.substr(0, token.rfind('.') + 1) + B64(raw);
}

std::string SignatureOf(const std::string& token) {
  std::string raw;
  EXPECT_TRUE(Base64UrlDecode(token.substr(token.rfind('.') + 1), &raw));
  return raw;
}

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn P256Order() {
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), EC_GROUP_free);
  return Bn(BN_dup(EC_GROUP_get0_order(group.get())));
}

std::string Bytes32(const BIGNUM* bn) {
  std::string out(32, '\0');
  EXPECT_EQ(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32), 32);
  return out;
}

TEST(JwtTest, EcdsaHighSAccepted) {
  // (r, n - s) verifies whenever (r, s) does. Issuers sign with either half at random, so a
  // high s is not refused (see EcdsaRawToDer in jwt.cc): both twins verify.
  auto keys = PemSet(P256());
  Token t;
  const std::string token = t.Es("ES256", P256());
  const std::string raw = SignatureOf(token);
  const Bn n = P256Order();
  const Bn s(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  const Bn twin(BN_new());
  ASSERT_EQ(BN_sub(twin.get(), n.get(), s.get()), 1);
  EXPECT_OK(Verify(token, *keys));
  EXPECT_OK(Verify(WithSignature(token, raw.substr(0, 32) + Bytes32(twin.get())), *keys));
}

TEST(JwtTest, EcdsaOutOfRangeRefused) {
  // r = s = 0 passed every check of some verifiers (CVE-2022-21449); r or s >= n is no
  // signature either.
  auto keys = PemSet(P256());
  Token t;
  const std::string token = t.Es("ES256", P256());
  const std::string r = SignatureOf(token).substr(0, 32);
  const std::string n = Bytes32(P256Order().get());
  for (const std::string& raw : {std::string(64, '\0'), r + std::string(32, '\0'), r + n, n + n,
                                 r + std::string(32, '\xff')}) {
    EXPECT_REFUSED(Verify(WithSignature(token, raw), *keys), "bad signature");
  }
}

TEST(JwtTest, TamperedAndWrongKey) {
  auto keys = PemSet(Rsa());
  Token t;
  const std::string token = t.Rs("RS256", Rsa());
  Token evil;
  evil.header["alg"] = "RS256";
  evil.payload["sub"] = "admin";
  const std::string tampered = evil.Input() + token.substr(token.rfind('.'));
  EXPECT_REFUSED(Verify(tampered, *keys), "bad signature");
  EXPECT_REFUSED(Verify(token, *PemSet(Rsa2())), "bad signature");
  EXPECT_REFUSED(Verify(t.Hs("HS256", "one"), *Secret("two")), "bad signature");
  EXPECT_REFUSED(Verify(t.EdDsa(MakeEd25519().get()), *PemSet(Ed())), "bad signature");
  // A truncated signature.
  const std::string es = t.Es("ES256", P256());
  std::string raw;
  ASSERT_TRUE(Base64UrlDecode(es.substr(es.rfind('.') + 1), &raw));
  raw.pop_back();
  EXPECT_REFUSED(Verify(es.substr(0, es.rfind('.') + 1) + B64(raw), *PemSet(P256())),
                 "bad signature");
}

TEST(JwtTest, ExpiryWithLeeway) {
  auto keys = Secret("s");
  Token t;
  t.payload["exp"] = kNowS - 10;  // within the default 30 s
  EXPECT_OK(Verify(t.Hs("HS256", "s"), *keys));
  t.payload["exp"] = kNowS - 31;
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys), "expired");
  JwtPolicy strict;
  strict.leeway = seconds(0);
  t.payload["exp"] = kNowS;
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys, strict), "expired");
  t.payload["exp"] = "tomorrow";
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys), "bad claim exp");
}

TEST(JwtTest, NotBefore) {
  auto keys = Secret("s");
  Token t;
  t.payload["nbf"] = kNowS + 20;
  EXPECT_OK(Verify(t.Hs("HS256", "s"), *keys));
  t.payload["nbf"] = kNowS + 60;
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys), "not yet valid");
}

TEST(JwtTest, IssuerAndAudience) {
  auto keys = Secret("s");
  JwtPolicy policy;
  policy.issuer = "https://issuer.example";
  policy.audiences = {"api", "web"};
  Token t;
  t.payload["iss"] = "https://issuer.example";
  t.payload["aud"] = "web";
  EXPECT_OK(Verify(t.Hs("HS256", "s"), *keys, policy));
  t.payload["aud"] = {"other", "api"};
  const JwtResult r = Verify(t.Hs("HS256", "s"), *keys, policy);
  EXPECT_OK(r);
  EXPECT_EQ(r.claims.at("aud"), R"(["other","api"])");
  t.payload["aud"] = {"other"};
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys, policy), "wrong audience");
  t.payload["aud"] = "mobile";
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys, policy), "wrong audience");
  t.payload.erase("aud");
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys, policy), "wrong audience");
  t.payload["aud"] = "api";
  t.payload["iss"] = "https://evil.example";
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys, policy), "wrong issuer");
}

TEST(JwtTest, RequiredClaims) {
  auto keys = Secret("s");
  JwtPolicy policy;
  policy.required_claims = {"sub", "scope"};
  Token t;
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys, policy), "missing claim scope");
  t.payload["scope"] = "read";
  t.payload["admin"] = false;
  t.payload["org"] = {{"id", 7}};
  const JwtResult r = Verify(t.Hs("HS256", "s"), *keys, policy);
  EXPECT_OK(r);
  EXPECT_EQ(r.claims.at("scope"), "read");
  EXPECT_EQ(r.claims.at("admin"), "false");
  EXPECT_EQ(r.claims.at("org"), R"({"id":7})");
}

TEST(JwtTest, MalformedTokens) {
  auto keys = Secret("s");
  Token t;
  const std::string good = t.Hs("HS256", "s");
  EXPECT_OK(Verify(good, *keys));
  EXPECT_REFUSED(Verify("", *keys), "malformed token");
  EXPECT_REFUSED(Verify("abc", *keys), "malformed token");
  EXPECT_REFUSED(Verify(good.substr(0, good.rfind('.')), *keys), "malformed token");
  EXPECT_REFUSED(Verify(good + ".x", *keys), "malformed token");
  EXPECT_REFUSED(Verify("..", *keys), "malformed token");
  // Padding and bad characters in each part.
  const size_t dot1 = good.find('.');
  EXPECT_REFUSED(Verify(good + "=", *keys), "bad base64");
  EXPECT_REFUSED(Verify(good.substr(0, dot1) + "=" + good.substr(dot1), *keys), "bad base64");
  EXPECT_REFUSED(Verify("e+J" + good.substr(3), *keys), "bad base64");
  EXPECT_REFUSED(Verify(good.substr(0, good.size() - 1) + "/", *keys), "bad base64");
  // JSON that does not parse, and JSON that is not an object.
  const std::string sig = ".AAAA";
  EXPECT_REFUSED(Verify(B64("{\"alg\":") + "." + B64("{}") + sig, *keys), "bad JSON");
  EXPECT_REFUSED(Verify(B64("[\"HS256\"]") + "." + B64("{}") + sig, *keys), "bad JSON");
  EXPECT_REFUSED(Verify(B64("{}") + "." + B64("{}") + sig, *keys), "malformed token");
  EXPECT_REFUSED(Verify(B64(R"({"alg":7})") + "." + B64("{}") + sig, *keys), "malformed token");
  // A valid signature over a payload that is not a JSON object.
  for (const char* payload : {"{\"sub\":", "\"text\"", "42"}) {
    const std::string in = B64(R"({"alg":"HS256"})") + "." + B64(payload);
    EXPECT_REFUSED(Verify(in + "." + B64(Hmac("SHA256", "s", in)), *keys), "bad JSON");
  }
  // crit extensions are refused.
  t.header["crit"] = {"exp"};
  EXPECT_REFUSED(Verify(t.Hs("HS256", "s"), *keys), "unsupported crit header");
}

TEST(JwtTest, ErrorsNeverEchoTheToken) {
  auto keys = Secret("s");
  Token t;
  t.header["alg"] = "SECRET-ALG-NAME";
  const JwtResult r = Verify(t.Input() + ".AAAA", *keys);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace rampart::auth
