// The bot challenge (a route's `bot`, issue 8) in the real binary. A real headless Chromium
// solves the JavaScript proof of work and lands on the page it first asked for (query
// included): on 127.0.0.1, on a non-secure origin, with JavaScript off (the meta-refresh
// fallback) and after a form POST (it lands with GET). Without a browser, the tests answer the
// page the way it does (support/bot_client.h: token and difficulty from its data- attributes,
// the nonce found with SHA-256, the three X-Rampart-* headers) to check the clearance cookie's
// bindings (edited, expired, another network, another User-Agent), verified good bots, API
// routes, challenges from a rate limit, the `suspicious` signals and refused answers, in
// /metrics and the attack log too.
// Clients are told apart by X-Forwarded-For from 127.0.0.1, a trusted proxy here; Chromium
// connects as 127.0.0.1 itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/auth_helpers.h"
#include "support/bot_client.h"
#include "support/chromium.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr const char* kCurlUa = BotClient::kDefaultUserAgent;  // "curl/8.5.0"
constexpr char kChromeUa[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36";
// What Chrome sends with a navigation: its User-Agent and the headers that go with it.
HeaderList ChromeHeaders() {
  return {{"User-Agent", kChromeUa},
          {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
          {"Accept-Language", "en-US,en;q=0.9"},
          {"Sec-CH-UA", R"("Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99")"}};
}

// Low difficulty: the C++ solver (support/bot_client.h) needs a few thousand hashes, the
// browser a moment.
constexpr char kBot[] = "{difficulty: 12, clearance_ttl: 1h, nojs_delay: 2s}";
constexpr char kCookie[] = "rampart_clearance";
// Only bounds a browser test that fails; Chromium starts slowly on a loaded machine.
constexpr Timeout kBrowserGuard{60'000};

class BotTest : public ProxyTest {
 protected:
  std::string Path(const std::string& name) const { return rampart_.dir() + "/" + name; }
  std::string AttackLogPath() const { return Path("attack.log"); }
  std::string Url(const std::string& target, const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port()) + target;
  }

  // `bot`: the top-level bot section. Routes: /api/ an API, /maybe/ challenges suspicious
  // clients, /form/ has no bot (pool "pages": the form page of the POST test), anything else is
  // challenged always. `limit_lines` go into /api/ and /maybe/ (the rate-limit test).
  void Start(const std::string& bot = kBot, const std::string& limit_lines = "") {
    ConfigOptions options;
    options.pools_yaml =
        "pools:\n  app:\n    servers: [{address: " + origin_.address() +
        "}]\n  pages:\n    servers: [{address: 127.0.0.1:" + std::to_string(pages_.port()) + "}]\n";
    options.routes_yaml =
        "routes:\n"
        "  - name: api\n    match: {path_prefix: /api/}\n    pool: app\n"
        "    bot: {api: true}\n" +
        limit_lines +
        "  - name: maybe\n    match: {path_prefix: /maybe/}\n    pool: app\n"
        "    bot: {challenge: suspicious}\n" +
        limit_lines +
        "  - name: form\n    match: {path_prefix: /form/}\n    pool: pages\n"
        "  - name: site\n    match: {path_prefix: /}\n    pool: app\n"
        "    bot: {challenge: always}\n";
    options.extra = "  attack_log: " + AttackLogPath() + "\n" +  // continues logging:
                    "trusted_proxies: [127.0.0.1/32]\n" + "bot: " + bot + "\n";
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // Answering the page without a browser (support/bot_client.h), on rampart's listener.
  BotClient Bot() const { return BotClient(port()); }
  std::optional<HttpResponse> As(const std::string& client_ip, const std::string& target,
                                 HeaderList headers = {}, const std::string& method = "GET") {
    return Bot().As(client_ip, target, std::move(headers), method);
  }
  std::optional<HttpResponse> Answer(const std::string& client_ip, const std::string& user_agent,
                                     const std::string& target, const PageChallenge& challenge,
                                     const std::string& nonce) {
    return Bot().Answer(client_ip, user_agent, target, challenge, nonce);
  }
  std::string Clearance(const std::string& client_ip, const std::string& user_agent = kCurlUa,
                        const std::string& target = "/clearance") {
    return Bot().Clearance(client_ip, user_agent, target);
  }
  int StatusWithCookie(const std::string& client_ip, const std::string& user_agent,
                       const std::string& cookie, const std::string& target) {
    return Bot().StatusWithCookie(client_ip, user_agent, cookie, target);
  }
  // Answers the challenge `page` that `target` gave `client_ip` (curl) as the page would, then
  // asks for `target` again with the cookie it earned: let through (200).
  void SolveAndPass(const HttpResponse& page, const std::string& client_ip,
                    const std::string& target) {
    const PageChallenge challenge = *ParseChallengePage(page.body);
    auto answered = Answer(client_ip, kCurlUa, target, challenge, SolveChallenge(challenge));
    ASSERT_TRUE(answered);
    ASSERT_EQ(answered->status, 204) << answered->raw;
    const std::string cookie = CookiePair(answered->Header("Set-Cookie").value_or(""));
    EXPECT_EQ(StatusWithCookie(client_ip, kCurlUa, cookie, target), 200);
  }

  // The first attack-log record with rule `id`, once it is written.
  std::optional<JsonValue> WaitForRecord(const std::string& id) {
    std::optional<JsonValue> found;
    Eventually([&] {
      for (JsonValue& record : JsonLines(AttackLogPath())) {
        if (!RecordHasRule(record, id)) continue;
        found = std::move(record);
        return true;
      }
      return false;
    });
    EXPECT_TRUE(found) << "no attack-log record with rule " << id;
    return found;
  }

  double Challenges(const std::string& result, const std::string& reason = "") {
    Labels labels = {{"result", result}};
    if (!reason.empty()) labels.emplace_back("reason", reason);
    return MetricValue(Metrics(), "rampart_bot_challenges_total", labels).value_or(-1);
  }

  // Opens `target` in headless Chromium and waits until the page has passed its challenge:
  // the origin receives `target` (path and query), and the tab shows the origin's answer
  // there. What the origin received; nullopt (and a failure) otherwise.
  std::optional<RecordedRequest> BrowseThrough(HeadlessChromium& browser, const std::string& target,
                                               const std::string& host = "127.0.0.1",
                                               const std::vector<std::string>& flags = {}) {
    if (!browser.Start(Url(target, host), flags)) {
      ADD_FAILURE() << "chromium did not start: " << browser.error();
      return std::nullopt;
    }
    // Until the origin has the page, or the page gives up with a message (its title says so).
    browser.WaitForPage(
        [&](const BrowserPage& page) {
          return OriginCount(target) > 0 || page.title.find("Check failed") != std::string::npos;
        },
        kBrowserGuard);
    std::optional<RecordedRequest> seen = origin_.WaitForTarget(target, Timeout(0));
    if (!seen) {
      ADD_FAILURE() << target << " never reached the origin";
      return std::nullopt;
    }
    // The same URL showed the challenge page until now: wait for the origin's document.
    EXPECT_TRUE(browser.WaitForPage(
        [&](const BrowserPage& page) {
          return page.url == Url(target, host) &&
                 page.title.find("Checking your browser") == std::string::npos &&
                 page.title.find("Check failed") == std::string::npos;
        },
        kBrowserGuard))
        << "the tab did not land on " << Url(target, host);
    return seen;
  }

  // How many requests for `target` the origin received.
  size_t OriginCount(const std::string& target) const {
    size_t n = 0;
    for (const RecordedRequest& r : origin_.Requests()) n += r.target == target ? 1 : 0;
    return n;
  }

  // The time the page reported, from the "bot:solved" record, for the test's output.
  void PrintSolve(const JsonValue& record) {
    const JsonValue* rules = record.Find("rules");
    if (rules == nullptr || !rules->is_array()) return;
    for (const JsonValue& rule : rules->array) {
      if (rule.StringAt("id") == "bot:solved") {
        std::cout << "[   INFO   ] " << rule.StringAt("msg").value_or("") << "\n";
      }
    }
  }

  // A scripted loopback server (support/auth_helpers.h) for the /form/ route's page.
  AuthService pages_;
};

// --- In a real browser -----------------------------------------------------------------------

TEST_F(BotTest, BrowserSolvesTheChallengeAndLandsOnThePageItAskedFor) {
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string target = "/some/page?x=1&y=2";
  HeadlessChromium browser;
  std::optional<RecordedRequest> seen = BrowseThrough(browser, target);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method, "GET");
  EXPECT_NE(seen->Header("Cookie").value_or("").find(std::string(kCookie) + "="), std::string::npos)
      << seen->raw_head;
  EXPECT_EQ(OriginCount(target), 1u);
  // The answer (a POST with the X-Rampart-* headers) is rampart's, never the backend's.
  for (const RecordedRequest& r : origin_.Requests()) {
    EXPECT_EQ(r.method, "GET") << r.raw_head;
    EXPECT_FALSE(r.Header("X-Rampart-Challenge")) << r.raw_head;
  }

  const std::string metrics = Metrics();
  EXPECT_GE(MetricValue(metrics, "rampart_bot_challenges_total", {{"result", "issued"}}), 1);
  EXPECT_GE(MetricValue(metrics, "rampart_bot_challenges_total", {{"result", "solved"}}), 1);
  EXPECT_GE(MetricValue(metrics, "rampart_bot_solve_seconds_count"), 1);

  std::optional<JsonValue> challenged = WaitForRecord("bot:challenge");
  ASSERT_TRUE(challenged);
  EXPECT_EQ(challenged->StringAt("source"), "bot");
  EXPECT_EQ(challenged->StringAt("action"), "challenged");
  std::optional<JsonValue> solved = WaitForRecord("bot:solved");
  ASSERT_TRUE(solved);
  EXPECT_EQ(solved->StringAt("source"), "bot");
  PrintSolve(*solved);
}

TEST_F(BotTest, BrowserSolvesTheChallengeOnANonSecureOrigin) {
  // 127.0.0.1 is a secure context; example.test over plain HTTP is not (no crypto.subtle):
  // the page must manage with its own SHA-256 there.
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string target = "/insecure/page?q=plain%20http";
  HeadlessChromium browser;
  std::optional<RecordedRequest> seen = BrowseThrough(
      browser, target, "example.test", {"--host-resolver-rules=MAP example.test 127.0.0.1"});
  ASSERT_TRUE(seen);
  EXPECT_NE(seen->Header("Cookie").value_or("").find(std::string(kCookie) + "="),
            std::string::npos);
  EXPECT_EQ(OriginCount(target), 1u);
  EXPECT_GE(Challenges("solved"), 1);
  if (auto solved = WaitForRecord("bot:solved")) PrintSolve(*solved);
}

TEST_F(BotTest, BrowserWithoutJavaScriptGetsInAfterTheWait) {
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(Start());  // nojs_delay: 2s
  const std::string target = "/nojs/page?x=1&y=2";
  HeadlessChromium browser;
  std::optional<RecordedRequest> seen =
      BrowseThrough(browser, target, "127.0.0.1", {"--blink-settings=scriptEnabled=false"});
  ASSERT_TRUE(seen);
  EXPECT_NE(seen->Header("Cookie").value_or("").find(std::string(kCookie) + "="),
            std::string::npos);
  // The meta refresh's ticket was rampart's (it answered 303 to the page): the origin saw the
  // page once, never the ticket.
  EXPECT_EQ(OriginCount(target), 1u);
  for (const RecordedRequest& r : origin_.Requests()) {
    EXPECT_EQ(r.target.find("rampart_wait"), std::string::npos) << r.target;
  }
  EXPECT_GE(Challenges("solved"), 1);
  // No answer was posted: no solve time.
  EXPECT_EQ(MetricValue(Metrics(), "rampart_bot_solve_seconds_count"), 0);
  std::optional<JsonValue> solved = WaitForRecord("bot:solved");
  ASSERT_TRUE(solved);
  PrintSolve(*solved);
}

TEST_F(BotTest, BrowserPostLandsOnTheUrlWithGetAfterTheChallenge) {
  REQUIRE_CHROMIUM();
  // A page on a route without bot that posts a form to a challenged URL at once.
  pages_.SetReply({200,
                   {{"Content-Type", "text/html; charset=utf-8"}},
                   "<!doctype html><title>form</title>"
                   "<form method=post action=\"/submit?from=form\">"
                   "<input name=comment value=hello></form>"
                   "<script>document.forms[0].submit()</script>"});
  ASSERT_NO_FATAL_FAILURE(Start());
  HeadlessChromium browser;
  ASSERT_TRUE(browser.Start(Url("/form/"))) << browser.error();
  std::optional<RecordedRequest> seen = origin_.WaitForTarget("/submit?from=form", kBrowserGuard);
  ASSERT_TRUE(seen) << "the form's URL never reached the origin";
  EXPECT_EQ(seen->method, "GET");
  EXPECT_TRUE(seen->body.empty());
  EXPECT_NE(seen->Header("Cookie").value_or("").find(std::string(kCookie) + "="),
            std::string::npos);
  EXPECT_TRUE(browser.WaitForPage(
      [&](const BrowserPage& page) {
        return page.url == Url("/submit?from=form") &&
               page.title.find("Checking your browser") == std::string::npos;
      },
      kBrowserGuard));
  // The POST itself was answered with the page and never forwarded.
  for (const RecordedRequest& r : origin_.Requests()) EXPECT_EQ(r.method, "GET") << r.raw_head;
  EXPECT_EQ(pages_.Requests().size(), 1u);
}

// --- Without a browser -----------------------------------------------------------------------

TEST_F(BotTest, ClientWithoutJavaScriptGetsTheChallengePageAndTheOriginNothing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto r = As("198.51.100.7", "/some/page?x=1&y=2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->Header("Cache-Control"), "no-store");
  EXPECT_NE(r->Header("Content-Type").value_or("").find("text/html"), std::string::npos);
  std::optional<PageChallenge> challenge = ParseChallengePage(r->body);
  ASSERT_TRUE(challenge) << r->body;
  EXPECT_EQ(challenge->difficulty, 12u);
  // "<period>.<expiry>.<difficulty>.<random>.<mac>", in the page's alphabet.
  EXPECT_EQ(challenge->token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"),
            std::string::npos)
      << challenge->token;
  EXPECT_EQ(std::count(challenge->token.begin(), challenge->token.end(), '.'), 4)
      << challenge->token;
  // The answer goes to the same URL; the no-JavaScript way in adds the ticket to it.
  EXPECT_EQ(HtmlAttribute(r->body, "data-verify"), "/some/page?x=1&amp;y=2");
  EXPECT_EQ(HtmlAttribute(r->body, "data-method"), "GET");
  EXPECT_EQ(HtmlAttribute(r->body, "data-nojs-delay"), "2");
  EXPECT_EQ(HtmlAttribute(r->body, "data-nojs-url")
                .value_or("")
                .rfind("/some/page?x=1&amp;y=2&amp;rampart_wait=", 0),
            0u)
      << r->body;
  EXPECT_NE(r->body.find("<meta http-equiv=\"refresh\" content=\"2;url=/some/page?x=1&amp;y=2&amp;"
                         "rampart_wait="),
            std::string::npos);
  // No placeholder left unfilled.
  EXPECT_EQ(r->body.find("{{"), std::string::npos);

  // Each page is a new challenge.
  auto again = As("198.51.100.7", "/some/page?x=1&y=2");
  ASSERT_TRUE(again && IsChallengePage(*again));
  EXPECT_NE(ParseChallengePage(again->body)->token, challenge->token);

  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_EQ(Challenges("issued"), 2);
  EXPECT_EQ(Challenges("solved"), 0);
}

TEST_F(BotTest, PostNeedingAChallengeGetsThePageAndIsNotForwarded) {
  ASSERT_NO_FATAL_FAILURE(Start());
  Client client;
  ASSERT_TRUE(client.Connect(port()));
  auto r = client.Post("/submit?from=form", "comment=hello",
                       {{"User-Agent", kCurlUa},
                        {"Content-Type", "application/x-www-form-urlencoded"},
                        {"X-Forwarded-For", "198.51.100.7"}});
  ASSERT_TRUE(r) << client.error();
  ASSERT_TRUE(IsChallengePage(*r)) << r->raw;
  EXPECT_EQ(r->Header("Cache-Control"), "no-store");
  // The page says the form data is not sent again.
  EXPECT_EQ(HtmlAttribute(r->body, "data-method"), "POST");
  EXPECT_NE(r->body.find("It is not sent again after the check"), std::string::npos);
  EXPECT_EQ(origin_.RequestCount(), 0u);

  // Solved, the URL passes — with the GET the page then makes.
  ASSERT_NO_FATAL_FAILURE(SolveAndPass(*r, "198.51.100.7", "/submit?from=form"));
  auto seen = origin_.WaitForTarget("/submit?from=form", Timeout(2'000));
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method, "GET");
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

TEST_F(BotTest, ClearanceCookiePassesOnlyUnchangedFromItsNetworkAndBrowser) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string cookie = Clearance("198.51.100.7");
  ASSERT_EQ(cookie.rfind(std::string(kCookie) + "=", 0), 0u) << cookie;

  // Valid: passes, also from another address of the same /24 (prefix_v4 24).
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, cookie, "/valid"), 200);
  EXPECT_EQ(StatusWithCookie("198.51.100.200", kCurlUa, cookie, "/same-network"), 200);

  // "<period>.<expiry>.<mac>": an edited MAC, an edited (later) expiry.
  const size_t last_dot = cookie.rfind('.');
  std::string edited_mac = cookie;
  edited_mac.back() = edited_mac.back() == '0' ? '1' : '0';
  const size_t first_dot = cookie.find('.');
  std::string edited_expiry =
      cookie.substr(0, first_dot + 1) + "9999999999" + cookie.substr(last_dot);
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, edited_mac, "/edited-mac"), 403);
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, edited_expiry, "/edited-expiry"), 403);
  // Replayed from another network, or by another browser.
  EXPECT_EQ(StatusWithCookie("198.51.101.7", kCurlUa, cookie, "/other-network"), 403);
  EXPECT_EQ(StatusWithCookie("198.51.100.7", "curl/8.6.0", cookie, "/other-agent"), 403);
  // Another cookie name carries no clearance.
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, "other" + cookie, "/other-name"), 403);

  EXPECT_TRUE(origin_.WaitForTarget("/valid", Timeout(2'000)));
  EXPECT_TRUE(origin_.WaitForTarget("/same-network", Timeout(2'000)));
  EXPECT_EQ(origin_.RequestCount(), 2u);
}

TEST_F(BotTest, ExpiredClearanceIsChallengedAgain) {
  ASSERT_NO_FATAL_FAILURE(Start("{difficulty: 10, clearance_ttl: 2s}"));
  const std::string cookie = Clearance("198.51.100.7");
  ASSERT_FALSE(cookie.empty());
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, cookie, "/fresh"), 200);
  // Whole seconds: past a 2 s lifetime however the clock's second falls.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, cookie, "/expired"), 403);
  EXPECT_FALSE(origin_.WaitForTarget("/expired", Timeout(0)));
  // And a new one passes again.
  const std::string renewed = Clearance("198.51.100.7");
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, renewed, "/renewed"), 200);
}

TEST_F(BotTest, VerifiedGoodBotPassesOnlyFromItsRanges) {
  WriteFile(Path("good-bots.yaml"),
            "bots:\n"
            "  - name: TestBot\n"
            "    user_agent: TestBot\n"
            "    ranges: [192.0.2.0/24]\n");
  ASSERT_NO_FATAL_FAILURE(Start("{difficulty: 12, good_bots: " + Path("good-bots.yaml") + "}"));
  const std::string bot_ua = "Mozilla/5.0 (compatible; TestBot/2.1; +https://example.test/bot)";

  auto verified = As("192.0.2.10", "/crawled", {{"User-Agent", bot_ua}});
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->status, 200);
  EXPECT_TRUE(origin_.WaitForTarget("/crawled", Timeout(2'000)));

  // The User-Agent alone is what every scraper sends.
  auto impostor = As("198.51.100.7", "/impostor", {{"User-Agent", bot_ua}});
  ASSERT_TRUE(impostor);
  EXPECT_TRUE(IsChallengePage(*impostor)) << impostor->raw;
  // And the right network with another User-Agent is nobody special.
  auto other = As("192.0.2.10", "/other-agent");
  ASSERT_TRUE(other);
  EXPECT_TRUE(IsChallengePage(*other)) << other->raw;

  EXPECT_EQ(origin_.RequestCount(), 1u);
  EXPECT_EQ(MetricValue(Metrics(), "rampart_bot_good_bots_total"), 1);
}

TEST_F(BotTest, ApiRouteIsNeverChallengedEvenByARateLimitChallenge) {
  ASSERT_NO_FATAL_FAILURE(
      Start(kBot, "    rate_limit: {rate: 1/h, burst: 1, action: challenge}\n"));
  auto api_first = As("198.51.100.7", "/api/items");
  ASSERT_TRUE(api_first);
  EXPECT_EQ(api_first->status, 200);
  // Past the limit: 429, not a page an API client cannot run.
  auto api_over = As("198.51.100.7", "/api/items");
  ASSERT_TRUE(api_over);
  EXPECT_EQ(api_over->status, 429) << api_over->raw;
  EXPECT_FALSE(ParseChallengePage(api_over->body)) << api_over->body;

  // The same limit on a bot route: the overflow gets the challenge page...
  EXPECT_EQ(StatusWithCookie("198.51.100.7", kCurlUa, "", "/maybe/first"), 200);
  auto over = As("198.51.100.7", "/maybe/over");
  ASSERT_TRUE(over);
  ASSERT_TRUE(IsChallengePage(*over)) << over->raw;
  // ...and once it is solved (the answer is itself past the limit), the client passes.
  ASSERT_NO_FATAL_FAILURE(SolveAndPass(*over, "198.51.100.7", "/maybe/over"));
  EXPECT_TRUE(origin_.WaitForTarget("/maybe/over", Timeout(2'000)));
  // Another client's budget is its own.
  EXPECT_EQ(StatusWithCookie("198.51.100.8", kCurlUa, "", "/maybe/another"), 200);

  std::optional<JsonValue> challenged = WaitForRecord("bot:challenge");
  ASSERT_TRUE(challenged);
  EXPECT_EQ(challenged->StringAt("source"), "rate_limit");
  EXPECT_EQ(challenged->StringAt("action"), "challenged");
  EXPECT_EQ(Challenges("issued"), 1);
}

TEST_F(BotTest, SuspiciousChallengesBrowsersWhoseHeadersDoNotFit) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // A browser's User-Agent with the rest of its headers: nothing suspicious.
  auto browser = As("198.51.100.7", "/maybe/browser", ChromeHeaders());
  ASSERT_TRUE(browser);
  EXPECT_EQ(browser->status, 200);
  // A tool that says what it is: not suspicious either.
  auto tool = As("198.51.100.7", "/maybe/curl", {{"User-Agent", kCurlUa}, {"Accept", "*/*"}});
  ASSERT_TRUE(tool);
  EXPECT_EQ(tool->status, 200);

  // A browser's User-Agent copied without Accept-Language.
  HeaderList copied_ua = {{"User-Agent", kChromeUa}, {"Accept", "*/*"}};
  auto no_language = As("198.51.100.7", "/maybe/no-language", copied_ua);
  ASSERT_TRUE(no_language);
  EXPECT_TRUE(IsChallengePage(*no_language)) << no_language->raw;
  // Client hints naming another version than the User-Agent.
  HeaderList mismatched = ChromeHeaders();
  mismatched.back().second = R"("Chromium";v="99", "Not-A.Brand";v="8")";  // Sec-CH-UA
  auto other_version = As("198.51.100.7", "/maybe/other-version", mismatched);
  ASSERT_TRUE(other_version);
  EXPECT_TRUE(IsChallengePage(*other_version)) << other_version->raw;

  EXPECT_TRUE(origin_.WaitForTarget("/maybe/browser", Timeout(2'000)));
  EXPECT_TRUE(origin_.WaitForTarget("/maybe/curl", Timeout(2'000)));
  EXPECT_EQ(origin_.RequestCount(), 2u);
  std::optional<JsonValue> challenged = WaitForRecord("bot:challenge");
  ASSERT_TRUE(challenged);
  EXPECT_EQ(challenged->StringAt("source"), "bot");
}

TEST_F(BotTest, WrongAnswersAreRefusedAndCountedAsFailed) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto page = As("198.51.100.7", "/account");
  ASSERT_TRUE(page && IsChallengePage(*page));
  const PageChallenge challenge = *ParseChallengePage(page->body);

  // A nonce that does not give the zero bits.
  auto wrong = Answer("198.51.100.7", kCurlUa, "/account", challenge, WrongNonce(challenge));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  EXPECT_NE(wrong->body.find("check failed"), std::string::npos) << wrong->body;
  EXPECT_FALSE(wrong->Header("Set-Cookie"));

  // The right nonce for a token issued to another client (another network).
  auto stolen = Answer("203.0.113.9", kCurlUa, "/account", challenge, SolveChallenge(challenge));
  ASSERT_TRUE(stolen);
  EXPECT_EQ(stolen->status, 403);
  EXPECT_NE(stolen->body.find("check failed"), std::string::npos) << stolen->body;
  EXPECT_FALSE(stolen->Header("Set-Cookie"));

  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_EQ(Challenges("failed", "wrong_proof"), 1);
  EXPECT_EQ(Challenges("failed", "forged"), 1);
  EXPECT_EQ(Challenges("solved"), 0);
  std::optional<JsonValue> failed = WaitForRecord("bot:failed");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->StringAt("source"), "bot");
  EXPECT_EQ(failed->StringAt("action"), "blocked");
}

}  // namespace
}  // namespace rampart::test
