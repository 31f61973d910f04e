// The Challenger on its own (the part of a route every challenging stage shares): the page it
// answers with, the page's answer (POST with X-Rampart-Challenge/-Nonce/-Elapsed), the
// no-JavaScript wait ticket (?rampart_wait=), clearance cookies and good bots, the counters and
// /metrics text, the findings, and what happens before any key is known.

#include "stages/bot/challenger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "bot/challenge_page.h"
#include "bot/good_bots.h"
#include "bot/tokens.h"
#include "bot_test_support.h"
#include "pipeline/exchange.h"
#include "pipeline/findings.h"

namespace rampart::stages::bot {
namespace {

using namespace test_util;  // bot_test_support.h: rb, Exchange, ...
using rb::TokenStatus;
using ::testing::HasSubstr;

// One value a line, easy to read back.
const std::string kPage =
    "C={{challenge}}\nD={{difficulty}}\nV={{verify_path}}\nN={{nojs_url}}\nW={{nojs_delay}}\n"
    "S={{site}}\nM={{method}}\n";

std::shared_ptr<const rb::BotKeys> Keys() {
  auto keys = std::make_shared<rb::BotKeys>();
  keys->period = 100;
  keys->current = std::string(32, 'c');
  keys->previous = std::string(32, 'p');
  return keys;
}

std::shared_ptr<BotKeyRing> Ring(std::shared_ptr<const rb::BotKeys> keys = Keys()) {
  auto ring = std::make_shared<BotKeyRing>();
  if (keys) ring->Set(std::move(keys));
  return ring;
}

ChallengeSettings Settings(uint32_t difficulty = 8,
                           std::chrono::seconds nojs_delay = std::chrono::seconds(10)) {
  ChallengeSettings s;
  s.difficulty = difficulty;
  s.nojs_delay = nojs_delay;
  s.page = std::make_shared<const std::string>(kPage);
  return s;
}

struct Fixture {
  explicit Fixture(ChallengeSettings settings = Settings(),
                   std::shared_ptr<const rb::BotKeys> keys = Keys(),
                   std::shared_ptr<const rb::GoodBots> good_bots = nullptr)
      : counters(std::make_shared<BotCounters>()),
        challenger(std::move(settings), Ring(std::move(keys)), std::move(good_bots), counters) {}
  std::shared_ptr<BotCounters> counters;
  Challenger challenger;

