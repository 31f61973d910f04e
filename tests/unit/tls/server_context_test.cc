#include "tls/server_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ocsp.h>

#include "unit/tls/tls_test_util.h"

namespace rampart::tls {
namespace {

using test::ClientOptions;
using test::Handshake;
using test::HandshakeResult;
using ::testing::HasSubstr;

// A store with: www.example.com as ECDSA and RSA, *.example.org (ECDSA), default.test (ECDSA,
// the default). Each certificate's CN names it, so a test can tell which one was presented.
class ServerContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ec_key_ = test::MakeEcKey().release();
    rsa_key_ = test::MakeRsaKey().release();
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(ec_key_);
    EVP_PKEY_free(rsa_key_);
  }

  void SetUp() override {
    store_ = std::make_shared<CertificateStore>();
    auto def = pki_.Issue("default", ec_key_, "default-ec", {"default.test"});
    auto www_ec = pki_.Issue("www-ec", ec_key_, "www-ec", {"www.example.com"});
    auto www_rsa = pki_.Issue("www-rsa", rsa_key_, "www-rsa", {"www.example.com"});
    auto wild = pki_.Issue("wild", ec_key_, "wild-ec", {"*.example.org"});
    ASSERT_TRUE(store_->Add({def.cert, def.key, ""}).ok());
    ASSERT_TRUE(store_->Add({www_ec.cert, www_ec.key, ocsp_path_}).ok());
    ASSERT_TRUE(store_->Add({www_rsa.cert, www_rsa.key, ""}).ok());
    ASSERT_TRUE(store_->Add({wild.cert, wild.key, ""}).ok());
    keys_ = std::make_shared<TicketKeys>();
  }

  std::shared_ptr<ServerContext> Build(const ServerContextOptions& options = {}) {
    auto ctx = BuildServerContext(options, store_, keys_);
    EXPECT_TRUE(ctx.ok()) << ctx.error().message;
    return ctx.ok() ? *ctx : nullptr;
  }

  static inline EVP_PKEY* ec_key_ = nullptr;
  static inline EVP_PKEY* rsa_key_ = nullptr;
  test::TestPki pki_;
  std::string ocsp_path_;
  std::shared_ptr<CertificateStore> store_;
  std::shared_ptr<TicketKeys> keys_;
};

// Frees the session a handshake handed back.
struct Session {
  explicit Session(HandshakeResult& r) : s(r.session) { r.session = nullptr; }
  ~Session() { SSL_SESSION_free(s); }
  SSL_SESSION* s;
};

TEST_F(ServerContextTest, RefusesTls10And11AcceptsTls12And13) {
  auto ctx = Build();
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    HandshakeResult r = Handshake(ctx->native(), {.sni = "www.example.com",
                                                  .min_version = version,
                                                  .max_version = version,
                                                  .weak_security = true});
    EXPECT_FALSE(r.ok) << version;
    EXPECT_THAT(r.server_error, HasSubstr("unsupported protocol")) << version;
  }
  HandshakeResult r12 =
      Handshake(ctx->native(), {.sni = "www.example.com", .max_version = TLS1_2_VERSION});
  Session s12(r12);
  EXPECT_TRUE(r12.ok);
  EXPECT_EQ(r12.version, "TLSv1.2");
  // The client's order wins (Mozilla: no server preference): ChaCha20 comes after AES-GCM in
  // the server's list.
  HandshakeResult chacha =
      Handshake(ctx->native(),
                {.max_version = TLS1_2_VERSION,
                 .cipher_list = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"});
  Session s_chacha(chacha);
  EXPECT_EQ(chacha.cipher, "ECDHE-ECDSA-CHACHA20-POLY1305");
  HandshakeResult r13 = Handshake(ctx->native(), {.sni = "www.example.com"});
  Session s13(r13);
  EXPECT_TRUE(r13.ok);
  EXPECT_EQ(r13.version, "TLSv1.3");
}

TEST_F(ServerContextTest, ModernProfileIsTls13Only) {
  ServerContextOptions options;
  options.profile = CipherProfile::kModern;
  auto ctx = Build(options);
  HandshakeResult r12 = Handshake(ctx->native(), {.max_version = TLS1_2_VERSION});
  EXPECT_FALSE(r12.ok);
  HandshakeResult r13 = Handshake(ctx->native(), {});
  Session s(r13);
  EXPECT_TRUE(r13.ok);
  EXPECT_EQ(r13.version, "TLSv1.3");
}

TEST_F(ServerContextTest, IntermediateRefusesNonForwardSecretSuites) {
  auto ctx = Build();
  HandshakeResult r =
      Handshake(ctx->native(), {.max_version = TLS1_2_VERSION, .cipher_list = "AES128-GCM-SHA256"});
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.server_error, HasSubstr("no shared cipher"));
}

