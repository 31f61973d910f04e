// The bot challenge's configuration (bot_schema.cc): the top-level `bot` section and a route's
// `bot`, every key, the defaults, the ranges and the API/challenge conflict; and what the runtime
// build makes of it (server/bot_setup.cc): the bot stage in the chain, the page's check.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config_test_support.h"

namespace rampart::config {
namespace {

using namespace test_util;  // config_test_support.h
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Mode = RouteBotConfig::Mode;

// One pool and one route; `route_bot` is the route's `bot` value (line 6), `top` is appended
// after the routes (top-level sections, from line 7 on).
std::string Yaml(const std::string& route_bot, const std::string& top = "") {
  return kOneRouteHead +
         (route_bot.empty() ? std::string("    name: app\n") : "    bot: " + route_bot + "\n") +
         top;
}

// ---- The top-level `bot` ----

TEST(BotConfigTest, EveryTopLevelKey) {
  TempFile bots("bots:\n  - {name: X, user_agent: xbot, ranges: [10.0.0.0/8]}\n");
  TempFile page("{{challenge}} {{difficulty}}");
  const Config c = Load(Yaml("{challenge: always}",
                             "bot:\n"                  // 7
                             "  rotation: 2h\n"        // 8
                             "  clearance_ttl: 30m\n"  // 9
                             "  challenge_ttl: 2m\n"   // 10
                             "  difficulty: 20\n"      // 11
                             "  nojs_delay: 5s\n"      // 12
                             "  good_bots: " +
                                 bots.q() +
                                 "\n"  // 13
                                 "  page: " +
                                 page.q() +
                                 "\n"                     // 14
                                 "  prefix_v4: 32\n"      // 15
                                 "  prefix_v6: 56\n"      // 16
                                 "  cookie: __pass\n"));  // 17
  const BotGlobalConfig& b = c.bot;
  EXPECT_EQ(b.rotation_ms, 7'200'000u);
  EXPECT_EQ(b.clearance_ttl_ms, 1'800'000u);
  EXPECT_EQ(b.challenge_ttl_ms, 120'000u);
  EXPECT_EQ(b.difficulty, 20u);
  EXPECT_EQ(b.nojs_delay_ms, 5'000u);
  EXPECT_EQ(b.good_bots, bots.path());
  EXPECT_EQ(b.page, page.path());
  EXPECT_EQ(b.prefix_v4, 32u);
  EXPECT_EQ(b.prefix_v6, 56u);
  EXPECT_EQ(b.cookie, "__pass");
  EXPECT_EQ(b.mark.file, "t.yaml");
  EXPECT_EQ(b.mark.line, 7);
}

TEST(BotConfigTest, TopLevelDefaults) {
  const Config c = Load(Yaml(""));
  const BotGlobalConfig& b = c.bot;
  EXPECT_EQ(b.rotation_ms, 3'600'000u);
  EXPECT_EQ(b.clearance_ttl_ms, 3'600'000u);
  EXPECT_EQ(b.challenge_ttl_ms, 300'000u);
  EXPECT_EQ(b.difficulty, 20u);
  EXPECT_EQ(b.nojs_delay_ms, 10'000u);
  EXPECT_EQ(b.good_bots, "");
  EXPECT_EQ(b.page, "");
  EXPECT_EQ(b.prefix_v4, 24u);
  EXPECT_EQ(b.prefix_v6, 64u);
  EXPECT_EQ(b.cookie, "rampart_clearance");
  EXPECT_FALSE(c.routes.at(0).bot.has_value());
  // An empty section is the defaults too.
  const Config empty = Load(Yaml("", "bot: {}\n"));
  EXPECT_EQ(empty.bot.difficulty, 20u);
  EXPECT_EQ(empty.bot.cookie, "rampart_clearance");
}

TEST(BotConfigTest, TopLevelRangeEnds) {
  const Config low = Load(Yaml("",
                               "bot: {rotation: 1m, clearance_ttl: 1s, challenge_ttl: 10s, "
                               "difficulty: 0, nojs_delay: 1s, prefix_v4: 8, prefix_v6: 16}\n"));
  EXPECT_EQ(low.bot.rotation_ms, 60'000u);
  EXPECT_EQ(low.bot.clearance_ttl_ms, 1'000u);
  EXPECT_EQ(low.bot.challenge_ttl_ms, 10'000u);
  EXPECT_EQ(low.bot.difficulty, 0u);
  EXPECT_EQ(low.bot.nojs_delay_ms, 1'000u);
  EXPECT_EQ(low.bot.prefix_v4, 8u);
  EXPECT_EQ(low.bot.prefix_v6, 16u);
  const Config high = Load(Yaml("", "bot: {difficulty: 32, prefix_v4: 32, prefix_v6: 128}\n"));
  EXPECT_EQ(high.bot.difficulty, 32u);
  EXPECT_EQ(high.bot.prefix_v4, 32u);
  EXPECT_EQ(high.bot.prefix_v6, 128u);
}

TEST(BotConfigErrorTest, TopLevelOutOfRange) {
  EXPECT_THAT(Errors(Yaml("",
                          "bot:\n"                    // 7
                          "  rotation: 59s\n"         // 8
                          "  clearance_ttl: 999ms\n"  // 9
                          "  challenge_ttl: 9s\n"     // 10
                          "  difficulty: 33\n"        // 11
                          "  nojs_delay: 500ms\n"     // 12
                          "  prefix_v4: 7\n"          // 13
                          "  prefix_v6: 129\n")),     // 14
              ElementsAre("t.yaml:8: bot.rotation: must be at least 60000ms",
                          "t.yaml:9: bot.clearance_ttl: must be at least 1000ms",
                          "t.yaml:10: bot.challenge_ttl: must be at least 10000ms",
                          "t.yaml:11: bot.difficulty: must be between 0 and 32",
                          "t.yaml:12: bot.nojs_delay: must be at least 1000ms",
                          "t.yaml:13: bot.prefix_v4: must be between 8 and 32",
                          "t.yaml:14: bot.prefix_v6: must be between 16 and 128"));
  EXPECT_THAT(Errors(Yaml("", "bot: {difficulty: -1, prefix_v6: 15}\n")),
              ElementsAre("t.yaml:7: bot.difficulty: must be between 0 and 32",
                          "t.yaml:7: bot.prefix_v6: must be between 16 and 128"));
}

// A token is good for at most two rotation periods: a longer TTL would promise more than it keeps.
TEST(BotConfigErrorTest, TtlsWithinTheRotation) {
  EXPECT_THAT(Errors(Yaml("", "bot: {rotation: 10m, clearance_ttl: 1h, challenge_ttl: 20m}\n")),
              ElementsAre("t.yaml:7: bot.clearance_ttl: must not exceed rotation (tokens are good "
                          "for at most two rotation periods)",
                          "t.yaml:7: bot.challenge_ttl: must not exceed rotation (tokens are good "
                          "for at most two rotation periods)"));
  // The default TTLs (1h, 5m) against a short rotation: the rotation is what is wrong.
  EXPECT_THAT(Errors(Yaml("", "bot: {rotation: 2m}\n")),
              ElementsAre("t.yaml:7: bot.rotation: must be at least clearance_ttl",
                          "t.yaml:7: bot.rotation: must be at least challenge_ttl"));
}

TEST(BotConfigErrorTest, TopLevelValues) {
  EXPECT_THAT(Errors(Yaml("",
                          "bot:\n"                              // 7
                          "  rotation: hourly\n"                // 8
                          "  difficulty: high\n"                // 9
                          "  cookie: \"a b\"\n"                 // 10
                          "  good_bots: /nonexistent/b.yaml\n"  // 11
                          "  page: /tmp\n"                      // 12
                          "  captcha: true\n")),                // 13
              ElementsAre("t.yaml:8: bot.rotation: expected a duration such as 500ms, 5s, 10m",
                          "t.yaml:9: bot.difficulty: expected an integer",
                          "t.yaml:10: bot.cookie: expected a cookie name",
                          "t.yaml:11: bot.good_bots: cannot read /nonexistent/b.yaml: No such "
                          "file or directory",
                          "t.yaml:12: bot.page: not a regular file: /tmp",
                          "t.yaml:13: bot.captcha: unknown key"));
  EXPECT_THAT(Errors(Yaml("", "bot: [difficulty]\n")),
              ElementsAre("t.yaml:7: bot: expected a map"));
}

// ---- A route's `bot` ----

TEST(BotConfigTest, EveryRouteKey) {
  const Config c = Load(Yaml("{challenge: always, difficulty: 18}"));
  ASSERT_TRUE(c.routes.at(0).bot.has_value());
  const RouteBotConfig& b = *c.routes[0].bot;
  EXPECT_EQ(b.mode, Mode::kAlways);
  EXPECT_FALSE(b.api);
  EXPECT_EQ(b.difficulty, 18u);
  EXPECT_EQ(b.mark.file, "t.yaml");
  EXPECT_EQ(b.mark.line, 6);
}

TEST(BotConfigTest, RouteModesAndDefaults) {
  const RouteBotConfig empty = *Load(Yaml("{}")).routes.at(0).bot;
  EXPECT_EQ(empty.mode, Mode::kSuspicious);
  EXPECT_FALSE(empty.api);
  EXPECT_EQ(empty.difficulty, std::nullopt);
  EXPECT_EQ(Load(Yaml("{challenge: off}")).routes.at(0).bot->mode, Mode::kOff);
  EXPECT_EQ(Load(Yaml("{challenge: suspicious}")).routes.at(0).bot->mode, Mode::kSuspicious);
  EXPECT_EQ(Load(Yaml("{challenge: always}")).routes.at(0).bot->mode, Mode::kAlways);
  EXPECT_EQ(Load(Yaml("{difficulty: 0}")).routes.at(0).bot->difficulty, 0u);
  EXPECT_EQ(Load(Yaml("{difficulty: 32}")).routes.at(0).bot->difficulty, 32u);
}

TEST(BotConfigTest, ApiRouteIsNeverChallenged) {
  const RouteBotConfig api = *Load(Yaml("{api: true}")).routes.at(0).bot;
  EXPECT_TRUE(api.api);
  EXPECT_EQ(api.mode, Mode::kOff);
  const RouteBotConfig api_off = *Load(Yaml("{api: true, challenge: off}")).routes.at(0).bot;
  EXPECT_TRUE(api_off.api);
  EXPECT_EQ(api_off.mode, Mode::kOff);
  const RouteBotConfig not_api = *Load(Yaml("{api: false, challenge: always}")).routes.at(0).bot;
  EXPECT_FALSE(not_api.api);
  EXPECT_EQ(not_api.mode, Mode::kAlways);
}

TEST(BotConfigErrorTest, ApiAndChallengeConflict) {
  const std::string conflict =
      "routes[0].bot.challenge: an API route is never challenged: leave challenge out or set it "
      "to off";
  EXPECT_THAT(Errors(Yaml("{api: true, challenge: always}")), ElementsAre("t.yaml:6: " + conflict));
  EXPECT_THAT(Errors(Yaml("{challenge: suspicious, api: true}")),
              ElementsAre("t.yaml:6: " + conflict));
  EXPECT_THAT(Errors(Yaml("\n      api: true\n      challenge: always")),
              ElementsAre("t.yaml:8: " + conflict));
}

// The IP deny list may challenge instead of block (on routes with `bot`).
TEST(BotConfigTest, DenyListAction) {
  EXPECT_EQ(Load(Yaml("")).ip_reputation.deny_action, config::DenyAction::kBlock);
  EXPECT_EQ(Load(Yaml("", "ip_reputation: {deny: [192.0.2.0/24], deny_action: challenge}\n"))
                .ip_reputation.deny_action,
            config::DenyAction::kChallenge);
  EXPECT_THAT(Errors(Yaml("", "ip_reputation: {deny_action: captcha}\n")),
              ElementsAre("t.yaml:7: ip_reputation.deny_action: expected one of: block, "
                          "challenge"));
}

TEST(BotConfigErrorTest, RouteValues) {
  EXPECT_THAT(Errors(Yaml("{challenge: sometimes}")),
              ElementsAre("t.yaml:6: routes[0].bot.challenge: expected one of: off, suspicious, "
                          "always"));
  EXPECT_THAT(Errors(Yaml("{difficulty: 33}")),
              ElementsAre("t.yaml:6: routes[0].bot.difficulty: must be between 0 and 32"));
  EXPECT_THAT(Errors(Yaml("{difficulty: -1}")),
              ElementsAre("t.yaml:6: routes[0].bot.difficulty: must be between 0 and 32"));
  EXPECT_THAT(Errors(Yaml("{api: maybe}")),
              ElementsAre(HasSubstr("t.yaml:6: routes[0].bot.api: expected")));
  EXPECT_THAT(Errors(Yaml("{rotation: 1h}")),
              ElementsAre("t.yaml:6: routes[0].bot.rotation: unknown key"));
  EXPECT_THAT(Errors(Yaml("always")), ElementsAre("t.yaml:6: routes[0].bot: expected a map"));
}

// ---- The runtime build ----

std::vector<std::string> StageNames(const proxy::Runtime& runtime) {
  std::vector<std::string> names;
  for (const auto& factory : runtime.router.routes().at(0)->chain.factories()) {
    names.emplace_back(factory->name());
  }
  return names;
}

TEST(BotConfigBuildTest, TheStageIsOnChallengingRoutesOnly) {
  for (const char* bot : {"{challenge: always}", "{challenge: suspicious}", "{}"}) {
    auto runtime = Build(Yaml(bot));
    ASSERT_NE(runtime, nullptr);
    const std::vector<std::string> names = StageNames(*runtime);
    EXPECT_EQ(std::count(names.begin(), names.end(), "bot"), 1) << bot;
  }
  for (const char* bot : {"{challenge: off}", "{api: true}", ""}) {
    auto runtime = Build(Yaml(bot));
    ASSERT_NE(runtime, nullptr);
    const std::vector<std::string> names = StageNames(*runtime);
    EXPECT_EQ(std::count(names.begin(), names.end(), "bot"), 0) << bot;
  }
}

TEST(BotConfigBuildTest, AnOperatorsPageIsCheckedAndWatched) {
  TempFile good("<p>{{challenge}} {{difficulty}}</p>");
  auto runtime = Build(Yaml("{challenge: always}", "bot: {page: " + good.q() + "}\n"));
  ASSERT_NE(runtime, nullptr);
  bool watched = false;
  for (const auto& [path, stamp] : runtime->watched_files) watched |= path == good.path();
  EXPECT_TRUE(watched);

  TempFile bad("<p>{{challenge}}</p>");
  const std::vector<std::string> errors =
      BuildErrors(Yaml("{challenge: always}", "bot: {page: " + bad.q() + "}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("t.yaml:7: bot"));
  EXPECT_THAT(errors[0], HasSubstr(bad.path() + ": a challenge page needs {{difficulty}}"));
}

TEST(BotConfigBuildTest, AGoodBotListsErrorsNameItsLine) {
  TempFile bots("bots:\n  - {name: X, user_agent: xbot}\n");
  const std::vector<std::string> errors =
      BuildErrors(Yaml("{challenge: always}", "bot: {good_bots: " + bots.q() + "}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr(bots.path() + ":2: bots[0]: expected ranges or ranges_file"));
}

}  // namespace
}  // namespace rampart::config
