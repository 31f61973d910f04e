// TLS termination end to end: the real binary with TLS listeners, real handshakes from an
// OpenSSL client, a recording origin behind. SNI, protocol versions, resumption, certificate
// reload under load (and a bad certificate refused), mTLS, HTTP -> HTTPS redirect and HSTS, TLS
// to backends, and the ClientHello fingerprints in the access log.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/log_file.h"
#include "support/metrics.h"
#include "support/origin.h"
#include "support/proxy_fixture.h"
#include "support/rampart_process.h"
#include "support/test_pki.h"
#include "support/tls_client.h"

namespace rampart::test {
namespace {

struct CertFiles {
  std::string cert;
  std::string key;
};

class TlsTest : public ProxyTest {
 protected:
  // A leaf named `cn` for the DNS `names`, issued by the test CA.
  CertFiles Issue(const std::string& stem, const std::string& cn,
                  const std::vector<std::string>& names, bool rsa = false) {
    PkeyPtr key = rsa ? MakeRsaKey() : MakeEcKey();
    const TestPki::Files f = pki_.Issue(stem, key.get(), cn, names);
    return {f.cert, f.key};
  }

  // One TLS listener (listen[0]) with `tls_yaml` (the lines inside `tls:`, indented 6) in
  // front of the origin; `route_lines` go into the catch-all route.
  std::string Config(const std::string& tls_yaml, const std::string& route_lines = "",
                     const std::string& extra_listeners = "") {
    std::string y = "workers: 1\nlisten:\n  - address: 127.0.0.1:0\n    tls:\n" + tls_yaml;
    y += extra_listeners;
    y += "admin:\n  address: 127.0.0.1:0\n";
    y += "pools:\n  app:\n    servers:\n      - address: " + origin_.address() + "\n";
    y += "routes:\n  - name: main\n    pool: app\n" + route_lines;
    y += "logging:\n  access_log: " + rampart_.dir() + "/access.log\n";
    return y;
  }

  static std::string CertList(const std::vector<CertFiles>& certs) {
    std::string y = "      certificates:\n";
    for (const auto& c : certs) y += "        - {cert: " + c.cert + ", key: " + c.key + "}\n";
    return y;
  }

  TlsResult Handshake(const std::string& sni, TlsClientOptions options = {}) {
    options.sni = sni;
    return TlsConnect(port(), options);
  }

  TlsResult Get(const std::string& target, TlsClientOptions options = {},
                const std::vector<std::string>& headers = {}) {
    return TlsConnect(port(), options, TlsGetRequest(target, "a.example", headers));
  }

  void Reload() {
    const size_t from = rampart_.LineCount();
    ASSERT_TRUE(rampart_.Signal(SIGHUP));
    ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  }

  // Replaces `path` atomically (a reader never sees half a file).
  static void Replace(const std::string& path, const std::string& from_path) {
    std::filesystem::copy_file(from_path, path + ".new",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(path + ".new", path);
  }

  TestPki pki_;
};

TEST_F(TlsTest, SniChoosesExactWildcardOrDefaultCertificate) {
  const CertFiles def = Issue("default", "default cert", {"default.example"});
  const CertFiles a = Issue("a", "a cert", {"a.example"});
  const CertFiles b = Issue("b", "wildcard cert", {"*.b.example"});
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(CertList({def, a, b}))));

  EXPECT_EQ(Handshake("a.example").peer_cn, "a cert");
  EXPECT_EQ(Handshake("x.b.example").peer_cn, "wildcard cert");
  EXPECT_EQ(Handshake("b.example").peer_cn, "default cert");  // a wildcard is one label
  EXPECT_EQ(Handshake("unknown.example").peer_cn, "default cert");
  EXPECT_EQ(Handshake("").peer_cn, "default cert");

  // A request over TLS reaches the origin, which learns the client spoke HTTPS.
  TlsClientOptions verify;
  verify.ca_file = pki_.WriteCa();
  verify.sni = "a.example";
  const TlsResult r = Get("/hello", verify);
  ASSERT_TRUE(r.handshake_ok) << r.error;
  EXPECT_EQ(r.status, 200) << r.response;
  auto seen = origin_.WaitForTarget("/hello");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->Header("X-Forwarded-Proto"), "https");
}

