#include "tls/certificate_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ocsp.h>

#include "unit/tls/tls_test_util.h"

namespace rampart::tls {
namespace {

using test::MakeEcKey;
using test::MakeRsaKey;
using test::TestPki;
using ::testing::HasSubstr;

class CertificateStoreTest : public ::testing::Test {
 protected:
  TestPki pki_;
};

TEST_F(CertificateStoreTest, LoadsNamesFromSanAndKeyType) {
  auto ec = MakeEcKey();
  auto files = pki_.Issue("www", ec.get(), "ignored-cn", {"WWW.Example.com", "*.example.com"});
  auto cert = Certificate::Load({files.cert, files.key, ""});
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  EXPECT_EQ((*cert)->names(), (std::vector<std::string>{"www.example.com", "*.example.com"}));
  EXPECT_EQ((*cert)->key_type(), KeyType::kEcdsa);
  EXPECT_TRUE((*cert)->warning().empty());
  EXPECT_EQ(sk_X509_num((*cert)->chain()), 1);  // the CA after the leaf
}

TEST_F(CertificateStoreTest, CommonNameOnlyWithoutSan) {
  auto rsa = MakeRsaKey();
  auto files = pki_.Issue("cn", rsa.get(), "Legacy.Example.net", {});
  auto cert = Certificate::Load({files.cert, files.key, ""});
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  EXPECT_EQ((*cert)->names(), std::vector<std::string>{"legacy.example.net"});
  EXPECT_EQ((*cert)->key_type(), KeyType::kRsa);
}

TEST_F(CertificateStoreTest, ErrorsNameTheFileAndTheReason) {
  auto ec = MakeEcKey();
  auto other = MakeEcKey();
  auto files = pki_.Issue("a", ec.get(), "a", {"a.test"});
  const std::string missing = pki_.Path("missing.pem");
  auto r = Certificate::Load({missing, files.key, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(missing + ": cannot read (No such file"));

  const std::string garbage = pki_.Write("garbage.pem", "this is not PEM\n");
  r = Certificate::Load({garbage, files.key, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, garbage + ": no certificate (no PEM CERTIFICATE block)");

  r = Certificate::Load({files.cert, garbage, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(garbage + ": no private key"));

  const std::string wrong_key = pki_.Path("wrong.key");
  pki_.WriteKey(wrong_key, other.get());
  r = Certificate::Load({files.cert, wrong_key, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, wrong_key + ": key does not match the certificate " + files.cert);

  r = Certificate::Load({files.cert, files.key, garbage});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, garbage + ": not a DER OCSP response");
}

TEST_F(CertificateStoreTest, RefusesUnsupportedKeyType) {
  test::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  auto files = pki_.Issue("ed", ed.get(), "ed", {"ed.test"});
  auto r = Certificate::Load({files.cert, files.key, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, files.key + ": unsupported key type ED25519 (EC or RSA only)");
}

TEST_F(CertificateStoreTest, ExpiredAndNotYetValidLoadWithAWarning) {
  auto ec = MakeEcKey();
  auto expired = pki_.Issue("old", ec.get(), "old", {"old.test"}, -30, -1);
  auto future = pki_.Issue("new", ec.get(), "new", {"new.test"}, 2, 30);
  CertificateStore store;
  ASSERT_TRUE(store.Add({expired.cert, expired.key, ""}).ok());
  ASSERT_TRUE(store.Add({future.cert, future.key, ""}).ok());
  ASSERT_EQ(store.warnings().size(), 2u);
  EXPECT_THAT(store.warnings()[0], HasSubstr(expired.cert + ": expired on "));
  EXPECT_THAT(store.warnings()[1], HasSubstr(future.cert + ": not valid before "));
}

TEST_F(CertificateStoreTest, SelectPrefersExactThenWildcardThenDefault) {
  auto ec = MakeEcKey();
  auto rsa = MakeRsaKey();
  auto def = pki_.Issue("default", ec.get(), "default", {"default.test"});
  auto www_ec = pki_.Issue("www-ec", ec.get(), "www-ec", {"www.example.com"});
  auto www_rsa = pki_.Issue("www-rsa", rsa.get(), "www-rsa", {"www.example.com"});
  auto wild = pki_.Issue("wild", ec.get(), "wild", {"*.example.com"});
  CertificateStore store;
  EXPECT_EQ(store.Select("www.example.com"), nullptr);
  for (const auto& f : {def, www_ec, www_rsa, wild}) {
    ASSERT_TRUE(store.Add({f.cert, f.key, ""}).ok());
  }
  const CertificateSet* www = store.Select("WWW.example.com.");
  ASSERT_NE(www, nullptr);
  ASSERT_TRUE(www->ecdsa && www->rsa);
  EXPECT_EQ(www->ecdsa->cert_path(), www_ec.cert);
  EXPECT_EQ(www->rsa->cert_path(), www_rsa.cert);

  EXPECT_EQ(store.Select("api.example.com")->ecdsa->cert_path(), wild.cert);
  EXPECT_EQ(store.Select("api.example.com")->rsa, nullptr);
  // One label only, and never the bare domain.
  EXPECT_EQ(store.Select("a.b.example.com")->ecdsa->cert_path(), def.cert);
  EXPECT_EQ(store.Select("example.com")->ecdsa->cert_path(), def.cert);
  EXPECT_EQ(store.Select(".example.com")->ecdsa->cert_path(), def.cert);
  EXPECT_EQ(store.Select("")->ecdsa->cert_path(), def.cert);
}

TEST_F(CertificateStoreTest, ExplicitDefaultAndDuplicateRefused) {
  auto ec = MakeEcKey();
  auto a = pki_.Issue("a", ec.get(), "a", {"a.test"});
  auto b = pki_.Issue("b", ec.get(), "b", {"b.test"});
  auto a2 = pki_.Issue("a2", ec.get(), "a2", {"a.test"});
  CertificateStore store;
  ASSERT_TRUE(store.Add({a.cert, a.key, ""}).ok());
  ASSERT_TRUE(store.Add({b.cert, b.key, ""}, /*is_default=*/true).ok());
  EXPECT_EQ(store.Select("unknown.test")->ecdsa->cert_path(), b.cert);
  auto dup = store.Add({a2.cert, a2.key, ""});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message,
            a2.cert + ": an ECDSA certificate for a.test is already loaded from " + a.cert);
}

}  // namespace
}  // namespace rampart::tls
