// The JOSE pieces of the ACME client: base64url, the JWK thumbprint (RFC 7638's own example),
// the DER-to-raw ECDSA conversion, and a signed request that OpenSSL verifies against the JWK
// it carries.

#include "acme/jws.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "acme/ec_key.h"
#include "core/base64.h"

namespace rampart::acme {
namespace {

using nlohmann::json;

std::string Base64UrlDecode(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  EXPECT_GE(n, 0);
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

// Verifies an ES256 JWS signature (raw r || s) over `input` with the public key in `jwk`, the way
// the ACME server does, independently of EcKey.
bool VerifyEs256(const json& jwk, const std::string& input, const std::string& raw_signature) {
  const std::string x = Base64UrlDecode(jwk["x"]);
  const std::string y = Base64UrlDecode(jwk["y"]);
  const std::string point = std::string(1, '\x04') + x + y;  // uncompressed SEC1 point
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* from = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(from);
  EVP_PKEY_fromdata(from, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(from);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  if (key == nullptr || raw_signature.size() != 64) {
    EVP_PKEY_free(key);
    return false;
  }
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(
      sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw_signature.data()), 32, nullptr),
      BN_bin2bn(reinterpret_cast<const unsigned char*>(raw_signature.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  return ok;
}

TEST(Base64Url, EncodesWithoutPaddingInTheUrlAlphabet) {
  EXPECT_EQ(core::Base64UrlEncode(""), "");
  EXPECT_EQ(core::Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(core::Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(core::Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(core::Base64UrlEncode("\xfb\xff\xbf"), "-_-_");  // "+/+/" in standard base64
  EXPECT_EQ(core::Base64UrlEncode(std::string("\0\x01", 2)), "AAE");
}

// RFC 7638 section 3.1: the thumbprint of the example RSA key; members beyond the required
// ones ("alg", "kid") do not count.
TEST(JwkThumbprint, MatchesTheRfc7638Example) {
  const json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
       "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
       "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  EXPECT_EQ(JwkThumbprint(jwk), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkThumbprint, EcKeyUsesCrvKtyXYOnly) {
  auto key = EcKey::Generate();
  ASSERT_TRUE(key) << key.error().message;
  json jwk = key->PublicJwk();
  const std::string expected = core::Base64UrlEncode(
      Sha256(R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() + R"(","y":")" +
             jwk["y"].get<std::string>() + R"("})"));
  EXPECT_EQ(JwkThumbprint(jwk), expected);
  jwk["use"] = "sig";
  EXPECT_EQ(JwkThumbprint(jwk), expected);
  EXPECT_EQ(JwkThumbprint(json{{"kty", "EC"}, {"crv", "P-256"}}), "");  // no x, y
  EXPECT_EQ(JwkThumbprint(json{{"kty", "OKP"}}), "");
  EXPECT_EQ(JwkThumbprint(json::array()), "");
}

TEST(EcKey, PublicJwkHasFixedSizeCoordinates) {
  auto key = EcKey::Generate();
  ASSERT_TRUE(key);
  const json jwk = key->PublicJwk();
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(Base64UrlDecode(jwk["x"]).size(), 32u);
  EXPECT_EQ(Base64UrlDecode(jwk["y"]).size(), 32u);
}

TEST(EcKey, RoundTripsThroughPem) {
  auto key = EcKey::Generate();
  ASSERT_TRUE(key);
  auto again = EcKey::FromPem(key->PrivatePem(), "account.pem");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->PublicJwk(), key->PublicJwk());
  auto garbage = EcKey::FromPem("not a key", "account.pem");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message.rfind("account.pem: no private key", 0), 0u);
}

TEST(EcKey, RefusesAnotherCurve) {
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, p384, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  auto key = EcKey::FromPem(std::string(data, static_cast<size_t>(len)), "k.pem");
  BIO_free(bio);
  EVP_PKEY_free(p384);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message, "k.pem: not an EC P-256 key");
}

TEST(EcdsaDerToRaw, PadsShortIntegersAndRefusesGarbage) {
  // SEQUENCE { INTEGER 0x01, INTEGER 0x00 0x80 } (the second needs a sign byte in DER).
  const std::string der("\x30\x07\x02\x01\x01\x02\x02\x00\x80", 9);
  auto raw = EcdsaDerToRaw(der, 4);
  ASSERT_TRUE(raw) << raw.error().message;
  EXPECT_EQ(*raw, std::string("\0\0\0\x01\0\0\0\x80", 8));
  EXPECT_FALSE(EcdsaDerToRaw("\x30\x01", 4));
  // r longer than the coordinate size.
  const std::string long_r("\x30\x09\x02\x04\x01\x02\x03\x04\x02\x01\x01", 11);
  EXPECT_FALSE(EcdsaDerToRaw(long_r, 3));
}

TEST(SignJws, VerifiesAgainstTheEmbeddedJwk) {
  auto key = EcKey::Generate();
  ASSERT_TRUE(key);
  auto body = SignJws(*key, {"https://ca.test/new-acct", "nonce-1", ""},
                      R"({"termsOfServiceAgreed":true})");
  ASSERT_TRUE(body) << body.error().message;
  const json jws = json::parse(*body);
  const json header = json::parse(Base64UrlDecode(jws["protected"]));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["nonce"], "nonce-1");
  EXPECT_EQ(header["url"], "https://ca.test/new-acct");
  EXPECT_FALSE(header.contains("kid"));
  ASSERT_TRUE(header.contains("jwk"));
  EXPECT_EQ(Base64UrlDecode(jws["payload"]), R"({"termsOfServiceAgreed":true})");
  const std::string input =
      jws["protected"].get<std::string>() + "." + jws["payload"].get<std::string>();
  const std::string signature = Base64UrlDecode(jws["signature"]);
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(VerifyEs256(header["jwk"], input, signature));
  EXPECT_FALSE(VerifyEs256(header["jwk"], input + "x", signature));
}

TEST(SignJws, PostAsGetCarriesKidAndAnEmptyPayload) {
  auto key = EcKey::Generate();
  ASSERT_TRUE(key);
  auto body = SignJws(*key, {"https://ca.test/order/1", "n2", "https://ca.test/acct/7"}, "");
  ASSERT_TRUE(body);
  const json jws = json::parse(*body);
  const json header = json::parse(Base64UrlDecode(jws["protected"]));
  EXPECT_EQ(header["kid"], "https://ca.test/acct/7");
  EXPECT_FALSE(header.contains("jwk"));
  EXPECT_EQ(jws["payload"], "");
  EXPECT_TRUE(VerifyEs256(key->PublicJwk(), jws["protected"].get<std::string>() + ".",
                          Base64UrlDecode(jws["signature"])));
}

}  // namespace
}  // namespace rampart::acme
