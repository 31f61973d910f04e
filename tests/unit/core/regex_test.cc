#include "core/regex.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

namespace rampart::core {
namespace {

// A compiled regex, failing the test when `pattern` does not compile.
std::shared_ptr<const Regex> MustCompile(const std::string& pattern) {
  auto re = Regex::Compile(pattern);
  if (!re.ok()) {
    ADD_FAILURE() << pattern << ": " << re.error().message;
    return nullptr;
  }
  return re.value();
}

TEST(RegexTest, CompileErrorNamesReasonAndOffset) {
  auto re = Regex::Compile("/users/(");
  ASSERT_FALSE(re.ok());
  EXPECT_NE(re.error().message.find("missing closing parenthesis"), std::string::npos)
      << re.error().message;
  EXPECT_NE(re.error().message.find("at offset 8"), std::string::npos) << re.error().message;

  auto bad_class = Regex::Compile("[z-a]");
  ASSERT_FALSE(bad_class.ok());
  EXPECT_NE(bad_class.error().message.find("range out of order"), std::string::npos)
      << bad_class.error().message;
  EXPECT_NE(bad_class.error().message.find("at offset "), std::string::npos);
}

TEST(RegexTest, MatchesAnywhereUnlessAnchored) {
  auto re = MustCompile("b+");
  ASSERT_NE(re, nullptr);
  EXPECT_EQ(re->pattern(), "b+");
  EXPECT_TRUE(re->Matches("abbbc"));
  EXPECT_FALSE(re->Matches("ac"));
  EXPECT_FALSE(re->Matches(""));
  auto anchored = MustCompile("^b$");
  EXPECT_TRUE(anchored->Matches("b"));
  EXPECT_FALSE(anchored->Matches("bb"));
}

TEST(RegexTest, MatchesUsesTheGivenLengthNotANul) {
  auto re = MustCompile("^abc$");
  const std::string text = "abcdef";
  EXPECT_TRUE(re->Matches(std::string_view(text).substr(0, 3)));
  EXPECT_FALSE(re->Matches(std::string_view(text).substr(0, 4)));
}

TEST(RegexTest, SubjectsAreMatchedAsBytes) {
  // Not compiled in UTF mode: attacker bytes that are not UTF-8 are matched, not refused.
  EXPECT_TRUE(MustCompile("^/a.+$")->Matches("/a\xff\xfe"));
  EXPECT_TRUE(MustCompile("\\xff")->Matches("x\xffy"));
  EXPECT_FALSE(MustCompile("^/a.$")->Matches("/a\xc3\xa9"));  // two bytes, not one character
}

TEST(RegexTest, CaptureCount) {
  EXPECT_EQ(MustCompile("abc")->capture_count(), 0u);
  EXPECT_EQ(MustCompile("^/(a)/(?:b)/(?<c>c)$")->capture_count(), 2u);
}

TEST(RegexTest, SubstituteReplacesTheFirstMatchOnly) {
  auto re = MustCompile("o");
  std::string out;
  ASSERT_TRUE(re->Substitute("foo", "0", &out));
  EXPECT_EQ(out, "f0o");
}

TEST(RegexTest, SubstituteNamedGroup) {
  auto re = MustCompile("^/(?<id>[0-9]+)$");
  std::string out;
  ASSERT_TRUE(re->Substitute("/123", "/items/${id}", &out));
  EXPECT_EQ(out, "/items/123");
}

TEST(RegexTest, SubstituteWithNoMatchReturnsFalseAndLeavesOut) {
  auto re = MustCompile("^/old/(.*)$");
  std::string out = "untouched";
  EXPECT_FALSE(re->Substitute("/new/x", "/x/$1", &out));
  EXPECT_EQ(out, "untouched");
}

TEST(RegexTest, SubstituteWithAnUnknownGroupFails) {
  auto re = MustCompile("^(a)$");
  std::string out = "untouched";
  EXPECT_FALSE(re->Substitute("a", "$2", &out));
  EXPECT_EQ(out, "untouched");
}

TEST(RegexTest, SubstituteGrowsItsBufferForLongResults) {
  auto re = MustCompile("^(.*)$");
  const std::string replacement(20, 'x');
  std::string repeated;
  for (int i = 0; i < 200; ++i) repeated += "$1";
  std::string out;
  ASSERT_TRUE(re->Substitute("abcdefgh", replacement + repeated, &out));
  std::string expected = replacement;
  for (int i = 0; i < 200; ++i) expected += "abcdefgh";
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace rampart::core
