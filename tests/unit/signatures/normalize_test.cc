#include "signatures/normalize.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::signatures {
namespace {

TEST(SignatureNormalizeTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%2e%2E%2f", false), "../");
  // IIS %u: the character's UTF-8 form; ASCII stays one byte.
  EXPECT_EQ(PercentDecode("%u002e%u002E/%u00e9", false), "../\xC3\xA9");
  // Not escapes: kept as they are.
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%u12", false), "%u12");
  EXPECT_EQ(PercentDecode("%00x", false), std::string("\0x", 2));
  // Decoded once only: a double encoding shows as a single one.
  EXPECT_EQ(PercentDecode("%252e", false), "%2e");
}

TEST(SignatureNormalizeTest, RemoveNul) {
  std::string s("a\0b\0\0c", 6);
  RemoveNul(s);
  EXPECT_EQ(s, "abc");
}

TEST(SignatureNormalizeTest, NormalizePath) {
  EXPECT_EQ(NormalizePath("/a/./b/../c//d"), "/a/c/d");
  EXPECT_EQ(NormalizePath("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(NormalizePath("\\windows\\..\\win.ini"), "/win.ini");
  EXPECT_EQ(NormalizePath("/static/..\\..\\etc/passwd"), "/etc/passwd");
  EXPECT_EQ(NormalizePath("/a/b/"), "/a/b/");
  EXPECT_EQ(NormalizePath("/a/b/.."), "/a/");
  EXPECT_EQ(NormalizePath(""), "/");
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("relative/./x"), "/relative/x");
}

TEST(SignatureNormalizeTest, DecodeHtmlEntities) {
  EXPECT_EQ(DecodeHtmlEntities("&lt;script&gt;"), "<script>");
  EXPECT_EQ(DecodeHtmlEntities("&#60;&#x3c;&#X3C;&#60"), "<<<<");
  EXPECT_EQ(DecodeHtmlEntities("a&amp;b&quot;&apos;&nbsp;"), "a&b\"' ");
  EXPECT_EQ(DecodeHtmlEntities("&#233;"), "\xC3\xA9");
  // Unknown or incomplete: kept.
  EXPECT_EQ(DecodeHtmlEntities("&copy; &lt &# &#x; AT&T"), "&copy; &lt &# &#x; AT&T");
}

}  // namespace
}  // namespace rampart::signatures
