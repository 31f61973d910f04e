#include "http/parse_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace rampart::http {
namespace {

constexpr auto kLast = ParseError::kBadStatusLine;

TEST(HttpParseErrorTest, StatusFor) {
  EXPECT_EQ(StatusFor(ParseError::kBadRequestLine), 400);
  EXPECT_EQ(StatusFor(ParseError::kObsFold), 400);
  EXPECT_EQ(StatusFor(ParseError::kContentLengthWithChunked), 400);
  EXPECT_EQ(StatusFor(ParseError::kBadChunkSize), 400);
  EXPECT_EQ(StatusFor(ParseError::kUriTooLong), 414);
  EXPECT_EQ(StatusFor(ParseError::kHeadersTooLarge), 431);
  EXPECT_EQ(StatusFor(ParseError::kTooManyHeaders), 431);
  EXPECT_EQ(StatusFor(ParseError::kUnsupportedTransferEncoding), 501);
  EXPECT_EQ(StatusFor(ParseError::kUnsupportedVersion), 505);
  EXPECT_EQ(StatusFor(ParseError::kBadStatusLine), 502);
}

TEST(HttpParseErrorTest, Names) {
  EXPECT_EQ(ParseErrorName(ParseError::kNone), "none");
  EXPECT_EQ(ParseErrorName(ParseError::kObsFold), "obs_fold");
  EXPECT_EQ(ParseErrorName(ParseError::kUriTooLong), "uri_too_long");
  EXPECT_EQ(ParseErrorName(ParseError::kTransferEncodingHttp10), "transfer_encoding_http10");
  EXPECT_EQ(ParseErrorName(ParseError::kBadStatusLine), "bad_status_line");
}

// Metrics labels must be unique, stable snake_case; every value has one.
TEST(HttpParseErrorTest, EveryValueHasADistinctSnakeCaseName) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(kLast); ++i) {
    const std::string_view name = ParseErrorName(static_cast<ParseError>(i));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char c : name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << name;
    }
    const int status = StatusFor(static_cast<ParseError>(i));
    EXPECT_TRUE(status >= 400 && status <= 599) << name;
  }
}

}  // namespace
}  // namespace rampart::http