TEST_F(TlsTest, EcdsaAndRsaCertificatesSideBySide) {
  const CertFiles ec = Issue("ec", "ec cert", {"a.example"});
  const CertFiles rsa = Issue("rsa", "rsa cert", {"a.example"}, /*rsa=*/true);
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(CertList({ec, rsa}))));
  EXPECT_EQ(Handshake("a.example").peer_key_type, "EC");
  TlsClientOptions rsa_only;
  rsa_only.max_version = TLS1_2_VERSION;
  rsa_only.cipher_list = "ECDHE-RSA-AES128-GCM-SHA256";
  const TlsResult r = Handshake("a.example", rsa_only);
  ASSERT_TRUE(r.handshake_ok) << r.error;
  EXPECT_EQ(r.peer_key_type, "RSA");
  EXPECT_EQ(r.peer_cn, "rsa cert");
}

TEST_F(TlsTest, OnlyTls12And13AreAccepted) {
  const CertFiles a = Issue("a", "a cert", {"a.example"});
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(CertList({a}))));
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    TlsClientOptions old;
    old.allow_legacy = true;  // so the client really offers them
    old.min_version = version;
    old.max_version = version;
    const TlsResult r = Handshake("a.example", old);
    EXPECT_FALSE(r.handshake_ok) << "version " << std::hex << version << " was accepted";
  }
  TlsClientOptions v12;
  v12.max_version = TLS1_2_VERSION;
  EXPECT_EQ(Handshake("a.example", v12).version, "TLSv1.2");
  EXPECT_EQ(Handshake("a.example").version, "TLSv1.3");
  TlsClientOptions alpn;
  alpn.alpn = {"http/1.1", "h2"};
  EXPECT_EQ(Handshake("a.example", alpn).alpn, "h2");  // the server's preference
  const std::string metrics = Metrics();
  EXPECT_GE(MetricSum(metrics, "rampart_tls_handshakes_total", {{"result", "failed"}}), 2);
  EXPECT_GE(MetricSum(metrics, "rampart_tls_handshakes_total", {{"result", "full"}}), 3);
}

TEST_F(TlsTest, SessionsResumeByTicketAndBySessionId) {
  const CertFiles a = Issue("a", "a cert", {"a.example"});
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(CertList({a}))));
  // TLS 1.3 with a ticket.
  const TlsResult first = Handshake("a.example");
  ASSERT_TRUE(first.handshake_ok) << first.error;
  ASSERT_TRUE(first.session);
  TlsClientOptions again;
  again.session = first.session;
  const TlsResult second = Handshake("a.example", again);
  ASSERT_TRUE(second.handshake_ok) << second.error;
  EXPECT_TRUE(second.resumed);
  // A TLS 1.3 ticket is used once: the resumed connection gets a fresh one, which resumes too.
  EXPECT_GE(second.tickets, 1);
  again.session = second.session;
  EXPECT_TRUE(Handshake("a.example", again).resumed);
  // TLS 1.2 without tickets: the server's session cache.
  TlsClientOptions v12;
  v12.max_version = TLS1_2_VERSION;
  v12.no_tickets = true;
  const TlsResult first12 = Handshake("a.example", v12);
  ASSERT_TRUE(first12.session);
  v12.session = first12.session;
  const TlsResult second12 = Handshake("a.example", v12);
  EXPECT_TRUE(second12.resumed);
  EXPECT_GE(MetricSum(Metrics(), "rampart_tls_handshakes_total", {{"result", "resumed"}}), 2);
}

