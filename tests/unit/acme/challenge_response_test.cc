// What rampart publishes for a challenge: the key authorization (HTTP-01), the TLS-ALPN-01
// certificate with its critical acmeIdentifier extension (RFC 8737 section 3), and the guard
// that removes them; and the CSR an order is finalized with.

#include "acme/challenge_response.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "acme/csr.h"
#include "acme/ec_key.h"

namespace rampart::acme {
namespace {

std::string OpenSslSha256(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), len);
}

TEST(KeyAuthorization, IsTokenDotThumbprint) {
  EXPECT_EQ(KeyAuthorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
                             "nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ"),
            "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
            "nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ");
}

TEST(TlsAlpnCertificate, CarriesTheNameAndTheCriticalAcmeIdentifier) {
  const std::string key_authorization = "token-abc.thumbprint-xyz";
  auto cert = TlsAlpnCertificate("a.example.com", key_authorization);
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ((*cert)->names(), std::vector<std::string>{"a.example.com"});
  EXPECT_EQ((*cert)->key_type(), tls::KeyType::kEcdsa);

  X509* leaf = (*cert)->leaf();
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  const int index = X509_get_ext_by_OBJ(leaf, oid, -1);
  ASN1_OBJECT_free(oid);
  ASSERT_GE(index, 0) << "no id-pe-acmeIdentifier extension";
  X509_EXTENSION* ext = X509_get_ext(leaf, index);
  EXPECT_EQ(X509_EXTENSION_get_critical(ext), 1);
  // The extension's value is the DER of an OCTET STRING of the 32-byte SHA-256.
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  const unsigned char* p = ASN1_STRING_get0_data(value);
  ASN1_OCTET_STRING* inner = d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(value));
  ASSERT_NE(inner, nullptr);
  const std::string digest(reinterpret_cast<const char*>(ASN1_STRING_get0_data(inner)),
                           static_cast<size_t>(ASN1_STRING_length(inner)));
  ASN1_OCTET_STRING_free(inner);
  EXPECT_EQ(digest, OpenSslSha256(key_authorization));
  // Self-signed, and valid now.
  EXPECT_EQ(X509_verify(leaf, X509_get0_pubkey(leaf)), 1);
  EXPECT_EQ((*cert)->warning(), "");
}

TEST(PublishedChallenge, Http01IsOnTheBoardWhileItLives) {
  tls::AcmeChallenges board;
  {
    auto published =
        PublishedChallenge::Publish(board, ChallengeType::kHttp01, "a.example.com", "tok", "tok.t");
    ASSERT_TRUE(published);
    EXPECT_EQ(board.HttpResponse("tok"), "tok.t");
    EXPECT_EQ(board.AlpnCertificate("a.example.com"), nullptr);
  }
  EXPECT_EQ(board.HttpResponse("tok"), std::nullopt);
}

TEST(PublishedChallenge, TlsAlpn01IsOnTheBoardWhileItLives) {
  tls::AcmeChallenges board;
  {
    auto published = PublishedChallenge::Publish(board, ChallengeType::kTlsAlpn01, "a.example.com",
                                                 "tok", "tok.t");
    ASSERT_TRUE(published);
    auto cert = board.AlpnCertificate("A.Example.com");
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(cert->names(), std::vector<std::string>{"a.example.com"});
    EXPECT_EQ(board.HttpResponse("tok"), std::nullopt);
  }
  EXPECT_EQ(board.AlpnCertificate("a.example.com"), nullptr);
}

TEST(MakeCsrDer, NamesEveryNameAndIsSignedByTheKey) {
  auto key = EcKey::Generate();
  ASSERT_TRUE(key);
  auto der = MakeCsrDer(*key, {"a.example.com", "b.example.com"});
  ASSERT_TRUE(der) << der.error().message;
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der->size()));
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(X509_REQ_verify(req, key->native()), 1);
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(req);
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(extensions, NID_subject_alt_name, nullptr, nullptr));
  std::vector<std::string> names;
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                       static_cast<size_t>(ASN1_STRING_length(gn->d.dNSName)));
  }
  GENERAL_NAMES_free(sans);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  X509_REQ_free(req);
  EXPECT_EQ(names, (std::vector<std::string>{"a.example.com", "b.example.com"}));
  EXPECT_FALSE(MakeCsrDer(*key, {}));
}

}  // namespace
}  // namespace rampart::acme
