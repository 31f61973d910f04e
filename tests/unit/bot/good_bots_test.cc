// Verified good bots: a name in the User-Agent AND an address in the bot's ranges; the list's
// errors name the file and line.

#include "bot/good_bots.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <variant>

namespace rampart::bot {
namespace {

std::shared_ptr<const GoodBots> Parsed(const std::string& yaml) {
  auto parsed = GoodBots::Parse(yaml, "bots.yaml");
  if (auto* errors = std::get_if<std::vector<std::string>>(&parsed)) {
    ADD_FAILURE() << (errors->empty() ? "" : errors->front());
    return nullptr;
  }
  return std::get<std::shared_ptr<const GoodBots>>(parsed);
}

std::vector<std::string> Errors(const std::string& yaml) {
  auto parsed = GoodBots::Parse(yaml, "bots.yaml");
  if (auto* errors = std::get_if<std::vector<std::string>>(&parsed)) return *errors;
  return {};
}

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }

TEST(GoodBotsTest, UserAgentAndAddressTogether) {
  auto bots = Parsed(
      "bots:\n"
      "  - name: Googlebot\n"
      "    user_agent: Googlebot\n"
      "    ranges: [66.249.64.0/19, '2001:4860:4801::/48']\n");
  ASSERT_NE(bots, nullptr);
  const std::string ua = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  EXPECT_EQ(bots->Match(ua, Ip("66.249.66.1")), "Googlebot");
  EXPECT_EQ(bots->Match("mozilla/5.0 (compatible; googlebot/2.1)", Ip("2001:4860:4801::1")),
            "Googlebot");
  // The user-agent alone, or the address alone, is not enough.
  EXPECT_EQ(bots->Match(ua, Ip("203.0.113.5")), std::nullopt);
  EXPECT_EQ(bots->Match("curl/8.0", Ip("66.249.66.1")), std::nullopt);
  EXPECT_EQ(bots->Match("", Ip("66.249.66.1")), std::nullopt);
}

TEST(GoodBotsTest, RangesFileBesideTheList) {
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "/bing.txt") << "# comment\n157.55.39.0/24\n";
  std::ofstream(dir + "/bots.yaml") << "bots:\n"
                                       "  - {name: Bingbot, user_agent: bingbot, "
                                       "ranges_file: bing.txt}\n";
  auto loaded = GoodBots::Load(dir + "/bots.yaml");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const GoodBots>>(loaded));
  auto bots = std::get<std::shared_ptr<const GoodBots>>(loaded);
  EXPECT_EQ(bots->Match("Mozilla/5.0 (compatible; bingbot/2.0)", Ip("157.55.39.7")), "Bingbot");
  EXPECT_EQ(bots->files(), std::vector<std::string>{dir + "/bing.txt"});
}

TEST(GoodBotsTest, ErrorsNameTheLine) {
  EXPECT_EQ(Errors("bots:\n  - {name: X, user_agent: Xbot}\n"),
            std::vector<std::string>{"bots.yaml:2: bots[0]: expected ranges or ranges_file: a "
                                     "user-agent alone verifies nothing"});
  auto bad_range = Errors("bots:\n  - {name: X, user_agent: Xbot, ranges: [not-a-cidr]}\n");
  ASSERT_EQ(bad_range.size(), 1u);
  EXPECT_EQ(bad_range[0].rfind("bots.yaml:2: bots[0].ranges[0]: ", 0), 0u) << bad_range[0];
  auto missing = Errors("bots:\n  - {name: X, user_agent: Xbot, ranges_file: /nonexistent}\n");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].find("/nonexistent"), std::string::npos);
  EXPECT_EQ(Errors("bots:\n  - {name: X, user_agent: ab, ranges: [10.0.0.0/8]}\n"),
            std::vector<std::string>{"bots.yaml:2: bots[0].user_agent: expected at least 3 "
                                     "characters of the bot's User-Agent"});
}

TEST(GoodBotsTest, TheShippedListLoads) {
  auto loaded = GoodBots::Load(std::string(RAMPART_SOURCE_DIR) + "/rules/good-bots.yaml");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const GoodBots>>(loaded))
      << std::get<std::vector<std::string>>(loaded).front();
  auto bots = std::get<std::shared_ptr<const GoodBots>>(loaded);
  EXPECT_GE(bots->bots().size(), 3u);
  EXPECT_EQ(bots->Match("Mozilla/5.0 (compatible; Googlebot/2.1)", Ip("66.249.66.1")), "Googlebot");
}

}  // namespace
}  // namespace rampart::bot
