// The bot stage driven directly (OnRequestHeaders on an Exchange): `always`, `suspicious` and
// `off`; answers and wait tickets taken before anything else; cleared clients and good bots let
// through; and a whole round trip (challenged, solved, the cookie, let through).

#include "stages/bot/bot_stage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "bot/good_bots.h"
#include "bot/tokens.h"
#include "bot_test_support.h"
#include "pipeline/exchange.h"
#include "pipeline/findings.h"

namespace rampart::stages::bot {
namespace {

using namespace test_util;  // bot_test_support.h: rb, Exchange, ...
using Mode = config::RouteBotConfig::Mode;
using ::testing::HasSubstr;

std::shared_ptr<const rb::BotKeys> Keys() {
  auto keys = std::make_shared<rb::BotKeys>();
  keys->period = 7;
  keys->current = std::string(32, 'k');
  return keys;
}

// A route's bot stage: its challenger (difficulty 6, a page that is just the token) and mode.
struct Route {
  explicit Route(Mode mode, std::shared_ptr<const rb::GoodBots> good_bots = nullptr)
      : counters(std::make_shared<BotCounters>()),
        factory(MakeChallenger(counters, std::move(good_bots)), mode) {}

  static std::shared_ptr<const Challenger> MakeChallenger(
      std::shared_ptr<BotCounters> counters, std::shared_ptr<const rb::GoodBots> good_bots) {
    ChallengeSettings s;
    s.difficulty = 6;
    s.page = std::make_shared<const std::string>("{{challenge}}");
    auto ring = std::make_shared<BotKeyRing>();
    ring->Set(Keys());
    return std::make_shared<Challenger>(std::move(s), std::move(ring), std::move(good_bots),
                                        std::move(counters));
  }

  Action Run(Exchange& ex) const { return factory.Create()->OnRequestHeaders(ex); }