TEST_F(ServerContextTest, SniPicksExactWildcardOrDefault) {
  auto ctx = Build();
  struct Case {
    std::string sni, cn;
  } cases[] = {{"www.example.com", "www-ec"},
               {"api.example.org", "wild-ec"},
               {"a.b.example.org", "default-ec"},
               {"nothing.test", "default-ec"},
               {"", "default-ec"}};
  for (const auto& c : cases) {
    HandshakeResult r = Handshake(ctx->native(), {.sni = c.sni});
    Session s(r);
    EXPECT_TRUE(r.ok) << c.sni;
    EXPECT_EQ(r.peer_cn, c.cn) << c.sni;
  }
}

TEST_F(ServerContextTest, EcdsaForCapableClientsRsaForRsaOnlyClients) {
  auto ctx = Build();
  HandshakeResult ec = Handshake(ctx->native(), {.sni = "www.example.com"});
  Session s1(ec);
  EXPECT_EQ(ec.peer_cn, "www-ec");
  EXPECT_EQ(ec.key_type, "EC");
  HandshakeResult rsa12 = Handshake(ctx->native(), {.sni = "www.example.com",
                                                    .max_version = TLS1_2_VERSION,
                                                    .cipher_list = "ECDHE-RSA-AES128-GCM-SHA256"});
  Session s2(rsa12);
  EXPECT_TRUE(rsa12.ok);
  EXPECT_EQ(rsa12.peer_cn, "www-rsa");
  EXPECT_EQ(rsa12.key_type, "RSA");
  HandshakeResult rsa13 =
      Handshake(ctx->native(), {.sni = "www.example.com", .sigalgs = "rsa_pss_rsae_sha256"});
  Session s3(rsa13);
  EXPECT_TRUE(rsa13.ok);
  EXPECT_EQ(rsa13.peer_cn, "www-rsa");
  // A name with only an ECDSA certificate has nothing for an RSA-only client.
  HandshakeResult none = Handshake(ctx->native(), {.sni = "api.example.org",
                                                   .max_version = TLS1_2_VERSION,
                                                   .cipher_list = "ECDHE-RSA-AES128-GCM-SHA256"});
  EXPECT_FALSE(none.ok);
}

TEST_F(ServerContextTest, AlpnPrefersH2ThenHttp11) {
  auto ctx = Build();
  HandshakeResult both = Handshake(ctx->native(), {.alpn = {"http/1.1", "h2"}});
  Session s1(both);
  EXPECT_EQ(both.alpn, "h2");
  HandshakeResult h1 = Handshake(ctx->native(), {.alpn = {"http/1.1"}});
  Session s2(h1);
  EXPECT_EQ(h1.alpn, "http/1.1");
  HandshakeResult other = Handshake(ctx->native(), {.alpn = {"spdy/3"}});
  Session s3(other);
  EXPECT_TRUE(other.ok);
  EXPECT_EQ(other.alpn, "");
  ServerContextOptions only_h1;
  only_h1.alpn = {"http/1.1"};
  auto ctx_h1 = Build(only_h1);
  HandshakeResult r = Handshake(ctx_h1->native(), {.alpn = {"h2", "http/1.1"}});
  Session s4(r);
  EXPECT_EQ(r.alpn, "http/1.1");
}