TEST_F(TlsTest, CertificateSwappedByReloadUnderLoadWithoutAFailedRequest) {
  const CertFiles v1 = Issue("v1", "a cert v1", {"a.example"});
  const CertFiles v2 = Issue("v2", "a cert v2", {"a.example"});
  const std::string live_cert = pki_.Path("live.pem");
  const std::string live_key = pki_.Path("live.key");
  std::filesystem::copy_file(v1.cert, live_cert);
  std::filesystem::copy_file(v1.key, live_key);
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(CertList({{live_cert, live_key}}))));
  ASSERT_EQ(Handshake("a.example").peer_cn, "a cert v1");

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<int> saw_v2{0};
  std::string first_failure;
  std::vector<std::thread> load;
  for (int t = 0; t < 3; ++t) {
    load.emplace_back([&] {
      while (!stop) {
        TlsClientOptions options;
        options.sni = "a.example";
        const TlsResult r = Get("/load", options);
        if (r.handshake_ok && r.status == 200) {
          ++ok;
          if (r.peer_cn == "a cert v2") ++saw_v2;
        } else {
          if (failed++ == 0) first_failure = r.error + " " + r.response;
        }
      }
    });
  }
  // Both files are replaced, then the reload picks them up.
  const auto wait_for = [](const std::atomic<int>& n, int target) {
    const Deadline deadline = DeadlineIn(Timeout(30'000));
    while (n < target && Clock::now() < deadline) std::this_thread::yield();
    return n >= target;
  };
  EXPECT_TRUE(wait_for(ok, 20));
  Replace(live_cert, v2.cert);
  Replace(live_key, v2.key);
  Reload();
  EXPECT_TRUE(wait_for(saw_v2, 20));
  stop = true;
  for (auto& t : load) t.join();
  EXPECT_EQ(failed, 0) << first_failure;
  EXPECT_GT(ok, 40);
  EXPECT_EQ(Handshake("a.example").peer_cn, "a cert v2");

  // A broken certificate is refused with its file and reason; v2 keeps serving.
  std::ofstream(live_cert) << "not a certificate\n";
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  EXPECT_TRUE(rampart_.WaitForLine("reload: refused", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine(live_cert + ": no certificate", kDefaultTimeout, from))
      << rampart_.Log();
  EXPECT_EQ(Handshake("a.example").peer_cn, "a cert v2");
}

TEST_F(TlsTest, ClientCertificatesRequiredOptionalAndPassedToTheBackend) {
  const CertFiles a = Issue("a", "a cert", {"a.example"});
  const CertFiles alice = Issue("alice", "alice", {});
  TestPki other;  // a CA the listener does not trust
  PkeyPtr mallory_key = MakeEcKey();
  const TestPki::Files mallory = other.Issue("mallory", mallory_key.get(), "mallory", {});
  const std::string ca = pki_.WriteCa();
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(
      CertList({a}) + "      client_certificates: required\n      client_ca: " + ca + "\n")));

  TlsClientOptions with_cert;
  with_cert.sni = "a.example";
  with_cert.cert_file = alice.cert;
  with_cert.key_file = alice.key;
  const TlsResult r =
      Get("/mtls", with_cert, {"X-Client-Cert-Subject: CN=admin", "X_Client_Cert_Subject: CN=x"});
  ASSERT_TRUE(r.handshake_ok) << r.error;
  EXPECT_EQ(r.status, 200) << r.response;
  auto seen = origin_.WaitForTarget("/mtls");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->Header("X-Client-Cert-Subject"), "CN=alice");
  EXPECT_EQ(seen->HeaderCount("X-Client-Cert-Subject"), 1u);
  EXPECT_EQ(seen->HeaderCount("X_Client_Cert_Subject"), 0u);

  TlsClientOptions no_cert;
  no_cert.sni = "a.example";
  const TlsResult refused = Get("/nocert", no_cert);
  EXPECT_NE(refused.status, 200) << refused.response;  // TLS 1.3: the alert comes at first read

  TlsClientOptions untrusted = no_cert;
  untrusted.cert_file = mallory.cert;
  untrusted.key_file = mallory.key;
  EXPECT_NE(Get("/mallory", untrusted).status, 200);
  EXPECT_FALSE(origin_.WaitForTarget("/nocert", Timeout(200)));
  EXPECT_FALSE(origin_.WaitForTarget("/mallory", Timeout(200)));
}

