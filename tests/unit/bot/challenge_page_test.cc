// The challenge page: every placeholder filled in (each occurrence), values escaped for HTML, a
// template without {{challenge}} or {{difficulty}} refused, and the built-in page
// (challenge/challenge.html, compiled in) holding every placeholder the page needs.

#include "bot/challenge_page.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace rampart::bot {
namespace {

PageValues Values() {
  PageValues v;
  v.challenge = "100.1700000000.16.0123456789abcdef.beef";
  v.difficulty = 16;
  v.verify_path = "/app/page?x=1";
  v.nojs_url = "/app/page?x=1&rampart_wait=100.1700000000.cafe";
  v.nojs_delay_s = 10;
  v.site = "app.example";
  v.method = "GET";
  return v;
}

size_t Count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST(ChallengePageTest, EveryPlaceholderFilled) {
  const std::string page =
      "c={{challenge}} d={{difficulty}} v={{verify_path}} n={{nojs_url}} w={{nojs_delay}} "
      "s={{site}} m={{method}}";
  EXPECT_EQ(RenderChallengePage(page, Values()),
            "c=100.1700000000.16.0123456789abcdef.beef d=16 v=/app/page?x=1 "
            "n=/app/page?x=1&amp;rampart_wait=100.1700000000.cafe w=10 s=app.example m=GET");
}

TEST(ChallengePageTest, EachOccurrenceFilled) {
  EXPECT_EQ(RenderChallengePage("{{site}}|{{site}}{{site}}|{{difficulty}}{{difficulty}}", Values()),
            "app.example|app.exampleapp.example|1616");
}

TEST(ChallengePageTest, ValuesEscapedForHtml) {
  PageValues v = Values();
  v.site = "<script>alert(1)</script>";
  v.verify_path = "/a?q=\"x\"&r='y'";
  v.method = "P<O>ST";
  v.challenge = "a&b";
  v.nojs_url = "/n?\"><img src=x>";
  EXPECT_EQ(
      RenderChallengePage("{{site}} {{verify_path}} {{method}} {{challenge}} {{nojs_url}}", v),
      "&lt;script&gt;alert(1)&lt;/script&gt; /a?q=&quot;x&quot;&amp;r=&#39;y&#39; "
      "P&lt;O&gt;ST a&amp;b /n?&quot;&gt;&lt;img src=x&gt;");
}

TEST(ChallengePageTest, OtherBracesKeptAsTheyAre) {
  // Unknown placeholders, lone braces, a value that itself looks like a placeholder (filled
  // once, never expanded again), and braces at the very end.
  PageValues v = Values();
  v.site = "{{challenge}}";
  EXPECT_EQ(RenderChallengePage("{{other}} {x} {{ site }} {{site}} {{", v),
            "{{other}} {x} {{ site }} {{challenge}} {{");
  EXPECT_EQ(RenderChallengePage("", v), "");
  EXPECT_EQ(RenderChallengePage("no placeholders", v), "no placeholders");
}

TEST(ChallengePageTest, CheckNeedsChallengeAndDifficulty) {
  EXPECT_TRUE(CheckChallengePage("{{challenge}} {{difficulty}}", "page.html").ok());
  const core::Status no_challenge = CheckChallengePage("{{difficulty}} {{site}}", "page.html");
  ASSERT_FALSE(no_challenge.ok());
  EXPECT_EQ(no_challenge.error().message, "page.html: a challenge page needs {{challenge}}");
  const core::Status no_difficulty = CheckChallengePage("{{challenge}}", "/etc/rampart/my.html");
  ASSERT_FALSE(no_difficulty.ok());
  EXPECT_EQ(no_difficulty.error().message,
            "/etc/rampart/my.html: a challenge page needs {{difficulty}}");
  const core::Status empty = CheckChallengePage("", "x");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "x: a challenge page needs {{challenge}}");
}

TEST(ChallengePageTest, BuiltInPageHoldsEveryPlaceholder) {
  const std::string_view page = BuiltInChallengePage();
  ASSERT_FALSE(page.empty());
  EXPECT_TRUE(CheckChallengePage(page, "built-in").ok());
  for (std::string_view placeholder :
       {"{{challenge}}", "{{difficulty}}", "{{verify_path}}", "{{nojs_url}}", "{{nojs_delay}}",
        "{{site}}", "{{method}}"}) {
    EXPECT_GE(Count(page, placeholder), 1u) << placeholder;
  }
  EXPECT_NE(page.find("<!DOCTYPE html>"), std::string_view::npos);
  EXPECT_NE(page.find("</html>"), std::string_view::npos);
}

TEST(ChallengePageTest, BuiltInPageRendersCompletely) {
  const std::string html = RenderChallengePage(BuiltInChallengePage(), Values());
  // Nothing left to fill, and the values are where the page's script reads them.
  EXPECT_EQ(html.find("{{"), std::string::npos);
  EXPECT_NE(html.find("data-challenge=\"100.1700000000.16.0123456789abcdef.beef\""),
            std::string::npos);
  EXPECT_NE(html.find("data-difficulty=\"16\""), std::string::npos);
  EXPECT_NE(html.find("data-verify=\"/app/page?x=1\""), std::string::npos);
  EXPECT_NE(html.find("data-nojs-url=\"/app/page?x=1&amp;rampart_wait=100.1700000000.cafe\""),
            std::string::npos);
  EXPECT_NE(html.find("content=\"10;url=/app/page?x=1&amp;rampart_wait="), std::string::npos);
}

}  // namespace
}  // namespace rampart::bot