  std::string Metrics() const {
    std::string out;
    counters->AppendMetrics(out);
    return out;
  }
};

Exchange MakeExchange(const std::string& method = "GET",
                      const std::string& target = "/app/page?x=1", bool tls = false,
                      const std::string& ip = "192.0.2.10") {
  return BrowserExchange({ip, 40000, tls}, "app.example", method, target);
}

// The value on the line starting with `key` ("C=") of a page made from kPage.
std::string PageField(const Exchange& ex, const std::string& key) {
  if (!ex.local_reply()) return "<no reply>";
  const std::string body = "\n" + ex.local_reply()->body;
  const size_t at = body.find("\n" + key);
  if (at == std::string::npos) return "<no " + key + ">";
  const size_t start = at + 1 + key.size();
  return body.substr(start, body.find('\n', start) - start);
}

std::string Unescape(std::string text) {
  for (size_t at = text.find("&amp;"); at != std::string::npos; at = text.find("&amp;", at + 1)) {
    text.replace(at, 5, "&");
  }
  return text;
}

// A nonce that does not meet `bits` for `token` (Solve finds one that does).
std::string WrongNonce(const std::string& token, uint32_t bits) {
  for (uint64_t n = 0;; ++n) {
    if (!rb::ProofHolds(token, std::to_string(n), bits)) return std::to_string(n);
  }
}

// The answer the page posts.
Exchange Answer(const std::string& token, const std::string& nonce, const std::string& elapsed,
                const std::string& target = "/app/page?x=1", bool tls = false) {
  Exchange ex = MakeExchange("POST", target, tls);
  AddAnswer(ex, token, nonce, elapsed);
  return ex;
}

// The challenge token of a fresh page for the default client.
std::string IssuedToken(const Challenger& challenger) {
  Exchange ex = MakeExchange();
  challenger.Challenge(ex, FindingSource::kBot, "test");
  return PageField(ex, "C=");
}

// A clearance cookie's value for MakeExchange()'s client, expiring `expires_in` s from now.
std::string Clearance(const Fixture& f, int64_t expires_in = 600) {
  const Exchange probe = MakeExchange();
  return rb::MintClearance(*Keys(), f.challenger.Binding(probe), UnixNow() + expires_in);
}

// The cookie's value from a Set-Cookie header ("name=value; attrs").
std::string CookieValue(const std::string& set_cookie) {
  const size_t eq = set_cookie.find('=');
  const size_t semi = set_cookie.find(';');
  return set_cookie.substr(eq + 1, semi - eq - 1);
}

// ---- The page ----

TEST(ChallengerTest, ChallengeAnswersWithThePage) {
  Fixture f;
  Exchange ex = MakeExchange("GET", "/app/page?x=1&y=<b>");
  EXPECT_EQ(f.challenger.Challenge(ex, FindingSource::kBot, "bot.challenge: always"),
            Action::kRespond);
  EXPECT_EQ(Status(ex), 403);
  EXPECT_EQ(ReplyHeader(ex, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(ReplyHeader(ex, "Cache-Control"), "no-store");
  EXPECT_EQ(PageField(ex, "D="), "8");
  EXPECT_EQ(PageField(ex, "W="), "10");
  EXPECT_EQ(PageField(ex, "S="), "app.example");
  EXPECT_EQ(PageField(ex, "M="), "GET");
  // Escaped for HTML; the answer goes back to the URL asked for, query included.
  EXPECT_EQ(PageField(ex, "V="), "/app/page?x=1&amp;y=&lt;b&gt;");
  EXPECT_THAT(PageField(ex, "N="), HasSubstr("/app/page?x=1&amp;y=&lt;b&gt;&amp;rampart_wait="));
  // A token for this client at this difficulty, not yet solved.
  const std::string token = PageField(ex, "C=");
  const rb::ClientBinding binding = f.challenger.Binding(ex);
  EXPECT_EQ(binding.ip_prefix, "192.0.2.0/24");
  EXPECT_EQ(binding.user_agent, kChrome);
  const rb::ChallengeAnswer answer =
      rb::CheckChallengeAnswer(*Keys(), token, Solve(token, 8), binding, UnixNow());
  EXPECT_EQ(answer.status, TokenStatus::kOk);
  EXPECT_EQ(answer.difficulty, 8u);
  // Fresh tokens every time.
  EXPECT_NE(IssuedToken(f.challenger), IssuedToken(f.challenger));
  EXPECT_EQ(f.counters->issued(), 3u);
}

TEST(ChallengerTest, ChallengeFindingNamesTheSource) {
  Fixture f;
  Exchange ex = MakeExchange();
  f.challenger.Challenge(ex, FindingSource::kGeoip, "country XX");
  ExpectOnlyFinding(ex, FindingSource::kGeoip, "bot:challenge", "challenged: country XX",
                    Verdict::kChallenged);
}

TEST(ChallengerTest, PostIsChallengedWithItsMethod) {
  Fixture f;
  Exchange ex = MakeExchange("POST", "/form");
  f.challenger.Challenge(ex, FindingSource::kBot, "test");
  EXPECT_EQ(Status(ex), 403);
  EXPECT_EQ(PageField(ex, "M="), "POST");
  EXPECT_EQ(PageField(ex, "V="), "/form");
  EXPECT_THAT(PageField(ex, "N="), HasSubstr("/form?rampart_wait="));
}

TEST(ChallengerTest, BuiltInPageRenders) {
  ChallengeSettings s = Settings();
  s.page = std::make_shared<const std::string>(rb::BuiltInChallengePage());
  Fixture f(std::move(s));
  Exchange ex = MakeExchange();
  f.challenger.Challenge(ex, FindingSource::kBot, "test");
  ASSERT_EQ(Status(ex), 403);
  const std::string& body = ex.local_reply()->body;
  EXPECT_EQ(body.find("{{"), std::string::npos);
  EXPECT_THAT(body, HasSubstr("data-difficulty=\"8\""));
  EXPECT_THAT(body, HasSubstr("data-verify=\"/app/page?x=1\""));
}

// ---- The page's answer ----

TEST(ChallengerTest, ValidAnswerEarnsTheCookie) {
  Fixture f;
  const std::string token = IssuedToken(f.challenger);
  Exchange ex = Answer(token, Solve(token, 8), "420");
  ASSERT_EQ(f.challenger.TakeAnswer(ex), Action::kRespond);
  EXPECT_EQ(Status(ex), 204);
  EXPECT_EQ(ex.local_reply()->body, "");
  EXPECT_EQ(ReplyHeader(ex, "Cache-Control"), "no-store");
  const std::string set_cookie = ReplyHeader(ex, "Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("rampart_clearance=", 0), 0u) << set_cookie;
  EXPECT_THAT(set_cookie, HasSubstr("; Path=/"));
  EXPECT_THAT(set_cookie, HasSubstr("; Max-Age=3600"));
  EXPECT_THAT(set_cookie, HasSubstr("; HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("; SameSite=Lax"));
  EXPECT_THAT(set_cookie, ::testing::Not(HasSubstr("Secure")));  // plain HTTP
  // The finding: solved, not an action (the request is let through, and logged).
  ASSERT_EQ(ex.findings().rules().size(), 1u);
  EXPECT_EQ(ex.findings().rules()[0].source, FindingSource::kBot);
  EXPECT_EQ(ex.findings().rules()[0].id, "bot:solved");
  EXPECT_EQ(ex.findings().rules()[0].msg, "challenge solved (difficulty 8, 420 ms in the browser)");
  EXPECT_EQ(ex.findings().verdict(), Verdict::kDetected);
  EXPECT_EQ(ex.findings().status(), 0);
  // Counted, and the time goes to the histogram.
  EXPECT_EQ(f.counters->solved(), 1u);
  const std::string metrics = f.Metrics();
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_challenges_total{result=\"issued\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_challenges_total{result=\"solved\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_solve_seconds_bucket{le=\"0.25\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_solve_seconds_bucket{le=\"0.5\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_solve_seconds_bucket{le=\"+Inf\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_solve_seconds_sum 0.420\n"));
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_solve_seconds_count 1\n"));
  EXPECT_THAT(metrics, ::testing::Not(HasSubstr("result=\"failed\"")));

  // The cookie clears this client from now on.
  Exchange next = MakeExchange();
  next.request().headers.Add("Cookie", "a=1; rampart_clearance=" + CookieValue(set_cookie));
  EXPECT_TRUE(f.challenger.Cleared(next));
}

TEST(ChallengerTest, CookieIsSecureOverTls) {
  Fixture f;
  Exchange challenged = MakeExchange("GET", "/app/page?x=1", /*tls=*/true);
  f.challenger.Challenge(challenged, FindingSource::kBot, "test");
  const std::string token = PageField(challenged, "C=");
  Exchange ex = Answer(token, Solve(token, 8), "", "/app/page?x=1", /*tls=*/true);
  ASSERT_EQ(f.challenger.TakeAnswer(ex), Action::kRespond);
  EXPECT_EQ(Status(ex), 204);
  EXPECT_THAT(ReplyHeader(ex, "Set-Cookie"), HasSubstr("; HttpOnly; SameSite=Lax; Secure"));
  // No elapsed time: solved, but no solve time to count.
  EXPECT_EQ(ex.findings().rules()[0].msg, "challenge solved (difficulty 8)");
  EXPECT_EQ(f.counters->solved(), 1u);
  EXPECT_THAT(f.Metrics(), HasSubstr("rampart_bot_solve_seconds_count 0\n"));
}

TEST(ChallengerTest, ClearanceTtlIsTheCookiesMaxAge) {
  ChallengeSettings s = Settings();
  s.clearance_ttl = std::chrono::seconds(90);
  s.cookie = "pass";
  Fixture f(std::move(s));
  const std::string token = IssuedToken(f.challenger);
  Exchange ex = Answer(token, Solve(token, 8), "5");
  f.challenger.TakeAnswer(ex);
  const std::string set_cookie = ReplyHeader(ex, "Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("pass=", 0), 0u) << set_cookie;
  EXPECT_THAT(set_cookie, HasSubstr("; Max-Age=90;"));
  // The token inside expires then too.
  const std::string value = CookieValue(set_cookie);
  const rb::ClientBinding binding = f.challenger.Binding(ex);
  EXPECT_EQ(rb::CheckClearance(*Keys(), value, binding, UnixNow() + 89), TokenStatus::kOk);
  EXPECT_EQ(rb::CheckClearance(*Keys(), value, binding, UnixNow() + 92), TokenStatus::kExpired);
}

// What a refusal's finding says, before the reason.
constexpr char kAnswerRefused[] = "challenge answer refused";
constexpr char kTicketRefused[] = "no-JavaScript ticket refused";

// `ex` taken by f's challenger as an answer and refused (`what`: kAnswerRefused or
// kTicketRefused): 403, the reason in the body, a bot:failed finding, a block, a counter.
void ExpectRefused(const Fixture& f, Exchange ex, TokenStatus why, const std::string& what) {
  EXPECT_EQ(f.challenger.TakeAnswer(ex), Action::kRespond);
  EXPECT_EQ(Status(ex), 403);
  EXPECT_EQ(ReplyHeader(ex, "Set-Cookie"), "<absent>");
  EXPECT_EQ(ReplyHeader(ex, "Cache-Control"), "no-store");
  ASSERT_TRUE(ex.local_reply());
  EXPECT_THAT(ex.local_reply()->body, HasSubstr("(" + std::string(rb::TokenStatusName(why)) + ")"));
  ExpectOnlyFinding(ex, FindingSource::kBot, "bot:failed",
                    what + ": " + std::string(rb::TokenStatusName(why)), Verdict::kBlocked);
  EXPECT_EQ(f.counters->failed(why), 1u);
  EXPECT_EQ(f.counters->solved(), 0u);
  EXPECT_THAT(f.Metrics(), HasSubstr("rampart_bot_challenges_total{result=\"failed\",reason=\"" +
                                     std::string(rb::TokenStatusName(why)) + "\"} 1\n"));
}

TEST(ChallengerTest, WrongNonceRefused) {
  Fixture f;
  const std::string token = IssuedToken(f.challenger);
  ExpectRefused(f, Answer(token, WrongNonce(token, 8), "100"), TokenStatus::kWrongProof,
                kAnswerRefused);
}

TEST(ChallengerTest, NonNumericNonceRefused) {
  Fixture f;
  const std::string token = IssuedToken(f.challenger);
  ExpectRefused(f, Answer(token, Solve(token, 8) + "x", "100"), TokenStatus::kWrongProof,
                kAnswerRefused);
}

TEST(ChallengerTest, ForgedTokenRefused) {
  Fixture f;
  std::string token = IssuedToken(f.challenger);
  // A lower difficulty written into the token: the MAC covers it.
  token.replace(token.find(".8."), 3, ".1.");
  ExpectRefused(f, Answer(token, Solve(token, 1), "1"), TokenStatus::kForged, kAnswerRefused);
}

TEST(ChallengerTest, AnswerFromAnotherClientRefused) {
  Fixture f;
  const std::string token = IssuedToken(f.challenger);
  Exchange ex = Answer(token, Solve(token, 8), "1");
  ex.request().headers.Set("User-Agent", "python-requests/2.31");
  ExpectRefused(f, std::move(ex), TokenStatus::kForged, kAnswerRefused);
  // The same /24 is the same client; another network is not.
  Fixture g;
  const std::string token2 = IssuedToken(g.challenger);
  Exchange near = Answer(token2, Solve(token2, 8), "1");
  near.set_client_ip("192.0.2.77");
  g.challenger.TakeAnswer(near);
  EXPECT_EQ(Status(near), 204);
  Exchange far = Answer(token2, Solve(token2, 8), "1");
  far.set_client_ip("198.51.100.10");
  g.challenger.TakeAnswer(far);
  EXPECT_EQ(Status(far), 403);
}

TEST(ChallengerTest, ExpiredTokenRefused) {
  Fixture f;
  Exchange ex0 = MakeExchange();
  const std::string token =
      rb::MintChallenge(*Keys(), f.challenger.Binding(ex0), UnixNow() - 1, 8, "00112233");
  ExpectRefused(f, Answer(token, Solve(token, 8), "1"), TokenStatus::kExpired, kAnswerRefused);
}

TEST(ChallengerTest, TokenOfAnUnknownPeriodRefused) {
  Fixture f;
  rb::BotKeys old = *Keys();
  old.period = 50;
  Exchange ex0 = MakeExchange();
  const std::string token =
      rb::MintChallenge(old, f.challenger.Binding(ex0), UnixNow() + 60, 8, "00112233");
  ExpectRefused(f, Answer(token, Solve(token, 8), "1"), TokenStatus::kUnknownKey, kAnswerRefused);
}

TEST(ChallengerTest, AnswerWithoutNonceOrGarbageRefused) {
  Fixture f;
  const std::string token = IssuedToken(f.challenger);
  Exchange ex = MakeExchange("POST");
  ex.request().headers.Add("X-Rampart-Challenge", token);
  ExpectRefused(f, std::move(ex), TokenStatus::kMalformed, kAnswerRefused);
  Fixture g;
  ExpectRefused(g, Answer("not-a-token", "1", "1"), TokenStatus::kMalformed, kAnswerRefused);
}

TEST(ChallengerTest, OnlyAPostCarriesAnAnswer) {
  Fixture f;
  const std::string token = IssuedToken(f.challenger);
  Exchange get = Answer(token, Solve(token, 8), "1");
  get.request().method = "GET";
  EXPECT_EQ(f.challenger.TakeAnswer(get), std::nullopt);
  EXPECT_FALSE(get.local_reply().has_value());
  Exchange plain = MakeExchange("POST");
  EXPECT_EQ(f.challenger.TakeAnswer(plain), std::nullopt);
  EXPECT_TRUE(plain.findings().empty());
}

// A stage other than the bot stage (geoip, rate_limit, signatures) challenged the request; the
// answer comes back to the same URL and reaches that stage first: it is taken, not challenged
// again.
TEST(ChallengerTest, AnswerReachingChallengeIsTaken) {
  Fixture f;
  const std::string token = IssuedToken(f.challenger);
  Exchange ex = Answer(token, Solve(token, 8), "250");
  EXPECT_EQ(f.challenger.Challenge(ex, FindingSource::kGeoip, "country XX"), Action::kRespond);
  EXPECT_EQ(Status(ex), 204);
  EXPECT_THAT(ReplyHeader(ex, "Set-Cookie"), HasSubstr("rampart_clearance="));
  ASSERT_EQ(ex.findings().rules().size(), 1u);
  EXPECT_EQ(ex.findings().rules()[0].id, "bot:solved");
  EXPECT_EQ(f.counters->issued(), 1u);  // the first page only
  EXPECT_EQ(f.counters->solved(), 1u);
  // A wrong one is refused there too.
  Exchange wrong = Answer(token, WrongNonce(token, 8), "250");
  f.challenger.Challenge(wrong, FindingSource::kRateLimit, "too fast");
  EXPECT_EQ(Status(wrong), 403);
  ASSERT_EQ(wrong.findings().rules().size(), 1u);
  EXPECT_EQ(wrong.findings().rules()[0].id, "bot:failed");
  EXPECT_EQ(f.counters->failed(TokenStatus::kWrongProof), 1u);
}

// ---- The no-JavaScript wait ----

TEST(ChallengerTest, WaitTooEarlyAsksForMoreTime) {
  Fixture f;
  Exchange challenged = MakeExchange();
  f.challenger.Challenge(challenged, FindingSource::kBot, "test");
  const std::string nojs = Unescape(PageField(challenged, "N="));
  ASSERT_EQ(nojs.rfind("/app/page?x=1&rampart_wait=", 0), 0u) << nojs;
  Exchange ex = MakeExchange("GET", nojs);
  ASSERT_EQ(f.challenger.TakeAnswer(ex), Action::kRespond);
  EXPECT_EQ(Status(ex), 403);
  EXPECT_EQ(ReplyHeader(ex, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(ReplyHeader(ex, "Cache-Control"), "no-store");
  EXPECT_EQ(ReplyHeader(ex, "Set-Cookie"), "<absent>");
  EXPECT_THAT(ex.local_reply()->body, HasSubstr("Almost there"));
  EXPECT_THAT(ex.local_reply()->body, HasSubstr("<meta http-equiv=\"refresh\" content=\"2\">"));
  EXPECT_EQ(f.counters->solved(), 0u);
  EXPECT_EQ(f.counters->failed(TokenStatus::kTooEarly), 0u);
}

TEST(ChallengerTest, WaitOverRedirectsWithTheCookie) {
  // No delay: the ticket of the page is good at once.
  Fixture f(Settings(8, std::chrono::seconds(0)));
  Exchange challenged = MakeExchange("GET", "/app/page?x=1&y=2");
  f.challenger.Challenge(challenged, FindingSource::kBot, "test");
  EXPECT_EQ(PageField(challenged, "W="), "0");
  const std::string nojs = Unescape(PageField(challenged, "N="));
  Exchange ex = MakeExchange("GET", nojs);
  ASSERT_EQ(f.challenger.TakeAnswer(ex), Action::kRespond);
  EXPECT_EQ(Status(ex), 303);
  EXPECT_EQ(ReplyHeader(ex, "Location"), "/app/page?x=1&y=2");
  EXPECT_EQ(ReplyHeader(ex, "Cache-Control"), "no-store");
  const std::string set_cookie = ReplyHeader(ex, "Set-Cookie");
  EXPECT_THAT(set_cookie, HasSubstr("; Max-Age=3600; HttpOnly; SameSite=Lax"));
  ASSERT_EQ(ex.findings().rules().size(), 1u);
  EXPECT_EQ(ex.findings().rules()[0].id, "bot:solved");
  EXPECT_EQ(ex.findings().rules()[0].msg, "no-JavaScript wait completed");
  EXPECT_EQ(ex.findings().verdict(), Verdict::kDetected);
  EXPECT_EQ(f.counters->solved(), 1u);
  EXPECT_THAT(f.Metrics(), HasSubstr("rampart_bot_solve_seconds_count 0\n"));
  Exchange next = MakeExchange("GET", "/app/page?x=1&y=2");
  next.request().headers.Add("Cookie", "rampart_clearance=" + CookieValue(set_cookie));
  EXPECT_TRUE(f.challenger.Cleared(next));
}

TEST(ChallengerTest, WaitTicketAloneInTheQuery) {
  Fixture f(Settings(8, std::chrono::seconds(10)));
  Exchange probe = MakeExchange("GET", "/doc");
  const std::string ticket =
      rb::MintWaitTicket(*Keys(), f.challenger.Binding(probe), UnixNow() - 10, "/doc");
  Exchange ex = MakeExchange("GET", "/doc?rampart_wait=" + ticket);
  f.challenger.TakeAnswer(ex);
  EXPECT_EQ(Status(ex), 303);
  EXPECT_EQ(ReplyHeader(ex, "Location"), "/doc");
}

TEST(ChallengerTest, WaitTicketRefusals) {
  Fixture f;
  Exchange probe = MakeExchange();
  const rb::ClientBinding binding = f.challenger.Binding(probe);
  const std::string good = rb::MintWaitTicket(*Keys(), binding, UnixNow() - 10, "/app/page?x=1");
  {
    std::string forged = good;
    forged.back() = forged.back() == '0' ? '1' : '0';
    ExpectRefused(f, MakeExchange("GET", "/app/page?x=1&rampart_wait=" + forged),
                  TokenStatus::kForged, kTicketRefused);
  }
  {
    // Bound to the URL it sends the client back to.
    Fixture g;
    ExpectRefused(g, MakeExchange("GET", "/admin?x=1&rampart_wait=" + good), TokenStatus::kForged,
                  kTicketRefused);
  }
  {
    Fixture g;
    const std::string old =
        rb::MintWaitTicket(*Keys(), binding, UnixNow() - 10 - 301, "/app/page?x=1");
    ExpectRefused(g, MakeExchange("GET", "/app/page?x=1&rampart_wait=" + old),
                  TokenStatus::kExpired, kTicketRefused);
  }
  {
    Fixture g;
    ExpectRefused(g, MakeExchange("GET", "/app/page?rampart_wait=junk"), TokenStatus::kMalformed,
                  kTicketRefused);
  }
}

TEST(ChallengerTest, NotAWaitTicket) {
  Fixture f;
  for (const char* target : {"/page?rampart_wait=x&y=1", "/page?my_rampart_wait=x",
                             "/page?q=rampart_wait", "/rampart_wait=x"}) {
    Exchange ex = MakeExchange("GET", target);
    EXPECT_EQ(f.challenger.TakeAnswer(ex), std::nullopt) << target;
  }
}

// ---- Clearance ----

TEST(ChallengerTest, ClearedWithAValidCookieOnly) {
  Fixture f;
  const std::string cookie = Clearance(f);
  Exchange ok = MakeExchange();
  ok.request().headers.Add("Cookie", "rampart_clearance=" + cookie);
  EXPECT_TRUE(f.challenger.Cleared(ok));
  ASSERT_TRUE(ok.bot().cleared.has_value());
  EXPECT_TRUE(*ok.bot().cleared);
  EXPECT_EQ(ok.bot().good_bot, "");
  EXPECT_TRUE(ok.findings().empty());

  Exchange none = MakeExchange();
  EXPECT_FALSE(f.challenger.Cleared(none));
  EXPECT_EQ(none.bot().cleared, false);

  Exchange other_name = MakeExchange();
  other_name.request().headers.Add("Cookie", "clearance=" + cookie);
  EXPECT_FALSE(f.challenger.Cleared(other_name));

  Exchange other_browser = MakeExchange();
  other_browser.request().headers.Set("User-Agent", "curl/8.0");
  other_browser.request().headers.Add("Cookie", "rampart_clearance=" + cookie);
  EXPECT_FALSE(f.challenger.Cleared(other_browser));

  Exchange other_network = MakeExchange("GET", "/", false, "203.0.113.9");
  other_network.request().headers.Add("Cookie", "rampart_clearance=" + cookie);
  EXPECT_FALSE(f.challenger.Cleared(other_network));

  Exchange expired = MakeExchange();
  expired.request().headers.Add("Cookie", "rampart_clearance=" + Clearance(f, -1));
  EXPECT_FALSE(f.challenger.Cleared(expired));
}

TEST(ChallengerTest, ClearedIsCheckedOncePerExchange) {
  Fixture f;
  const std::string cookie = Clearance(f);
  // An answer already on the exchange is what later stages get.
  Exchange decided_no = MakeExchange();
  decided_no.request().headers.Add("Cookie", "rampart_clearance=" + cookie);
  decided_no.bot().cleared = false;
  EXPECT_FALSE(f.challenger.Cleared(decided_no));
  Exchange decided_yes = MakeExchange();
  decided_yes.bot().cleared = true;
  EXPECT_TRUE(f.challenger.Cleared(decided_yes));
  // Checked once, then cached: the cookie going away does not change it.
  Exchange ex = MakeExchange();
  ex.request().headers.Add("Cookie", "rampart_clearance=" + cookie);
  EXPECT_TRUE(f.challenger.Cleared(ex));
  ex.request().headers.Remove("Cookie");
  EXPECT_TRUE(f.challenger.Cleared(ex));
}

// The allow list (ip_reputation) lets a client through every later check, the challenge too.
TEST(ChallengerTest, AllowListedClientIsCleared) {
  Fixture f;
  Exchange ex = MakeExchange();
  ex.request().headers.Remove("User-Agent");
  ex.set_allowlisted();
  EXPECT_TRUE(f.challenger.Cleared(ex));
  EXPECT_EQ(ex.bot().cleared, true);
  EXPECT_EQ(ex.bot().good_bot, "");
  EXPECT_TRUE(ex.findings().empty());
  EXPECT_THAT(f.Metrics(), HasSubstr("rampart_bot_good_bots_total 0\n"));
}

TEST(ChallengerTest, GoodBotIsCleared) {
  auto good_bots =
      ParseGoodBots("bots:\n  - {name: Testbot, user_agent: testbot, ranges: [192.0.2.0/24]}\n");
  ASSERT_NE(good_bots, nullptr);
  Fixture f(Settings(), Keys(), good_bots);
  Exchange bot = MakeExchange();
  bot.request().headers.Set("User-Agent", "Mozilla/5.0 (compatible; Testbot/1.0)");
  EXPECT_TRUE(f.challenger.Cleared(bot));
  EXPECT_EQ(bot.bot().good_bot, "Testbot");
  EXPECT_EQ(bot.bot().cleared, true);
  EXPECT_TRUE(bot.findings().empty());
  EXPECT_THAT(f.Metrics(), HasSubstr("rampart_bot_good_bots_total 1\n"));
  // Cached: counted once per request.
  EXPECT_TRUE(f.challenger.Cleared(bot));
  EXPECT_THAT(f.Metrics(), HasSubstr("rampart_bot_good_bots_total 1\n"));
  // The name from elsewhere is a claim, not a good bot.
  Exchange impostor = MakeExchange("GET", "/", false, "203.0.113.9");
  impostor.request().headers.Set("User-Agent", "Mozilla/5.0 (compatible; Testbot/1.0)");
  EXPECT_FALSE(f.challenger.Cleared(impostor));
  EXPECT_EQ(impostor.bot().good_bot, "");
  // The address without the name is not one either.
  Exchange browser = MakeExchange();
  EXPECT_FALSE(f.challenger.Cleared(browser));
  EXPECT_THAT(f.Metrics(), HasSubstr("rampart_bot_good_bots_total 1\n"));
}

// ---- Before the first keys ----

TEST(ChallengerTest, NoKeysYetAnswers503) {
  Fixture f(Settings(), nullptr);
  EXPECT_EQ(f.challenger.keys(), nullptr);
  Exchange ex = MakeExchange();
  EXPECT_EQ(f.challenger.Challenge(ex, FindingSource::kBot, "test"), Action::kRespond);
  EXPECT_EQ(Status(ex), 503);
  EXPECT_EQ(ReplyHeader(ex, "Retry-After"), "1");
  EXPECT_EQ(ReplyHeader(ex, "Content-Type"), "text/plain; charset=utf-8");
  ASSERT_EQ(ex.findings().rules().size(), 1u);
  EXPECT_EQ(ex.findings().rules()[0].id, "bot:challenge");
  EXPECT_EQ(ex.findings().status(), 503);  // recorded as what was sent
  EXPECT_EQ(f.counters->issued(), 0u);
  // Nothing can be checked either.
  Exchange cookie = MakeExchange();
  cookie.request().headers.Add("Cookie", "rampart_clearance=100.9999999999.00");
  EXPECT_FALSE(f.challenger.Cleared(cookie));
  Exchange answer = Answer("100.9999999999.8.00.00", "1", "1");
  f.challenger.TakeAnswer(answer);
  EXPECT_EQ(Status(answer), 403);
  Exchange wait = MakeExchange("GET", "/p?rampart_wait=100.1.00");
  f.challenger.TakeAnswer(wait);
  EXPECT_EQ(Status(wait), 403);
  // Both refused for the same reason: no key to check them with.
  EXPECT_EQ(f.counters->failed(TokenStatus::kUnknownKey), 2u);
}

TEST(ChallengerTest, OwnCountersWhenNoneGiven) {
  Challenger challenger(Settings(), Ring(), nullptr, nullptr);
  Exchange ex = MakeExchange();
  challenger.Challenge(ex, FindingSource::kBot, "test");
  EXPECT_EQ(challenger.counters().issued(), 1u);
  EXPECT_EQ(challenger.settings().difficulty, 8u);
}

}  // namespace
}  // namespace rampart::stages::bot