  std::shared_ptr<BotCounters> counters;
  BotStageFactory factory;
};

// A browser's navigation, with the headers browsers send.
Exchange Browser(const std::string& method = "GET", const std::string& target = "/shop?item=3") {
  return BrowserExchange({"198.51.100.20", 50000, false}, "shop.example", method, target);
}

// The one bot:challenge finding and the challenged verdict.
void ExpectChallenged(const Exchange& ex, Action action, const std::string& msg) {
  EXPECT_EQ(action, Action::kRespond);
  EXPECT_EQ(Status(ex), 403);
  EXPECT_EQ(ReplyHeader(ex, "Cache-Control"), "no-store");
  ExpectOnlyFinding(ex, FindingSource::kBot, "bot:challenge", msg, Verdict::kChallenged);
}

void ExpectPassed(const Exchange& ex, Action action) {
  EXPECT_EQ(action, Action::kContinue);
  EXPECT_FALSE(ex.local_reply().has_value());
  EXPECT_TRUE(ex.findings().empty());
}

TEST(BotStageTest, FactoryNameAndMode) {
  Route route(Mode::kSuspicious);
  EXPECT_EQ(route.factory.name(), "bot");
  EXPECT_EQ(route.factory.mode(), Mode::kSuspicious);
  EXPECT_EQ(route.factory.challenger().settings().difficulty, 6u);
}

TEST(BotStageTest, AlwaysChallengesEveryoneWithoutClearance) {
  Route route(Mode::kAlways);
  for (const char* ua : {kChrome, "curl/8.0", ""}) {
    Exchange ex = Browser();
    ex.request().headers.Set("User-Agent", ua);
    ExpectChallenged(ex, route.Run(ex), "challenged: bot.challenge: always");
  }
  EXPECT_EQ(route.counters->issued(), 3u);
}

TEST(BotStageTest, SuspiciousChallengesHeadersThatDoNotFit) {
  Route route(Mode::kSuspicious);
  {
    Exchange ex = Browser();
    ExpectPassed(ex, route.Run(ex));
  }
  {
    // Not a browser: not judged by its headers.
    Exchange ex = Browser();
    ex.request().headers.Set("User-Agent", "curl/8.0");
    ex.request().headers.Remove("Accept-Language");
    ExpectPassed(ex, route.Run(ex));
  }
  {
    Exchange ex = Browser();
    ex.request().headers.Remove("Accept-Language");
    ExpectChallenged(ex, route.Run(ex), "challenged: a browser User-Agent without Accept-Language");
  }
  {
    Exchange ex = Browser();
    ex.request().headers.Remove("User-Agent");
    ExpectChallenged(ex, route.Run(ex), "challenged: no User-Agent");
  }
  {
    Exchange ex = Browser();
    ex.request().headers.Add("Sec-CH-UA", R"("Chromium";v="99")");
    ExpectChallenged(ex, route.Run(ex),
                     "challenged: Sec-CH-UA names another version than the User-Agent");
  }
  EXPECT_EQ(route.counters->issued(), 3u);
}

TEST(BotStageTest, OffChallengesNobody) {
  Route route(Mode::kOff);
  Exchange ex = Browser();
  ex.request().headers.Remove("User-Agent");
  ExpectPassed(ex, route.Run(ex));
  EXPECT_EQ(route.counters->issued(), 0u);
}

TEST(BotStageTest, RoundTrip) {
  Route route(Mode::kAlways);
  Exchange first = Browser();
  route.Run(first);
  ASSERT_EQ(Status(first), 403);
  const std::string token = first.local_reply()->body;

  Exchange answer = Browser("POST");
  AddAnswer(answer, token, Solve(token, 6), "1500");
  EXPECT_EQ(route.Run(answer), Action::kRespond);
  EXPECT_EQ(Status(answer), 204);
  const std::string set_cookie = ReplyHeader(answer, "Set-Cookie");
  ASSERT_EQ(set_cookie.rfind("rampart_clearance=", 0), 0u) << set_cookie;
  ASSERT_EQ(answer.findings().rules().size(), 1u);
  EXPECT_EQ(answer.findings().rules()[0].id, "bot:solved");
  EXPECT_EQ(answer.findings().rules()[0].msg,
            "challenge solved (difficulty 6, 1500 ms in the browser)");

  // The browser loads the URL again, with the cookie: through, and nothing logged.
  Exchange again = Browser();
  again.request().headers.Add("Cookie", set_cookie.substr(0, set_cookie.find(';')));
  ExpectPassed(again, route.Run(again));
  EXPECT_EQ(again.bot().cleared, true);
  EXPECT_EQ(route.counters->issued(), 1u);
  EXPECT_EQ(route.counters->solved(), 1u);
  std::string metrics;
  route.counters->AppendMetrics(metrics);
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_solve_seconds_bucket{le=\"1\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_solve_seconds_bucket{le=\"2\"} 1\n"));
}

TEST(BotStageTest, AnswersAreTakenInEveryMode) {
  for (const Mode mode : {Mode::kAlways, Mode::kSuspicious, Mode::kOff}) {
    Route route(mode);
    Exchange probe = Browser();
    const std::string token = rb::MintChallenge(*Keys(), route.factory.challenger().Binding(probe),
                                                UnixNow() + 60, 6, "abcdef");
    Exchange answer = Browser("POST");
    AddAnswer(answer, token, Solve(token, 6));
    EXPECT_EQ(route.Run(answer), Action::kRespond);
    EXPECT_EQ(Status(answer), 204);
    // A bad one is refused (403), whatever the mode.
    Exchange bad = Browser("POST");
    AddAnswer(bad, token + "0", "1");
    EXPECT_EQ(route.Run(bad), Action::kRespond);
    EXPECT_EQ(Status(bad), 403);
    EXPECT_EQ(bad.findings().verdict(), Verdict::kBlocked);
    EXPECT_EQ(bad.findings().rules()[0].id, "bot:failed");
  }
}

TEST(BotStageTest, WaitTicketTaken) {
  Route route(Mode::kAlways);
  Exchange probe = Browser("GET", "/shop");
  const std::string ticket = rb::MintWaitTicket(*Keys(), route.factory.challenger().Binding(probe),
                                                UnixNow() - 10, "/shop");
  Exchange back = Browser("GET", "/shop?rampart_wait=" + ticket);
  EXPECT_EQ(route.Run(back), Action::kRespond);
  EXPECT_EQ(Status(back), 303);
  EXPECT_EQ(ReplyHeader(back, "Location"), "/shop");
  // Too early: the "almost there" page, not a new challenge.
  const std::string fresh =
      rb::MintWaitTicket(*Keys(), route.factory.challenger().Binding(probe), UnixNow(), "/shop");
  Exchange early = Browser("GET", "/shop?rampart_wait=" + fresh);
  EXPECT_EQ(route.Run(early), Action::kRespond);
  EXPECT_EQ(Status(early), 403);
  EXPECT_THAT(early.local_reply()->body, HasSubstr("Almost there"));
  EXPECT_TRUE(early.findings().empty());
  EXPECT_EQ(route.counters->issued(), 0u);
}

TEST(BotStageTest, ClearedClientPasses) {
  Route route(Mode::kAlways);
  Exchange probe = Browser();
  const std::string cookie =
      rb::MintClearance(*Keys(), route.factory.challenger().Binding(probe), UnixNow() + 60);
  Exchange ex = Browser();
  ex.request().headers.Add("Cookie", "rampart_clearance=" + cookie);
  ExpectPassed(ex, route.Run(ex));
  // A clearance an earlier stage found on this exchange counts too.
  Exchange decided = Browser();
  decided.bot().cleared = true;
  ExpectPassed(decided, route.Run(decided));
  // A forged cookie does not.
  Exchange forged = Browser();
  forged.request().headers.Add("Cookie", "rampart_clearance=7.9999999999." + std::string(64, 'a'));
  ExpectChallenged(forged, route.Run(forged), "challenged: bot.challenge: always");
}

TEST(BotStageTest, AllowListedClientPasses) {
  Route route(Mode::kAlways);
  Exchange ex = Browser();
  ex.set_allowlisted();
  ExpectPassed(ex, route.Run(ex));
  EXPECT_EQ(route.counters->issued(), 0u);
}

TEST(BotStageTest, GoodBotPasses) {
  auto good_bots = ParseGoodBots(
      "bots:\n  - {name: Examplebot, user_agent: examplebot, ranges: [198.51.100.0/24]}\n");
  ASSERT_NE(good_bots, nullptr);
  Route route(Mode::kAlways, good_bots);
  Exchange ex = Browser();
  ex.request().headers.Set("User-Agent", "Examplebot/2.1 (+https://bot.example/)");
  ExpectPassed(ex, route.Run(ex));
  EXPECT_EQ(ex.bot().good_bot, "Examplebot");
  std::string metrics;
  route.counters->AppendMetrics(metrics);
  EXPECT_THAT(metrics, HasSubstr("rampart_bot_good_bots_total 1\n"));
  EXPECT_EQ(route.counters->issued(), 0u);
}

}  // namespace
}  // namespace rampart::stages::bot