TEST_F(TlsTest, OptionalClientCertificateLetsClientsWithoutOneIn) {
  const CertFiles a = Issue("a", "a cert", {"a.example"});
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(
      Config(CertList({a}) +
             "      client_certificates: optional\n      client_ca: " + pki_.WriteCa() + "\n")));
  TlsClientOptions no_cert;
  no_cert.sni = "a.example";
  const TlsResult r = Get("/anon", no_cert, {"X-Client-Cert-Subject: CN=admin"});
  EXPECT_EQ(r.status, 200) << r.error << r.response;
  auto seen = origin_.WaitForTarget("/anon");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->HeaderCount("X-Client-Cert-Subject"), 0u);  // the client's claim is dropped
}

TEST_F(TlsTest, CleartextRedirectsToHttpsAndTlsResponsesCarryHsts) {
  const CertFiles a = Issue("a", "a cert", {"a.example"});
  // listen[1] is cleartext; the route redirects it to listen[0] (port known after start, so
  // the redirect keeps the Host's port by default — checked with an explicit port below).
  ASSERT_NO_FATAL_FAILURE(
      StartRampartYaml(Config(CertList({a}),
                              "    https_redirect: {status: 301, port: 8443}\n"
                              "    hsts: {max_age: 17520h, include_subdomains: true}\n",
                              "  - address: 127.0.0.1:0\n")));
  const uint16_t cleartext = rampart_.listener_port(1);
  auto redirected = HttpGet(cleartext, "/login?next=%2Fhome", {{"Host", "shop.example:8080"}});
  ASSERT_TRUE(redirected);
  EXPECT_EQ(redirected->status, 301);
  EXPECT_EQ(redirected->Header("Location"), "https://shop.example:8443/login?next=%2Fhome");
  EXPECT_FALSE(redirected->Header("Strict-Transport-Security"));  // never over cleartext
  auto absolute = HttpGet(cleartext, "http://shop.example:8080/abs?x=1");
  ASSERT_TRUE(absolute);
  EXPECT_EQ(absolute->Header("Location"), "https://shop.example:8443/abs?x=1");
  EXPECT_FALSE(origin_.WaitForTarget("/login?next=%2Fhome", Timeout(200)));

  TlsClientOptions options;
  options.sni = "a.example";
  const TlsResult r = Get("/secure", options);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Strict-Transport-Security"), "max-age=63072000; includeSubDomains");
}

TEST_F(TlsTest, FingerprintsOfTheClientHelloAreLogged) {
  const CertFiles a = Issue("a", "a cert", {"a.example"});
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(CertList({a}))));
  TlsClientOptions one;
  one.sni = "a.example";
  TlsClientOptions two = one;
  two.max_version = TLS1_2_VERSION;
  two.cipher_list = "ECDHE-ECDSA-AES256-GCM-SHA384";
  ASSERT_EQ(Get("/one", one).status, 200);
  ASSERT_EQ(Get("/two", two).status, 200);
  const std::vector<std::string> lines = WaitForFileLines(rampart_.dir() + "/access.log", 2);
  ASSERT_EQ(lines.size(), 2u);
  const std::string* line_one = &lines[0];
  const std::string* line_two = &lines[1];
  if (line_one->find("\"/one\"") == std::string::npos) std::swap(line_one, line_two);
  const auto field = [](const std::string& line, const std::string& name) {
    const std::string key = "\"" + name + "\":\"";
    const size_t at = line.find(key);
    if (at == std::string::npos) return std::string();
    const size_t start = at + key.size();
    return line.substr(start, line.find('"', start) - start);
  };
  EXPECT_EQ(field(*line_one, "tls_version"), "TLSv1.3");
  EXPECT_EQ(field(*line_one, "sni"), "a.example");
  EXPECT_EQ(field(*line_one, "ja4").substr(0, 4), "t13d");
  EXPECT_EQ(field(*line_two, "ja4").substr(0, 4), "t12d");
  EXPECT_EQ(field(*line_one, "ja3").size(), 32u);
  EXPECT_NE(field(*line_one, "ja3"), field(*line_two, "ja3"));
}

