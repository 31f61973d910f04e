// Certificate::SelfSigned (the placeholder while ACME runs, and the TLS-ALPN-01 response) and
// Certificate::FromPem (a chain just issued, held in memory).

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>

#include "tls/certificate.h"

namespace rampart::tls {
namespace {

std::string CertPem(const Certificate& cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert.leaf());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string KeyPem(const Certificate& cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, cert.key(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

TEST(SelfSigned, ServesItsNamesForAWeekWithAnEcKey) {
  auto cert = Certificate::SelfSigned({"www.example.com", "Example.com"});
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ((*cert)->names(), (std::vector<std::string>{"www.example.com", "example.com"}));
  EXPECT_EQ((*cert)->key_type(), KeyType::kEcdsa);
  EXPECT_EQ((*cert)->warning(), "");
  EXPECT_EQ(X509_check_private_key((*cert)->leaf(), (*cert)->key()), 1);
  EXPECT_EQ(X509_verify((*cert)->leaf(), (*cert)->key()), 1);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter((*cert)->leaf())), 1);
  const long left = days * 86400L + seconds;  // 7 days, less the moment since it was made
  EXPECT_LE(left, 7 * 86400L);
  EXPECT_GT(left, 7 * 86400L - 60);
  // No acmeIdentifier unless asked for.
  ASN1_OBJECT* acme_identifier = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  EXPECT_EQ(X509_get_ext_by_OBJ((*cert)->leaf(), acme_identifier, -1), -1);
  ASN1_OBJECT_free(acme_identifier);
}

TEST(SelfSigned, TwoPlaceholdersHaveDifferentSerials) {
  auto a = Certificate::SelfSigned({"a.example.com"});
  auto b = Certificate::SelfSigned({"a.example.com"});
  ASSERT_TRUE(a && b);
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber((*a)->leaf()), X509_get0_serialNumber((*b)->leaf())),
      0);
}

TEST(SelfSigned, RefusesNoNameAndABadIdentifier) {
  EXPECT_FALSE(Certificate::SelfSigned({}));
  SelfSignedOptions options;
  options.acme_identifier = "short";
  auto cert = Certificate::SelfSigned({"a.example.com"}, options);
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().message, "tls: the acmeIdentifier must be a SHA-256 digest (32 bytes)");
}

TEST(FromPem, LoadsAChainAndItsKeyFromMemory) {
  auto made = Certificate::SelfSigned({"a.example.com"});
  ASSERT_TRUE(made);
  auto cert = Certificate::FromPem(CertPem(**made), KeyPem(**made), "acme a.example.com");
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ((*cert)->names(), std::vector<std::string>{"a.example.com"});
  EXPECT_EQ((*cert)->cert_path(), "acme a.example.com");
  EXPECT_EQ(X509_cmp((*cert)->leaf(), (*made)->leaf()), 0);
}

TEST(FromPem, ErrorsNameTheOrigin) {
  auto a = Certificate::SelfSigned({"a.example.com"});
  auto b = Certificate::SelfSigned({"b.example.com"});
  ASSERT_TRUE(a && b);
  auto mismatch = Certificate::FromPem(CertPem(**a), KeyPem(**b), "issued");
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().message, "issued: key does not match the certificate issued");
  auto no_cert = Certificate::FromPem("", KeyPem(**a), "issued");
  ASSERT_FALSE(no_cert);
  EXPECT_EQ(no_cert.error().message, "issued: no certificate (no PEM CERTIFICATE block)");
  auto no_key = Certificate::FromPem(CertPem(**a), "junk", "issued");
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().message.rfind("issued: no private key", 0), 0u);
}

}  // namespace
}  // namespace rampart::tls
