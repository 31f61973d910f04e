// The `suspicious` header signal: a browser User-Agent without the headers browsers send, or
// with client hints that disagree; clients that do not claim to be browsers are not judged.

#include "bot/browser_signals.h"

#include <gtest/gtest.h>

namespace rampart::bot {
namespace {

const char* kChrome =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
    "Safari/537.36";

http::HeaderMap Browser(const char* ua = kChrome) {
  http::HeaderMap h;
  h.Add("User-Agent", ua);
  h.Add("Accept", "text/html,application/xhtml+xml");
  h.Add("Accept-Language", "en-US,en;q=0.9");
  return h;
}

TEST(BrowserSignalsTest, ARealBrowserPasses) {
  EXPECT_EQ(BrowserInconsistency(Browser()), std::nullopt);
  http::HeaderMap hints = Browser();
  hints.Add("Sec-CH-UA", R"("Chromium";v="124", "Not-A.Brand";v="99")");
  EXPECT_EQ(BrowserInconsistency(hints), std::nullopt);
  EXPECT_EQ(BrowserInconsistency(Browser("Mozilla/5.0 (X11; Linux; rv:125.0) Gecko Firefox/125.0")),
            std::nullopt);
}

TEST(BrowserSignalsTest, MissingHeadersOfTheClaimedBrowser) {
  http::HeaderMap none;
  EXPECT_EQ(BrowserInconsistency(none), "no User-Agent");
  http::HeaderMap no_accept;
  no_accept.Add("User-Agent", kChrome);
  no_accept.Add("Accept-Language", "en");
  EXPECT_EQ(BrowserInconsistency(no_accept), "a browser User-Agent without Accept");
  http::HeaderMap no_language;
  no_language.Add("User-Agent", kChrome);
  no_language.Add("Accept", "*/*");
  EXPECT_EQ(BrowserInconsistency(no_language), "a browser User-Agent without Accept-Language");
}

TEST(BrowserSignalsTest, HintsThatDisagree) {
  http::HeaderMap other_version = Browser();
  other_version.Add("Sec-CH-UA", R"("Chromium";v="99")");
  EXPECT_EQ(BrowserInconsistency(other_version),
            "Sec-CH-UA names another version than the User-Agent");
  http::HeaderMap firefox = Browser("Mozilla/5.0 (X11; rv:125.0) Gecko/20100101 Firefox/125.0");
  firefox.Add("Sec-CH-UA", R"("Chromium";v="124")");
  EXPECT_EQ(BrowserInconsistency(firefox), "Sec-CH-UA from a Firefox User-Agent");
}

TEST(BrowserSignalsTest, NonBrowsersAreNotJudged) {
  http::HeaderMap curl;
  curl.Add("User-Agent", "curl/8.0.1");
  EXPECT_EQ(BrowserInconsistency(curl), std::nullopt);
}

}  // namespace
}  // namespace rampart::bot
