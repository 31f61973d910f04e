// The TLS signal of the `suspicious` bot mode: a ClientHello that does not fit the browser the
// User-Agent claims (no GREASE from Chromium or Safari, no ALPN from any browser). Clients that do
// not claim to be browsers, and connections without a JA4, are never judged.

#include "bot/tls_signals.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace rampart::bot {
namespace {

using ::testing::HasSubstr;

constexpr char kChrome[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
    "Safari/537.36";
constexpr char kHeadlessChrome[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36";
constexpr char kChromeIos[] =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1";
constexpr char kEdge[] =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0";
constexpr char kSafari[] =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15";
constexpr char kFirefox[] =
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";

// JA4s as browsers and tools send them: TLS 1.3, SNI, cipher and extension counts, then the first
// ALPN's first and last characters ("h2"), or "00" when no ALPN was offered.
constexpr char kJa4H2[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";
constexpr char kJa4NoAlpn[] = "t13d171500_5b57614c22b0_3d5424432f57";
constexpr char kJa4Http11[] = "t13d3112h1_e8f1e7e78f70_6bebaf5329ac";

TEST(TlsSignalsTest, ChromeWithGreaseFits) {
  EXPECT_EQ(TlsFingerprintInconsistency(kChrome, kJa4H2, /*grease=*/true), std::nullopt);
  EXPECT_EQ(TlsFingerprintInconsistency(kHeadlessChrome, kJa4H2, true), std::nullopt);
  EXPECT_EQ(TlsFingerprintInconsistency(kChromeIos, kJa4H2, true), std::nullopt);
  EXPECT_EQ(TlsFingerprintInconsistency(kEdge, kJa4H2, true), std::nullopt);
  // A browser may well settle for http/1.1 first: only a missing ALPN is judged.
  EXPECT_EQ(TlsFingerprintInconsistency(kChrome, kJa4Http11, true), std::nullopt);
}

TEST(TlsSignalsTest, ChromeWithoutGreaseIsNamedWithItsJa4) {
  const std::optional<std::string> reason =
      TlsFingerprintInconsistency(kChrome, kJa4H2, /*grease=*/false);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "a Chrome User-Agent with a TLS handshake without GREASE (JA4 " +
                         std::string(kJa4H2) + ")");
  // Every Chromium-based User-Agent is held to it.
  for (const char* ua : {kHeadlessChrome, kChromeIos, kEdge}) {
    const std::optional<std::string> other = TlsFingerprintInconsistency(ua, kJa4H2, false);
    ASSERT_TRUE(other.has_value()) << ua;
    EXPECT_THAT(*other, HasSubstr("Chrome User-Agent")) << ua;
    EXPECT_THAT(*other, HasSubstr("JA4 " + std::string(kJa4H2))) << ua;
  }
}

TEST(TlsSignalsTest, SafariWithoutGreaseIsNamed) {
  EXPECT_EQ(TlsFingerprintInconsistency(kSafari, kJa4H2, true), std::nullopt);
  const std::optional<std::string> reason = TlsFingerprintInconsistency(kSafari, kJa4H2, false);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "a Safari User-Agent with a TLS handshake without GREASE (JA4 " +
                         std::string(kJa4H2) + ")");
}

TEST(TlsSignalsTest, FirefoxSendsNoGreaseAndFitsWithout) {
  EXPECT_EQ(TlsFingerprintInconsistency(kFirefox, kJa4H2, /*grease=*/false), std::nullopt);
  EXPECT_EQ(TlsFingerprintInconsistency(kFirefox, kJa4H2, /*grease=*/true), std::nullopt);
}

TEST(TlsSignalsTest, AnyBrowserWithoutAlpnIsNamed) {
  for (const char* ua : {kChrome, kSafari, kFirefox, kEdge}) {
    for (bool grease : {true, false}) {
      const std::optional<std::string> reason = TlsFingerprintInconsistency(ua, kJa4NoAlpn, grease);
      ASSERT_TRUE(reason.has_value()) << ua << " grease " << grease;
      EXPECT_THAT(*reason, HasSubstr("User-Agent without ALPN in its TLS handshake")) << ua;
      EXPECT_THAT(*reason, HasSubstr("(JA4 " + std::string(kJa4NoAlpn) + ")")) << ua;
    }
  }
  EXPECT_EQ(*TlsFingerprintInconsistency(kFirefox, kJa4NoAlpn, false),
            "a Firefox User-Agent without ALPN in its TLS handshake (JA4 " +
                std::string(kJa4NoAlpn) + ")");
}

TEST(TlsSignalsTest, ToolsThatSayWhatTheyAreAreNeverJudged) {
  for (const char* ua :
       {"curl/8.5.0", "python-requests/2.31.0", "Go-http-client/2.0", "Wget/1.21.4", ""}) {
    for (const char* ja4 : {kJa4H2, kJa4NoAlpn}) {
      for (bool grease : {true, false}) {
        EXPECT_EQ(TlsFingerprintInconsistency(ua, ja4, grease), std::nullopt)
            << "'" << ua << "' " << ja4 << " grease " << grease;
      }
    }
  }
  // Mozilla/5.0 without a browser this signal knows (a crawler's compatible string).
  EXPECT_EQ(
      TlsFingerprintInconsistency(
          "Mozilla/5.0 (compatible; ExampleBot/1.0; +https://example.com/bot)", kJa4NoAlpn, false),
      std::nullopt);
}

TEST(TlsSignalsTest, WithoutAJa4NothingIsJudged) {
  for (const char* ua : {kChrome, kSafari, kFirefox}) {
    EXPECT_EQ(TlsFingerprintInconsistency(ua, "", false), std::nullopt) << ua;
    // Too short to hold the ALPN characters: not a JA4 this signal can read.
    EXPECT_EQ(TlsFingerprintInconsistency(ua, "t13d1516", false), std::nullopt) << ua;
  }
}

}  // namespace
}  // namespace rampart::bot
