// The TLS keys of the configuration (tls_schema.cc, loader.cc): a listener's `tls` (certificates,
// ACME names, profile, sessions, client certificates) and `http2`, the top-level `acme`, a pool's
// `tls` (TLS to backends), a route's `https_redirect` and `hsts`, and the ja3/ja4 rate-limit key
// parts. Certificate files are only checked to exist here; their contents are the runtime's.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config_test_support.h"

namespace rampart::config {
namespace {

using namespace test_util;  // config_test_support.h
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Profile = ListenerTlsConfig::Profile;
using ClientCerts = ListenerTlsConfig::ClientCerts;

constexpr char kMissing[] = "/nonexistent/rampart-tls-test.pem";

// The pool and route every listener test shares, after the listener's lines.
constexpr char kTail[] =
    "pools: {app: {servers: [{address: 127.0.0.1:9000}]}}\n"
    "routes: [{match: {path_prefix: /}, pool: app}]\n";

// `lines` joined, each ended by a newline: one YAML line per element.
std::string Lines(std::initializer_list<std::string> lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// One listener whose `tls` map holds `tls_lines` (keys indented by 6, from line 4 on); `top` is
// appended after the pool and route.
std::string Listener(const std::string& tls_lines, const std::string& top = "") {
  return "listen:\n"                      // 1
         "  - address: 127.0.0.1:8443\n"  // 2
         "    tls:\n" +                   // 3
         tls_lines +
         kTail + top;
}

// A valid top-level acme section (for listeners that name acme certificates).
constexpr char kAcme[] =
    "acme: {directory: \"https://acme.example/directory\", storage: /var/lib/rampart/acme}\n";

// A certificate and key file pair (existence is all the loader checks).
struct CertPair {
  TempFile cert{"-----BEGIN CERTIFICATE-----\n"};
  TempFile key{"-----BEGIN PRIVATE KEY-----\n"};
  // A flow-style certificates entry naming both files.
  std::string Entry(const std::string& extra = "") const {
    return "{cert: " + cert.q() + ", key: " + key.q() + extra + "}";
  }
};

// ---- A listener's `tls` ----

TEST(TlsConfigTest, EveryListenerKey) {
  CertPair a;
  CertPair b;
  TempFile ocsp("ocsp");
  TempFile ca("-----BEGIN CERTIFICATE-----\n");
  const Config c = Load(Listener(Lines({
      "      certificates:",                                              // 4
      "        - " + a.Entry(),                                           // 5
      "        - " + b.Entry(", ocsp: " + ocsp.q() + ", default: true"),  // 6
      "      profile: modern",                                            // 7
      "      session_cache: 0",                                           // 8
      "      session_timeout: 1h",                                        // 9
      "      tickets: false",                                             // 10
      "      ticket_rotation: 2h",                                        // 11
      "      client_certificates: optional",                              // 12
      "      client_ca: " + ca.q(),                                       // 13
      "      client_subject_header: X-Mtls-Subject",                      // 14
  })));
  ASSERT_EQ(c.listen.size(), 1u);
  ASSERT_TRUE(c.listen[0].tls.has_value());
  const ListenerTlsConfig& t = *c.listen[0].tls;
  ASSERT_EQ(t.certificates.size(), 2u);
  EXPECT_EQ(t.certificates[0].cert, a.cert.path());
  EXPECT_EQ(t.certificates[0].key, a.key.path());
  EXPECT_EQ(t.certificates[0].ocsp, "");
  EXPECT_FALSE(t.certificates[0].is_default);
  EXPECT_EQ(t.certificates[0].mark.line, 5);
  EXPECT_EQ(t.certificates[1].cert, b.cert.path());
  EXPECT_EQ(t.certificates[1].ocsp, ocsp.path());
  EXPECT_TRUE(t.certificates[1].is_default);
  EXPECT_THAT(t.acme, IsEmpty());
  EXPECT_EQ(t.profile, Profile::kModern);
  EXPECT_EQ(t.session_cache, 0u);
  EXPECT_EQ(t.session_timeout_ms, 3'600'000u);
  EXPECT_FALSE(t.tickets);
  EXPECT_EQ(t.ticket_rotation_ms, 7'200'000u);
  EXPECT_EQ(t.client_certs, ClientCerts::kOptional);
  EXPECT_EQ(t.client_ca, ca.path());
  EXPECT_EQ(t.client_subject_header, "X-Mtls-Subject");
  EXPECT_EQ(t.mark.file, "t.yaml");
  EXPECT_EQ(t.mark.line, 3);
  EXPECT_TRUE(c.listen[0].http2);
}

TEST(TlsConfigTest, ListenerDefaults) {
  CertPair a;
  const Config c = Load(Listener("      certificates: [" + a.Entry() + "]\n"));
  ASSERT_TRUE(c.listen.at(0).tls.has_value());
  const ListenerTlsConfig& t = *c.listen[0].tls;
  EXPECT_EQ(t.profile, Profile::kIntermediate);
  EXPECT_EQ(t.session_cache, 20480u);
  EXPECT_EQ(t.session_timeout_ms, 86'400'000u);
  EXPECT_TRUE(t.tickets);
  EXPECT_EQ(t.ticket_rotation_ms, 43'200'000u);
  EXPECT_EQ(t.client_certs, ClientCerts::kOff);
  EXPECT_EQ(t.client_ca, "");
  EXPECT_EQ(t.client_subject_header, "X-Client-Cert-Subject");
  EXPECT_TRUE(c.listen[0].http2);
  EXPECT_FALSE(c.listen[0].proxy_protocol);
  // A listener without `tls` is cleartext.
  const Config plain = Load("listen: [{address: 127.0.0.1:8080}]\n" + std::string(kTail));
  EXPECT_FALSE(plain.listen.at(0).tls.has_value());
  EXPECT_FALSE(plain.acme.has_value());
}

TEST(TlsConfigTest, Http2CanBeTurnedOffOnTlsAndCleartextListeners) {
  CertPair a;
  const Config c = Load(
      Lines({
          "listen:",
          "  - {address: 127.0.0.1:8443, http2: false, tls: {certificates: [" + a.Entry() + "]}}",
          "  - {address: 127.0.0.1:8080, http2: false}",
          "  - {address: 127.0.0.1:8081, http2: true}",
      }) +
      kTail);
  ASSERT_EQ(c.listen.size(), 3u);
  EXPECT_FALSE(c.listen[0].http2);
  EXPECT_TRUE(c.listen[0].tls.has_value());
  EXPECT_FALSE(c.listen[1].http2);
  EXPECT_TRUE(c.listen[2].http2);
  EXPECT_THAT(Errors("listen: [{address: 127.0.0.1:8080, http2: maybe}]\n" + std::string(kTail)),
              ElementsAre("t.yaml:1: listen[0].http2: expected true or false"));
}

TEST(TlsConfigErrorTest, OnlyOneCertificateMayBeTheDefault) {
  CertPair a;
  CertPair b;
  CertPair c;
  EXPECT_THAT(Errors(Listener(Lines({
                  "      certificates:",                      // 4
                  "        - " + a.Entry(", default: true"),  // 5
                  "        - " + b.Entry(),                   // 6
                  "        - " + c.Entry(", default: true"),  // 7
              }))),
              ElementsAre("t.yaml:7: listen[0].tls.certificates[2].default: only one "
                          "certificate may be the default"));
}

TEST(TlsConfigErrorTest, MissingCertificateFilesAreRefusedWithTheirPath) {
  CertPair a;
  const std::string missing = kMissing;
  const std::string reason = "cannot read " + missing + ": No such file or directory";
  EXPECT_THAT(Errors(Listener(Lines({
                  "      certificates:",                                         // 4
                  "        - {cert: " + missing + ", key: " + a.key.q() + "}",   // 5
                  "        - {cert: " + a.cert.q() + ", key: " + missing + "}",  // 6
                  "        - " + a.Entry(", ocsp: " + missing),                  // 7
              }))),
              ElementsAre("t.yaml:5: listen[0].tls.certificates[0].cert: " + reason,
                          "t.yaml:6: listen[0].tls.certificates[1].key: " + reason,
                          "t.yaml:7: listen[0].tls.certificates[2].ocsp: " + reason));
  // A directory is not a certificate file; cert and key are both required.
  EXPECT_THAT(Errors(Listener(Lines({
                  "      certificates:",                             // 4
                  "        - {cert: /tmp, key: " + a.key.q() + "}",  // 5
                  "        - {cert: " + a.cert.q() + "}",            // 6
              }))),
              ElementsAre("t.yaml:5: listen[0].tls.certificates[0].cert: not a regular file: /tmp",
                          "t.yaml:6: listen[0].tls.certificates[1].key: required"));
}

TEST(TlsConfigErrorTest, ATlsListenerNeedsCertificatesOrAcmeNames) {
  EXPECT_THAT(Errors(Listener("      profile: modern\n")),
              ElementsAre("t.yaml:3: listen[0].tls.certificates: a TLS listener needs "
                          "certificates or acme names"));
  EXPECT_THAT(Errors(Listener("      certificates: []\n      acme: []\n")),
              ElementsAre("t.yaml:3: listen[0].tls.certificates: a TLS listener needs "
                          "certificates or acme names"));
}

TEST(TlsConfigErrorTest, ProfileIsAnEnum) {
  CertPair a;
  const std::string certificates = "      certificates: [" + a.Entry() + "]";  // line 4
  EXPECT_THAT(Errors(Listener(Lines({certificates, "      profile: old"}))),
              ElementsAre("t.yaml:5: listen[0].tls.profile: expected one of: intermediate, "
                          "modern"));
  EXPECT_THAT(Errors(Listener(Lines({certificates, "      client_certificates: always"}))),
              ElementsAre("t.yaml:5: listen[0].tls.client_certificates: expected one of: off, "
                          "optional, required"));
}

TEST(TlsConfigErrorTest, ClientCertificatesNeedAClientCa) {
  CertPair a;
  const std::string certificates = "      certificates: [" + a.Entry() + "]";  // line 4
  for (const std::string mode : {"optional", "required"}) {
    EXPECT_THAT(Errors(Listener(Lines({certificates, "      client_certificates: " + mode}))),
                ElementsAre("t.yaml:3: listen[0].tls.client_ca: client_certificates needs "
                            "client_ca (the CAs to verify against)"))
        << mode;
  }
  // Off needs none; a client_ca that does not exist is reported once, for itself.
  const Config off = Load(Listener(Lines({certificates, "      client_certificates: off"})));
  ASSERT_TRUE(off.listen.at(0).tls.has_value());
  EXPECT_EQ(off.listen[0].tls->client_certs, ClientCerts::kOff);
  EXPECT_THAT(Errors(Listener(Lines({
                  certificates,                                 // 4
                  "      client_certificates: required",        // 5
                  "      client_ca: " + std::string(kMissing),  // 6
              }))),
              ElementsAre("t.yaml:6: listen[0].tls.client_ca: cannot read " +
                          std::string(kMissing) + ": No such file or directory"));
}

TEST(TlsConfigErrorTest, ClientSubjectHeaderMustBeAHeaderName) {
  CertPair a;
  TempFile ca("ca");
  for (const std::string bad : {"\"X Client\"", "\"X-Client:\"", "\"\""}) {
    EXPECT_THAT(Errors(Listener(Lines({
                    "      certificates: [" + a.Entry() + "]",  // 4
                    "      client_certificates: required",      // 5
                    "      client_ca: " + ca.q(),               // 6
                    "      client_subject_header: " + bad,      // 7
                }))),
                ElementsAre("t.yaml:7: listen[0].tls.client_subject_header: expected a header "
                            "name"))
        << bad;
  }
}

TEST(TlsConfigTest, AcmeNamesAreLowerCaseDnsNames) {
  const Config c =
      Load(Listener("      acme: [www.example.com, example.org, a-b.c-d.example, "
                    "localhost]\n",
                    kAcme));
  ASSERT_TRUE(c.listen.at(0).tls.has_value());
  EXPECT_THAT(c.listen[0].tls->acme,
              ElementsAre("www.example.com", "example.org", "a-b.c-d.example", "localhost"));
  EXPECT_THAT(c.listen[0].tls->certificates, IsEmpty());
  ASSERT_TRUE(c.acme.has_value());
}

TEST(TlsConfigErrorTest, AcmeNamesRefuseWildcardsUpperCaseAndOtherShapes) {
  const std::string reason = "expected a lower-case DNS name such as www.example.com (no wildcard)";
  EXPECT_THAT(Errors(Listener("      acme:\n"                  // 4
                              "        - \"*.example.com\"\n"  // 5
                              "        - WWW.Example.com\n"    // 6
                              "        - example\n"            // 7
                              "        - a..example\n"         // 8
                              "        - .example.com\n"       // 9
                              "        - www.example.com\n",   // 10: fine
                              kAcme)),
              ElementsAre("t.yaml:5: listen[0].tls.acme[0]: " + reason,
                          "t.yaml:6: listen[0].tls.acme[1]: " + reason,
                          "t.yaml:7: listen[0].tls.acme[2]: " + reason,
                          "t.yaml:8: listen[0].tls.acme[3]: " + reason,
                          "t.yaml:9: listen[0].tls.acme[4]: " + reason));
}

TEST(TlsConfigErrorTest, AcmeNamesNeedTheAcmeSection) {
  // Reported at the root: the section that is missing.
  EXPECT_THAT(Errors(Listener("      acme: [www.example.com]\n")),
              ElementsAre("t.yaml:1: acme: listen[0].tls.acme names certificates to obtain: the "
                          "acme section (directory, storage) is required"));
}

TEST(TlsConfigErrorTest, TlsCannotBeCombinedWithProxyProtocol) {
  CertPair a;
  EXPECT_THAT(Errors(Lines({
                         "listen:",                                       // 1
                         "  - address: 127.0.0.1:8443",                   // 2
                         "    proxy_protocol: true",                      // 3
                         "    tls: {certificates: [" + a.Entry() + "]}",  // 4
                     }) +
                     kTail),
              ElementsAre("t.yaml:4: listen[0].tls: cannot be combined with proxy_protocol in "
                          "this version"));
}

// ---- The top-level `acme` ----

// A listener with one acme name, and `acme` (the section's lines, keys indented by 2) at line 6.
std::string WithAcme(const std::string& acme_lines) {
  return Listener("      acme: [www.example.com]\n",  // 4
                  "acme:\n" + acme_lines);            // 5 (pool), 6 (routes), 7: acme
}

TEST(TlsConfigTest, EveryAcmeKey) {
  TempFile ca("ca");
  const Config c = Load(WithAcme(Lines({
      "  directory: \"https://acme.example/dir\"",  // 8
      "  email: ops@example.com",                   // 9
      "  storage: acme-state",                      // 10
      "  ca_file: " + ca.q(),                       // 11
      "  challenges: [tls-alpn-01]",                // 12
      "  renew_before: 720h",                       // 13
      "  check_interval: 1h",                       // 14
      "  retry_min: 2m",                            // 15
      "  retry_max: 1h",                            // 16
  })));
  ASSERT_TRUE(c.acme.has_value());
  const AcmeConfig& a = *c.acme;
  EXPECT_EQ(a.directory, "https://acme.example/dir");
  EXPECT_EQ(a.email, "ops@example.com");
  EXPECT_EQ(a.storage, "acme-state");  // relative to t.yaml's directory, which is ""
  EXPECT_EQ(a.ca_file, ca.path());
  EXPECT_THAT(a.challenges, ElementsAre("tls-alpn-01"));
  EXPECT_EQ(a.renew_before_ms, 720ull * 3'600'000);
  EXPECT_EQ(a.check_interval_ms, 3'600'000u);
  EXPECT_EQ(a.retry_min_ms, 120'000u);
  EXPECT_EQ(a.retry_max_ms, 3'600'000u);
  EXPECT_EQ(a.mark.line, 7);
}

TEST(TlsConfigTest, AcmeDefaults) {
  const Config c =
      Load(WithAcme("  directory: \"https://acme.example/dir\"\n"
                    "  storage: /var/lib/rampart/acme\n"));
  ASSERT_TRUE(c.acme.has_value());
  const AcmeConfig& a = *c.acme;
  EXPECT_EQ(a.email, "");
  EXPECT_EQ(a.storage, "/var/lib/rampart/acme");
  EXPECT_EQ(a.ca_file, "");
  EXPECT_THAT(a.challenges, ElementsAre("http-01", "tls-alpn-01"));
  EXPECT_EQ(a.renew_before_ms, 0u);
  EXPECT_EQ(a.check_interval_ms, 12ull * 3'600'000);
  EXPECT_EQ(a.retry_min_ms, 60'000u);
  EXPECT_EQ(a.retry_max_ms, 86'400'000u);
}

TEST(TlsConfigErrorTest, AcmeDirectoryMustBeHttps) {
  EXPECT_THAT(Errors(WithAcme("  directory: \"http://acme.example/dir\"\n"  // 8
                              "  storage: /var/lib/rampart/acme\n")),
              ElementsAre("t.yaml:8: acme.directory: expected an https:// URL (RFC 8555 requires "
                          "HTTPS)"));
}

TEST(TlsConfigErrorTest, AcmeDirectoryAndStorageAreRequired) {
  EXPECT_THAT(
      Errors(WithAcme("  email: ops@example.com\n")),
      ElementsAre("t.yaml:7: acme.directory: required", "t.yaml:7: acme.storage: required"));
  EXPECT_THAT(Errors(WithAcme("  directory: \"https://acme.example/dir\"\n"  // 8
                              "  storage: \"\"\n")),                         // 9
              ElementsAre("t.yaml:9: acme.storage: must not be empty"));
}

TEST(TlsConfigErrorTest, AcmeChallengesAreAnEnumAndNotEmpty) {
  const std::string head =
      "  directory: \"https://acme.example/dir\"\n"           // 8
      "  storage: /var/lib/rampart/acme\n";                   // 9
  EXPECT_THAT(Errors(WithAcme(head + "  challenges: []\n")),  // 10
              ElementsAre("t.yaml:10: acme.challenges: at least one challenge type is required"));
  EXPECT_THAT(Errors(WithAcme(head + "  challenges: [dns-01]\n")),
              ElementsAre("t.yaml:10: acme.challenges[0]: expected one of: http-01, tls-alpn-01",
                          "t.yaml:10: acme.challenges: at least one challenge type is required"));
  const Config both = Load(WithAcme(head + "  challenges: [tls-alpn-01, http-01]\n"));
  ASSERT_TRUE(both.acme.has_value());
  EXPECT_THAT(both.acme->challenges, ElementsAre("tls-alpn-01", "http-01"));
}

TEST(TlsConfigErrorTest, AcmeRetryMaxMustBeAtLeastRetryMin) {
  const std::string head =
      "  directory: \"https://acme.example/dir\"\n"  // 8
      "  storage: /var/lib/rampart/acme\n";          // 9
  EXPECT_THAT(Errors(WithAcme(head + "  retry_min: 10m\n  retry_max: 5m\n")),
              ElementsAre("t.yaml:7: acme.retry_max: must be at least retry_min"));
  // Against the default retry_max (a day) too.
  EXPECT_THAT(Errors(WithAcme(head + "  retry_min: 48h\n")),
              ElementsAre("t.yaml:7: acme.retry_max: must be at least retry_min"));
  // Equal is fine.
  const Config equal = Load(WithAcme(head + "  retry_min: 5m\n  retry_max: 5m\n"));
  ASSERT_TRUE(equal.acme.has_value());
  EXPECT_EQ(equal.acme->retry_max_ms, 300'000u);
}

// ---- A pool's `tls` ----

// Pool "app" whose `tls` is `pool_tls` (line 6).
std::string PoolTls(const std::string& pool_tls) {
  return "listen: [{address: 127.0.0.1:8080}]\n"       // 1
         "routes: [{pool: app}]\n"                     // 2
         "pools:\n"                                    // 3
         "  app:\n"                                    // 4
         "    servers: [{address: 127.0.0.1:9443}]\n"  // 5
         "    tls: " +
         pool_tls + "\n";  // 6
}

TEST(TlsConfigTest, PoolTlsTrueIsVerifiedTlsWithDefaults) {
  const Config c = Load(PoolTls("true"));
  const PoolConfig& pool = c.pools.at("app");
  ASSERT_TRUE(pool.tls.has_value());
  EXPECT_EQ(pool.tls->ca, "");
  EXPECT_TRUE(pool.tls->verify);
  EXPECT_EQ(pool.tls->server_name, "");
  EXPECT_EQ(pool.tls->cert, "");
  EXPECT_EQ(pool.tls->key, "");
  EXPECT_EQ(pool.tls->mark.line, 6);
  EXPECT_FALSE(Load(PoolTls("false")).pools.at("app").tls.has_value());
}

TEST(TlsConfigTest, PoolTlsMap) {
  TempFile ca("ca");
  CertPair client;
  const Config c =
      Load(PoolTls("{ca: " + ca.q() + ", verify: false, server_name: backend.example, " +
                   "cert: " + client.cert.q() + ", key: " + client.key.q() + "}"));
  const PoolConfig& pool = c.pools.at("app");
  ASSERT_TRUE(pool.tls.has_value());
  EXPECT_EQ(pool.tls->ca, ca.path());
  EXPECT_FALSE(pool.tls->verify);
  EXPECT_EQ(pool.tls->server_name, "backend.example");
  EXPECT_EQ(pool.tls->cert, client.cert.path());
  EXPECT_EQ(pool.tls->key, client.key.path());
}

TEST(TlsConfigErrorTest, PoolTlsCertAndKeyGoTogether) {
  CertPair client;
  const std::string reason = "cert and key go together (the client certificate and its key)";
  EXPECT_THAT(Errors(PoolTls("{cert: " + client.cert.q() + "}")),
              ElementsAre("t.yaml:6: pools.app.tls: " + reason));
  EXPECT_THAT(Errors(PoolTls("{key: " + client.key.q() + "}")),
              ElementsAre("t.yaml:6: pools.app.tls: " + reason));
}

TEST(TlsConfigErrorTest, PoolTlsCaFileMustExist) {
  EXPECT_THAT(Errors(PoolTls("{ca: " + std::string(kMissing) + "}")),
              ElementsAre("t.yaml:6: pools.app.tls.ca: cannot read " + std::string(kMissing) +
                          ": No such file or directory"));
  EXPECT_THAT(Errors(PoolTls("{verify: sometimes}")),
              ElementsAre("t.yaml:6: pools.app.tls.verify: expected true or false"));
}

// ---- A route's `https_redirect` and `hsts` ----

// The catch-all route with `lines` (keys indented by 4, from line 6 on).
std::string Route(const std::string& lines) { return kOneRouteHead + lines; }

TEST(TlsConfigTest, HttpsRedirectTrueIs308KeepingThePort) {
  const Config c = Load(Route("    https_redirect: true\n"));
  EXPECT_EQ(c.routes.at(0).https_redirect, 308);
  EXPECT_EQ(c.routes.at(0).https_port, 0);
  EXPECT_EQ(Load(Route("    https_redirect: false\n")).routes.at(0).https_redirect, 0);
  EXPECT_EQ(Load(Route("    name: plain\n")).routes.at(0).https_redirect, 0);
}

TEST(TlsConfigTest, HttpsRedirectMapWithStatusAndPort) {
  const Config c = Load(Route("    https_redirect: {status: 301, port: 8443}\n"));
  EXPECT_EQ(c.routes.at(0).https_redirect, 301);
  EXPECT_EQ(c.routes.at(0).https_port, 8443);
  for (int status : {302, 307, 308}) {
    EXPECT_EQ(Load(Route("    https_redirect: {status: " + std::to_string(status) + "}\n"))
                  .routes.at(0)
                  .https_redirect,
              status);
  }
  // A map without status is 308.
  const Config port_only = Load(Route("    https_redirect: {port: 443}\n"));
  EXPECT_EQ(port_only.routes.at(0).https_redirect, 308);
  EXPECT_EQ(port_only.routes.at(0).https_port, 443);
}

TEST(TlsConfigErrorTest, HttpsRedirectStatusMustKeepTheRequestOrBeARedirect) {
  // 303 turns a POST into a GET: not a redirect to the same resource over HTTPS.
  EXPECT_THAT(Errors(Route("    https_redirect: {status: 303}\n")),
              ElementsAre("t.yaml:6: routes[0].https_redirect.status: expected 301, 302, 307 or "
                          "308"));
  EXPECT_THAT(
      Errors(Route("    https_redirect: {status: 200}\n")),
      ElementsAre("t.yaml:6: routes[0].https_redirect.status: must be between 301 and 308"));
  EXPECT_THAT(Errors(Route("    https_redirect: {port: 0}\n")),
              ElementsAre("t.yaml:6: routes[0].https_redirect.port: must be between 1 and 65535"));
}

TEST(TlsConfigTest, HstsTrueIsAYearWithoutSubdomains) {
  const Config c = Load(Route("    hsts: true\n"));
  ASSERT_TRUE(c.routes.at(0).hsts.has_value());
  EXPECT_EQ(c.routes[0].hsts->max_age_s, 31'536'000u);
  EXPECT_FALSE(c.routes[0].hsts->include_subdomains);
  EXPECT_FALSE(c.routes[0].hsts->preload);
  EXPECT_FALSE(Load(Route("    hsts: false\n")).routes.at(0).hsts.has_value());
  EXPECT_FALSE(Load(Route("    name: plain\n")).routes.at(0).hsts.has_value());
}

TEST(TlsConfigTest, HstsMap) {
  const Config c =
      Load(Route("    hsts: {max_age: 17520h, include_subdomains: true, preload: true}\n"));
  ASSERT_TRUE(c.routes.at(0).hsts.has_value());
  EXPECT_EQ(c.routes[0].hsts->max_age_s, 63'072'000u);
  EXPECT_TRUE(c.routes[0].hsts->include_subdomains);
  EXPECT_TRUE(c.routes[0].hsts->preload);
  // The default max_age is already the year preload needs.
  const Config preload = Load(Route("    hsts: {include_subdomains: true, preload: true}\n"));
  ASSERT_TRUE(preload.routes.at(0).hsts.has_value());
  EXPECT_TRUE(preload.routes[0].hsts->preload);
  const Config short_age = Load(Route("    hsts: {max_age: 5m}\n"));
  ASSERT_TRUE(short_age.routes.at(0).hsts.has_value());
  EXPECT_EQ(short_age.routes[0].hsts->max_age_s, 300u);
}

TEST(TlsConfigErrorTest, HstsPreloadNeedsAYearAndSubdomains) {
  const std::string reason =
      "t.yaml:6: routes[0].hsts.preload: needs max_age of at least 1 year and "
      "include_subdomains: true";
  EXPECT_THAT(Errors(Route("    hsts: {preload: true}\n")), ElementsAre(reason));
  EXPECT_THAT(
      Errors(Route("    hsts: {preload: true, include_subdomains: true, max_age: 8759h}\n")),
      ElementsAre(reason));
  EXPECT_THAT(
      Errors(Route("    hsts: {preload: true, include_subdomains: false, max_age: 8760h}\n")),
      ElementsAre(reason));
}

// ---- ja3 / ja4 as rate-limit key parts ----

TEST(TlsConfigTest, RateLimitKeyPartsJa3AndJa4) {
  const Config c =
      Load(Route("    rate_limit:\n"                                // 6
                 "      - {key: ja3, rate: 10/s}\n"                 // 7
                 "      - {key: [ja4, client_ip], rate: 5/s}\n"));  // 8
  const auto& limits = c.routes.at(0).rate_limits;
  ASSERT_EQ(limits.size(), 2u);
  ASSERT_EQ(limits[0].key.size(), 1u);
  EXPECT_EQ(limits[0].key[0].kind, RateKeyPart::Kind::kJa3);
  ASSERT_EQ(limits[1].key.size(), 2u);
  EXPECT_EQ(limits[1].key[0].kind, RateKeyPart::Kind::kJa4);
  EXPECT_EQ(limits[1].key[1].kind, RateKeyPart::Kind::kClientIp);
  EXPECT_THAT(Errors(Route("    rate_limit: {key: ja5, rate: 1/s}\n")),
              ElementsAre("t.yaml:6: routes[0].rate_limit.key: expected client_ip, ip_prefix, "
                          "route, country, asn, api_key, ja3, ja4, header:<Name> or "
                          "cookie:<name>"));
}

}  // namespace
}  // namespace rampart::config
