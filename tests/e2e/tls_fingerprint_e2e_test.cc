// ClientHello fingerprints in the real binary, from real clients: a headless Chromium and curl
// (OpenSSL) over a TLS listener leave different JA3/JA4 in the access log, and the bot stage's TLS
// signal tells them apart on a `bot: {challenge: suspicious}` route — Chromium's ClientHello has
// GREASE and is let through to the origin, while curl copying Chrome's User-Agent, Accept and
// Accept-Language gets the challenge page (over TLS only: on cleartext there is nothing to judge).
// Skipped (with a reason) when Chromium or curl is missing.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/bot_client.h"
#include "support/chromium.h"
#include "support/cli_clients.h"
#include "support/json.h"
#include "support/metrics.h"
#include "support/proxy_fixture.h"
#include "support/test_pki.h"

namespace rampart::test {
namespace {

// The name the test certificate is issued for; both clients resolve it to 127.0.0.1, so that
// they send it as SNI (an IP literal is never sent as SNI).
constexpr char kHost[] = "a.example";
constexpr char kChromeUa[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36";
constexpr char kAccept[] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
constexpr char kAcceptLanguage[] = "en-US,en;q=0.9";
// Only bounds a browser test that fails; Chromium starts slowly on a loaded machine.
constexpr Timeout kBrowserGuard{60'000};

class TlsFingerprintTest : public ProxyTest {
 protected:
  // listen[0]: TLS with a certificate for kHost; listen[1]: cleartext. Route "maybe" (/maybe/)
  // challenges suspicious clients; route "main" (anything else) has no bot stage.
  void Start() {
    PkeyPtr key = MakeEcKey();
    const TestPki::Files files = pki_.Issue("a", key.get(), "a cert", {kHost});
    std::string y = "workers: 1\nlisten:\n  - address: 127.0.0.1:0\n";
    y += "    tls:\n      certificates:\n        - {cert: " + files.cert + ", key: " + files.key +
         "}\n";
    y += "  - address: 127.0.0.1:0\n";
    y += "admin:\n  address: 127.0.0.1:0\n";
    y += "pools:\n  app:\n    servers:\n      - address: " + origin_.address() + "\n";
    y += "routes:\n"
         "  - name: maybe\n    match: {path_prefix: /maybe/}\n    pool: app\n"
         "    bot: {challenge: suspicious}\n"
         "  - name: main\n    match: {path_prefix: /}\n    pool: app\n";
    y += "logging:\n  access_log: " + AccessLogPath() + "\n  attack_log: " + AttackLogPath() + "\n";
    y += "bot: {difficulty: 12}\n";
    ASSERT_NO_FATAL_FAILURE(StartRampartYaml(y));
  }

  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string Url(const std::string& target) const {
    return "https://" + std::string(kHost) + ":" + std::to_string(port()) + target;
  }

  // curl -k to `target` on the TLS listener with `headers` ("Name: value"): the status, and the
  // body in `body`.
  int Curl(const std::string& target, const std::vector<std::string>& headers = {},
           std::string* body = nullptr) {
    const std::string out = rampart_.dir() + "/curl.out";
    std::vector<std::string> argv = {
        kCurl,
        "-s",
        "-k",
        "-o",
        out,
        "-w",
        "%{http_code}",
        "--max-time",
        "20",
        "--resolve",
        std::string(kHost) + ":" + std::to_string(port()) + ":127.0.0.1"};
    for (const std::string& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    argv.push_back(Url(target));
    const CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (body != nullptr) *body = ReadFile(out);
    return std::atoi(r.out.c_str());
  }

  // The access-log records of `uri`, once the log holds at least `count` records in all.
  std::vector<JsonValue> RecordsFor(const std::string& uri, size_t count) {
    std::vector<JsonValue> out;
    for (JsonValue& record : JsonLines(AccessLogPath(), count, kDefaultTimeout)) {
      if (record.StringAt("uri") == uri) out.push_back(std::move(record));
    }
    return out;
  }

  double ChallengesIssued() {
    return MetricValue(Metrics(), "rampart_bot_challenges_total", {{"result", "issued"}})
        .value_or(0);
  }

  TestPki pki_;
};

TEST_F(TlsFingerprintTest, ChromiumAndCurlLeaveDifferentFingerprintsAndChromiumIsNotChallenged) {
  REQUIRE_CHROMIUM();
  REQUIRE_CURL();
  ASSERT_NO_FATAL_FAILURE(Start());

  // Chromium on the suspicious route: the test certificate is not trusted, so errors are
  // ignored; kHost resolves to 127.0.0.1 inside the browser.
  HeadlessChromium browser;
  ASSERT_TRUE(browser.Start(Url("/maybe/chromium"),
                            {"--ignore-certificate-errors",
                             "--host-resolver-rules=MAP " + std::string(kHost) + " 127.0.0.1"}))
      << browser.error();
  ASSERT_TRUE(origin_.WaitForTarget("/maybe/chromium", kBrowserGuard))
      << "Chromium's request never reached the origin";
  // The tab shows the origin's answer, not the challenge page.
  EXPECT_TRUE(browser.WaitForPage(
      [&](const BrowserPage& page) {
        return page.url == Url("/maybe/chromium") &&
               page.title.find("Checking your browser") == std::string::npos;
      },
      kBrowserGuard));

  ASSERT_EQ(Curl("/curl"), 200);

  const std::vector<JsonValue> chromium = RecordsFor("/maybe/chromium", 2);
  const std::vector<JsonValue> curl = RecordsFor("/curl", 2);
  ASSERT_FALSE(chromium.empty()) << ReadFile(AccessLogPath());
  ASSERT_EQ(curl.size(), 1u) << ReadFile(AccessLogPath());
  // Every request Chromium made for the page was answered by the origin: the TLS signal (and
  // the header signal) found nothing to challenge, and no challenge was issued at all.
  for (const JsonValue& record : chromium) {
    EXPECT_EQ(record.NumberAt("status"), 200) << record.StringAt("request_id").value_or("");
    EXPECT_EQ(record.StringAt("route"), "maybe");
  }
  EXPECT_EQ(ChallengesIssued(), 0);
  EXPECT_TRUE(JsonLines(AttackLogPath()).empty()) << ReadFile(AttackLogPath());

  const JsonValue& c = chromium.front();
  const JsonValue& k = curl.front();
  EXPECT_NE(c.StringAt("user_agent").value_or("").find("Chrome/"), std::string::npos)
      << c.StringAt("user_agent").value_or("");
  EXPECT_EQ(c.StringAt("tls_version"), "TLSv1.3");
  EXPECT_EQ(c.StringAt("sni"), kHost);
  EXPECT_EQ(k.StringAt("sni"), kHost);
  const std::string chromium_ja4 = c.StringAt("ja4").value_or("");
  const std::string curl_ja4 = k.StringAt("ja4").value_or("");
  const std::string chromium_ja3 = c.StringAt("ja3").value_or("");
  const std::string curl_ja3 = k.StringAt("ja3").value_or("");
  // TLS 1.3 with SNI, and h2 as the first ALPN a browser offers.
  ASSERT_GE(chromium_ja4.size(), 10u) << chromium_ja4;
  EXPECT_EQ(chromium_ja4.substr(0, 4), "t13d") << chromium_ja4;
  EXPECT_EQ(chromium_ja4.substr(8, 2), "h2") << chromium_ja4;
  EXPECT_FALSE(curl_ja4.empty());
  EXPECT_TRUE(IsLowerHex(chromium_ja3, 32)) << chromium_ja3;
  EXPECT_TRUE(IsLowerHex(curl_ja3, 32)) << curl_ja3;
  std::cout << "[   INFO   ] Chromium: JA4 " << chromium_ja4 << " JA3 " << chromium_ja3
            << "; curl: JA4 " << curl_ja4 << " JA3 " << curl_ja3 << "\n";
  // Two TLS stacks (BoringSSL, OpenSSL): two fingerprints.
  EXPECT_NE(chromium_ja4, curl_ja4);
  EXPECT_NE(chromium_ja3, curl_ja3);
}

TEST_F(TlsFingerprintTest, CurlCopyingChromeHeadersIsChallengedByItsClientHello) {
  REQUIRE_CURL();
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::vector<std::string> chrome = {std::string("User-Agent: ") + kChromeUa,
                                           std::string("Accept: ") + kAccept,
                                           std::string("Accept-Language: ") + kAcceptLanguage};
  std::string body;
  EXPECT_EQ(Curl("/maybe/copied", chrome, &body), 403);
  // The challenge page, with its token and difficulty.
  const std::optional<PageChallenge> challenge = ParseChallengePage(body);
  ASSERT_TRUE(challenge) << body;
  EXPECT_EQ(challenge->difficulty, 12u);
  EXPECT_FALSE(origin_.WaitForTarget("/maybe/copied", Timeout(200)));

  // Why: the TLS signal, naming the claimed browser and the JA4 of curl's ClientHello.
  std::optional<JsonValue> record;
  Eventually([&] {
    for (JsonValue& r : JsonLines(AttackLogPath())) {
      if (RecordHasRule(r, "bot:challenge")) {
        record = std::move(r);
        return true;
      }
    }
    return false;
  });
  ASSERT_TRUE(record) << ReadFile(AttackLogPath());
  std::string msg;
  if (const JsonValue* rules = record->Find("rules"); rules != nullptr && rules->is_array()) {
    for (const JsonValue& rule : rules->array) {
      if (rule.StringAt("id") == "bot:challenge") msg = rule.StringAt("msg").value_or("");
    }
  }
  EXPECT_NE(msg.find("a Chrome User-Agent with a TLS handshake without GREASE (JA4 t13d"),
            std::string::npos)
      << msg;
  EXPECT_EQ(ChallengesIssued(), 1);

  // The same headers are not suspicious where the TLS signal does not apply: over cleartext
  // (no ClientHello), and on a route without the bot stage. curl as itself is not judged.
  auto cleartext = HttpGet(
      rampart_.listener_port(1), "/maybe/cleartext",
      {{"User-Agent", kChromeUa}, {"Accept", kAccept}, {"Accept-Language", kAcceptLanguage}});
  ASSERT_TRUE(cleartext);
  EXPECT_EQ(cleartext->status, 200) << cleartext->raw;
  EXPECT_EQ(Curl("/no-bot", chrome), 200);
  EXPECT_EQ(Curl("/maybe/as-itself", {"Accept: */*"}), 200);
  EXPECT_TRUE(origin_.WaitForTarget("/maybe/cleartext"));
  EXPECT_TRUE(origin_.WaitForTarget("/no-bot"));
  EXPECT_TRUE(origin_.WaitForTarget("/maybe/as-itself"));
  EXPECT_EQ(ChallengesIssued(), 1);
}

}  // namespace
}  // namespace rampart::test