TEST_F(ServerContextTest, TicketResumptionSurvivesOneRotationNotTwo) {
  auto ctx = Build();
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    // No session-cache fallback: this test is about tickets alone.
    ServerContextOptions options;
    options.session_cache_size = 0;
    ctx = Build(options);
    HandshakeResult first =
        Handshake(ctx->native(), {.sni = "www.example.com", .max_version = version});
    Session s(first);
    ASSERT_TRUE(first.ok);
    ASSERT_NE(s.s, nullptr);
    HandshakeResult again =
        Handshake(ctx->native(), {.sni = "www.example.com", .max_version = version, .resume = s.s});
    Session s2(again);
    EXPECT_TRUE(again.reused) << version;
    keys_->Rotate();
    HandshakeResult after_one =
        Handshake(ctx->native(), {.sni = "www.example.com", .max_version = version, .resume = s.s});
    Session s3(after_one);
    EXPECT_TRUE(after_one.reused) << version;
    keys_->Rotate();
    HandshakeResult after_two =
        Handshake(ctx->native(), {.sni = "www.example.com", .max_version = version, .resume = s.s});
    Session s4(after_two);
    EXPECT_TRUE(after_two.ok) << version;
    EXPECT_FALSE(after_two.reused) << version;
  }
}

TEST_F(ServerContextTest, SessionCacheResumesWithoutTickets) {
  ServerContextOptions options;
  options.session_tickets = false;
  auto ctx = BuildServerContext(options, store_, nullptr);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    HandshakeResult first = Handshake(
        (*ctx)->native(), {.sni = "www.example.com", .max_version = version, .no_ticket = true});
    Session s(first);
    ASSERT_NE(s.s, nullptr);
    HandshakeResult again = Handshake(
        (*ctx)->native(),
        {.sni = "www.example.com", .max_version = version, .resume = s.s, .no_ticket = true});
    Session s2(again);
    EXPECT_TRUE(again.reused) << version;
  }
  // Nor does a cache-less, ticket-less context resume anything.
  options.session_cache_size = 0;
  auto none = BuildServerContext(options, store_, nullptr);
  ASSERT_TRUE(none.ok());
  HandshakeResult first = Handshake((*none)->native(), {.max_version = TLS1_2_VERSION});
  Session s(first);
  HandshakeResult again =
      Handshake((*none)->native(), {.max_version = TLS1_2_VERSION, .resume = s.s});
  Session s2(again);
  EXPECT_FALSE(again.reused);
}

TEST_F(ServerContextTest, StaplesTheOcspResponseOfTheChosenCertificate) {
  OCSP_RESPONSE* resp = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, nullptr);
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_RESPONSE(resp, &der);
  const std::string bytes(reinterpret_cast<const char*>(der), len);
  OPENSSL_free(der);
  OCSP_RESPONSE_free(resp);
  ocsp_path_ = pki_.Write("www.ocsp", bytes);
  SetUp();  // again, now with the OCSP file on www-ec
  auto ctx = Build();
  HandshakeResult www = Handshake(ctx->native(), {.sni = "www.example.com", .want_ocsp = true});
  Session s1(www);
  EXPECT_EQ(www.peer_cn, "www-ec");
  EXPECT_EQ(www.ocsp, bytes);
  HandshakeResult other = Handshake(ctx->native(), {.sni = "default.test", .want_ocsp = true});
  Session s2(other);
  EXPECT_TRUE(other.ok);
  EXPECT_EQ(other.ocsp, "");
}

TEST_F(ServerContextTest, BuildErrors) {
  EXPECT_EQ(BuildServerContext({}, std::make_shared<CertificateStore>(), keys_).error().message,
            "tls: no certificate");
  EXPECT_EQ(BuildServerContext({}, store_, nullptr).error().message,
            "tls: session tickets need ticket keys");
  ServerContextOptions bad;
  bad.alpn = {""};
  EXPECT_THAT(BuildServerContext(bad, store_, keys_).error().message, HasSubstr("ALPN"));
}

TEST(CipherProfileTest, MozillaIntermediateV57) {
  EXPECT_STREQ(Tls13CipherSuites(CipherProfile::kIntermediate),
               "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_THAT(Tls12CipherList(CipherProfile::kIntermediate),
              ::testing::EndsWith("DHE-RSA-CHACHA20-POLY1305"));
  EXPECT_STREQ(Tls12CipherList(CipherProfile::kModern), "");
}

}  // namespace
}  // namespace rampart::tls
