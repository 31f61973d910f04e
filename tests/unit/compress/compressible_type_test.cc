#include "compress/compressible_type.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace rampart::compress {
namespace {

TEST(CompressibleTypeTest, ExactTypeMatches) {
  const std::vector<std::string> patterns = {"text/html", "application/json"};
  EXPECT_TRUE(IsCompressibleType("text/html", patterns));
  EXPECT_TRUE(IsCompressibleType("application/json", patterns));
  EXPECT_FALSE(IsCompressibleType("text/plain", patterns));
  EXPECT_FALSE(IsCompressibleType("application/jsonx", patterns));
  EXPECT_FALSE(IsCompressibleType("text/htm", patterns));
}

TEST(CompressibleTypeTest, ParametersAndWhitespaceAreIgnored) {
  const std::vector<std::string> patterns = {"text/html"};
  EXPECT_TRUE(IsCompressibleType("text/html; charset=utf-8", patterns));
  EXPECT_TRUE(IsCompressibleType("text/html;charset=\"utf-8\";q=1", patterns));
  EXPECT_TRUE(IsCompressibleType("  text/html\t ; charset=utf-8", patterns));
  EXPECT_TRUE(IsCompressibleType("text/html ", patterns));
}

TEST(CompressibleTypeTest, CaseInsensitiveBothWays) {
  EXPECT_TRUE(
      IsCompressibleType("Text/HTML; Charset=UTF-8", std::vector<std::string>{"text/html"}));
  EXPECT_TRUE(IsCompressibleType("application/json", std::vector<std::string>{"Application/JSON"}));
  EXPECT_TRUE(IsCompressibleType("TEXT/csv", std::vector<std::string>{"text/*"}));
  EXPECT_TRUE(IsCompressibleType("text/csv", std::vector<std::string>{"TEXT/*"}));
}

TEST(CompressibleTypeTest, TypeWildcardMatchesEverySubtypeOfThatTypeOnly) {
  const std::vector<std::string> patterns = {"text/*"};
  EXPECT_TRUE(IsCompressibleType("text/plain", patterns));
  EXPECT_TRUE(IsCompressibleType("text/vnd.whatever+xml; charset=utf-8", patterns));
  EXPECT_FALSE(IsCompressibleType("texts/plain", patterns));
  EXPECT_FALSE(IsCompressibleType("tex/plain", patterns));
  EXPECT_FALSE(IsCompressibleType("application/text", patterns));
  EXPECT_FALSE(IsCompressibleType("text/", patterns));
}

TEST(CompressibleTypeTest, EmptyOrMalformedIsNotCompressible) {
  const std::vector<std::string> patterns = {"text/*", "text/html"};
  EXPECT_FALSE(IsCompressibleType("", patterns));
  EXPECT_FALSE(IsCompressibleType("   ", patterns));
  EXPECT_FALSE(IsCompressibleType("; charset=utf-8", patterns));
  EXPECT_FALSE(IsCompressibleType("text", patterns));
  EXPECT_FALSE(IsCompressibleType("/html", patterns));
  EXPECT_FALSE(IsCompressibleType("text/html", std::vector<std::string>{}));
}

TEST(CompressibleTypeTest, DefaultsCoverTextAndSkipCompressedMedia) {
  const std::span<const std::string> defaults = DefaultCompressibleTypes();
  EXPECT_EQ(defaults.size(), 20u);
  for (const char* type : {"text/html; charset=utf-8",
                           "text/css",
                           "text/javascript",
                           "application/javascript",
                           "application/json",
                           "application/ld+json",
                           "application/manifest+json",
                           "application/xhtml+xml",
                           "application/rss+xml",
                           "application/atom+xml",
                           "application/xml",
                           "text/xml",
                           "text/plain",
                           "text/csv",
                           "text/markdown",
                           "image/svg+xml",
                           "application/wasm",
                           "font/ttf",
                           "font/otf",
                           "application/vnd.ms-fontobject"}) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(IsCompressibleType(type, defaults));
  }
  for (const char* type : {"image/png", "image/jpeg", "image/webp", "video/mp4", "audio/mpeg",
                           "application/zip", "application/gzip", "application/octet-stream",
                           "font/woff2", "font/woff", "text/event-stream"}) {
    SCOPED_TRACE(type);
    EXPECT_FALSE(IsCompressibleType(type, defaults));
  }
  // Every default is an exact type, lower case, so config dumps and docs show them as written.
  for (const std::string& pattern : defaults) {
    EXPECT_EQ(pattern.find('*'), std::string::npos) << pattern;
    EXPECT_TRUE(std::none_of(pattern.begin(), pattern.end(), [](char c) {
      return c >= 'A' && c <= 'Z';
    })) << pattern;
  }
}

}  // namespace
}  // namespace rampart::compress
