// Automatic certificates with the real binary: rampart obtains a certificate for a listener's
// `tls.acme` name from pebble (Let's Encrypt's test CA, validating for real against rampart's
// own listeners on loopback), serves it, and renews it — with HTTP-01 answered by the cleartext
// listener and with TLS-ALPN-01 answered in the TLS handshake.

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <string>

#include "support/origin.h"
#include "support/pebble_server.h"
#include "support/rampart_process.h"
#include "support/tls_client.h"
#include "unit/unused_port.h"

namespace rampart::test {
namespace {

class AcmeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PebbleServer::Available()) {
      GTEST_SKIP() << "pebble is not installed (Debian package pebble): automatic certificates "
                      "are not tested";
    }
    http_port_ = UnusedLoopbackPort();
    tls_port_ = UnusedLoopbackPort();
    ASSERT_TRUE(pebble_.Start(http_port_, tls_port_)) << pebble_.error() << pebble_.Log();
  }

  std::string Config(const std::string& challenges, const std::string& renew_before) {
    std::string y = "workers: 1\nlisten:\n";
    y += "  - address: 127.0.0.1:" + std::to_string(http_port_) + "\n";
    y += "  - address: 127.0.0.1:" + std::to_string(tls_port_) + "\n";
    y += "    tls:\n      acme: [shop.test]\n";
    y += "acme:\n  directory: " + pebble_.directory_url() + "\n";
    y += "  ca_file: " + pebble_.ca_file() + "\n";
    y += "  storage: " + rampart_.dir() + "/acme\n";
    y += "  email: ops@shop.test\n";
    y += "  challenges: [" + challenges + "]\n";
    y += "  renew_before: " + renew_before + "\n";
    y += "  retry_min: 1s\n";
    y += "  check_interval: 2s\n";
    y += "pools:\n  app:\n    servers:\n      - address: " + origin_.address() + "\n";
    // The site redirects cleartext to HTTPS: the validation must get through anyway.
    y += "routes:\n  - name: main\n    pool: app\n    https_redirect: true\n";
    return y;
  }

  // The serial and issuer CN of the certificate rampart serves for shop.test.
  std::pair<std::string, std::string> Served() {
    TlsClientOptions options;
    options.sni = "shop.test";
    const TlsResult r = TlsConnect(tls_port_, options);
    return {r.peer_serial, r.peer_issuer_cn};
  }

  uint16_t http_port_ = 0;
  uint16_t tls_port_ = 0;
  PebbleServer pebble_;
  Origin origin_;
  RampartProcess rampart_;
};

TEST_F(AcmeTest, ObtainsWithHttp01ServesAndRenews) {
  // Renew when less than 50 years are left: pebble's certificates live 5 years, so every
  // certificate is due as soon as it is issued and the next check renews it.
  ASSERT_TRUE(rampart_.Start(Config("http-01", "438000h"))) << rampart_.error();
  // Until the first certificate is in, the name is served a self-signed placeholder.
  ASSERT_TRUE(rampart_.WaitForLine("acme: new certificate for shop.test", Timeout(60'000)))
      << rampart_.Log() << pebble_.Log();
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", Timeout(10'000)));
  const auto first = Served();
  EXPECT_NE(first.second.find("Pebble"), std::string::npos) << first.second;

  // The renewal: a second certificate, with another serial, swapped in by a reload.
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.WaitForLine("acme: new certificate for shop.test", Timeout(60'000), from))
      << rampart_.Log();
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", Timeout(10'000), from));
  const auto second = Served();
  EXPECT_NE(second.first, first.first);
  EXPECT_NE(second.second.find("Pebble"), std::string::npos);

  // Safe permissions: the storage directory 0700, keys 0600.
  struct stat st {};
  ASSERT_EQ(stat((rampart_.dir() + "/acme").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((rampart_.dir() + "/acme/certificates/shop.test/key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A real request over the obtained certificate reaches the origin.
  TlsClientOptions options;
  options.sni = "shop.test";
  const TlsResult r = TlsConnect(tls_port_, options, TlsGetRequest("/", "shop.test"));
  EXPECT_EQ(r.status, 200) << r.error << r.response;
}

TEST_F(AcmeTest, ObtainsWithTlsAlpn01) {
  ASSERT_TRUE(rampart_.Start(Config("tls-alpn-01", "0s"))) << rampart_.error();
  ASSERT_TRUE(rampart_.WaitForLine("acme: new certificate for shop.test", Timeout(60'000)))
      << rampart_.Log() << pebble_.Log();
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", Timeout(10'000)));
  EXPECT_NE(Served().second.find("Pebble"), std::string::npos);
}

}  // namespace
}  // namespace rampart::test
