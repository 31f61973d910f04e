#include "config/regex_check.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::config {
namespace {

TEST(CheckRegexTest, ReturnsCaptureCount) {
  EXPECT_EQ(CheckRegex("^/api/").value(), 0u);
  EXPECT_EQ(CheckRegex("^/v([0-9]+)/(.*)$").value(), 2u);
  EXPECT_EQ(CheckRegex("(?:a)(?<name>b)").value(), 1u);
}

TEST(CheckRegexTest, ReportsMessageAndOffset) {
  core::Result<uint32_t> result = CheckRegex("^/(api");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "missing closing parenthesis at offset 6");
  result = CheckRegex("a{2,1}");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "numbers out of order in {} quantifier at offset 5");
}

TEST(CheckRegexTest, PatternMayContainNul) {
  EXPECT_TRUE(CheckRegex(std::string_view("a\0b", 3)).ok());
}

std::string ReplacementError(std::string_view replacement, uint32_t captures) {
  core::Status status = CheckReplacement(replacement, captures);
  return status.ok() ? "" : status.error().message;
}

TEST(CheckReplacementTest, GroupReferences) {
  EXPECT_EQ(ReplacementError("/static", 0), "");
  EXPECT_EQ(ReplacementError("/$0", 0), "");
  EXPECT_EQ(ReplacementError("/$1/${2}", 2), "");
  EXPECT_EQ(ReplacementError("/$$3", 0), "");   // "$$" is a literal dollar
  EXPECT_EQ(ReplacementError("/$", 0), "");     // a trailing '$' is literal
  EXPECT_EQ(ReplacementError("/${x}", 0), "");  // not a group reference
  EXPECT_EQ(ReplacementError("/$12", 12), "");
  EXPECT_EQ(ReplacementError("/$1", 0),
            "replacement refers to $1 but the regex has 0 capture groups");
  EXPECT_EQ(ReplacementError("/${3}", 2),
            "replacement refers to $3 but the regex has 2 capture groups");
  EXPECT_EQ(ReplacementError("/$13", 12),
            "replacement refers to $13 but the regex has 12 capture groups");
  EXPECT_EQ(ReplacementError("/$99999999999999999999", 1),
            "replacement refers to $99999999999999999999 but the regex has 1 capture group");
}

}  // namespace
}  // namespace rampart::config