// rampart in front of rampart: the front one re-encrypts to a TLS backend (the second one, with
// mTLS required) and verifies it against the test CA under the name "backend.example".
class BackendTlsTest : public TlsTest {
 protected:
  void StartBackend(const std::string& ca) {
    const CertFiles server = Issue("backend", "backend", {"backend.example"});
    std::string y = "workers: 1\nlisten:\n  - address: 127.0.0.1:0\n    tls:\n" +
                    CertList({server}) + "      client_certificates: required\n" +
                    "      client_ca: " + ca + "\n";
    y += "pools:\n  app:\n    servers:\n      - address: " + origin_.address() + "\n";
    y += "routes:\n  - name: main\n    pool: app\n";
    ASSERT_TRUE(backend_.Start(y)) << backend_.error();
  }
  std::string FrontConfig(const std::string& tls_lines, const std::string& pool_lines = "") {
    std::string y = "workers: 1\nlisten:\n  - address: 127.0.0.1:0\n";
    y += "pools:\n  app:\n    servers:\n      - address: 127.0.0.1:" +
         std::to_string(backend_.port()) + "\n" + pool_lines + "    tls:\n" + tls_lines;
    y += "routes:\n  - name: main\n    pool: app\n";
    return y;
  }
  RampartProcess backend_;
};

TEST_F(BackendTlsTest, VerifiedReencryptionWithAClientCertificate) {
  const std::string ca = pki_.WriteCa();
  ASSERT_NO_FATAL_FAILURE(StartBackend(ca));
  const CertFiles front = Issue("front", "front proxy", {});
  // Health probes speak TLS to the backend too (through it to the origin's /healthz).
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(FrontConfig(
      "      ca: " + ca + "\n      server_name: backend.example\n      cert: " + front.cert +
          "\n      key: " + front.key + "\n",
      "    health: {path: /healthz, interval: 100ms, timeout: 1s, rise: 1, fall: 1}\n")));
  EXPECT_TRUE(origin_.WaitForHealthChecks(2));
  auto r = HttpGet(port(), "/through");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto seen = origin_.WaitForTarget("/through");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->Header("X-Client-Cert-Subject"), "CN=front proxy");
}

TEST_F(BackendTlsTest, ABackendThatDoesNotVerifyIsRefused) {
  const std::string ca = pki_.WriteCa();
  ASSERT_NO_FATAL_FAILURE(StartBackend(ca));
  const CertFiles front = Issue("front", "front proxy", {});
  TestPki other;
  const std::string other_ca = other.WriteCa();
  const std::string client = "      cert: " + front.cert + "\n      key: " + front.key + "\n";
  // Another CA, then the right CA with the wrong name: 502 both times, the origin sees nothing,
  // and the log says why.
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(
      FrontConfig("      ca: " + other_ca + "\n      server_name: backend.example\n" + client)));
  auto wrong_ca = HttpGet(port(), "/wrong-ca");
  ASSERT_TRUE(wrong_ca);
  EXPECT_EQ(wrong_ca->status, 502);
  rampart_.WriteConfig(
      FrontConfig("      ca: " + ca + "\n      server_name: other.example\n" + client));
  Reload();
  auto wrong_name = HttpGet(port(), "/wrong-name");
  ASSERT_TRUE(wrong_name);
  EXPECT_EQ(wrong_name->status, 502);
  EXPECT_TRUE(rampart_.WaitForLine("certificate verify failed: hostname mismatch"));
  // verify: false still encrypts (the backend's mTLS is satisfied) without checking.
  rampart_.WriteConfig(FrontConfig("      verify: false\n" + client));
  Reload();
  auto unverified = HttpGet(port(), "/unverified");
  ASSERT_TRUE(unverified);
  EXPECT_EQ(unverified->status, 200);
  EXPECT_FALSE(origin_.WaitForTarget("/wrong-ca", Timeout(100)));
  EXPECT_FALSE(origin_.WaitForTarget("/wrong-name", Timeout(100)));
}

}  // namespace
}  // namespace rampart::test
