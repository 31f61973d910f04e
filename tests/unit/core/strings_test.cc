#include "core/strings.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

namespace rampart::core {
namespace {

TEST(ParseDurationMsTest, Units) {
  EXPECT_EQ(ParseDurationMs("0ms"), 0u);
  EXPECT_EQ(ParseDurationMs("500ms"), 500u);
  EXPECT_EQ(ParseDurationMs("5s"), 5'000u);
  EXPECT_EQ(ParseDurationMs("10m"), 600'000u);
  EXPECT_EQ(ParseDurationMs("2h"), 7'200'000u);
  EXPECT_EQ(ParseDurationMs("007s"), 7'000u);
}

TEST(ParseDurationMsTest, RejectsBadUnitsAndShapes) {
  for (const char* text : {"", "5", "s", "ms", "5x", "5sec", "5S", "5MS", "5 s", " 5s", "5s ",
                           "1.5s", "-5s", "+5s", "5ms5", "1d", "0x10s"}) {
    EXPECT_EQ(ParseDurationMs(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(ParseDurationMsTest, Overflow) {
  EXPECT_EQ(ParseDurationMs("18446744073709551615ms"), UINT64_MAX);
  EXPECT_EQ(ParseDurationMs("18446744073709551616ms"), std::nullopt);  // number itself overflows
  EXPECT_EQ(ParseDurationMs("18446744073709551s"), 18446744073709551000u);
  EXPECT_EQ(ParseDurationMs("18446744073709552s"), std::nullopt);  // * 1000 overflows
  EXPECT_EQ(ParseDurationMs("307445734561825861m"), std::nullopt);
  EXPECT_EQ(ParseDurationMs("5124095576030432h"), std::nullopt);
}

TEST(ParseSizeTest, Units) {
  EXPECT_EQ(ParseSize("0"), 0u);
  EXPECT_EQ(ParseSize("512"), 512u);
  EXPECT_EQ(ParseSize("512B"), 512u);
  EXPECT_EQ(ParseSize("64KiB"), 64u * 1024);
  EXPECT_EQ(ParseSize("1MiB"), 1024u * 1024);
  EXPECT_EQ(ParseSize("2GiB"), 2ULL * 1024 * 1024 * 1024);
  EXPECT_EQ(ParseSize("10KB"), 10'000u);
  EXPECT_EQ(ParseSize("10k"), 10'000u);
  EXPECT_EQ(ParseSize("1MB"), 1'000'000u);
  EXPECT_EQ(ParseSize("3GB"), 3'000'000'000u);
}

TEST(ParseSizeTest, RejectsBadUnitsAndShapes) {
  for (const char* text : {"", "KiB", "1kib", "1Kib", "1K", "1KIB", "1 KiB", "1.5MiB", "-1", "+1",
                           "1TiB", "1b", "1m", "1MiBs", " 1"}) {
    EXPECT_EQ(ParseSize(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(ParseSizeTest, Overflow) {
  EXPECT_EQ(ParseSize("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseSize("18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseSize("17179869183GiB"), 17179869183ULL << 30);
  EXPECT_EQ(ParseSize("17179869184GiB"), std::nullopt);  // 2^34 GiB = 2^64 bytes
  EXPECT_EQ(ParseSize("18014398509481984KiB"), std::nullopt);
  EXPECT_EQ(ParseSize("18446744073709552KB"), std::nullopt);
}

std::string Escaped(std::string_view value) {
  std::string out;
  AppendJsonEscaped(out, value);
  return out;
}

TEST(AppendJsonEscapedTest, PlainTextIsUnchanged) {
  EXPECT_EQ(Escaped(""), "");
  EXPECT_EQ(Escaped("GET /index.html?a=1&b=<x>"), "GET /index.html?a=1&b=<x>");
}

TEST(AppendJsonEscapedTest, AppendsToExistingContent) {
  std::string out = "{\"uri\":\"";
  AppendJsonEscaped(out, "/a\"b");
  EXPECT_EQ(out, "{\"uri\":\"/a\\\"b");
}

TEST(AppendJsonEscapedTest, QuotesAndBackslashes) {
  EXPECT_EQ(Escaped("\"quoted\""), "\\\"quoted\\\"");
  EXPECT_EQ(Escaped("C:\\dir"), "C:\\\\dir");
}

TEST(AppendJsonEscapedTest, ControlBytesBecomeUnicodeEscapes) {
  EXPECT_EQ(Escaped(std::string_view("a\0b", 3)), "a\\u0000b");
  EXPECT_EQ(Escaped("\r\n\t"), "\\u000d\\u000a\\u0009");
  EXPECT_EQ(Escaped("\x1f\x7f"), "\\u001f\\u007f");
}

TEST(AppendJsonEscapedTest, KeepsValidUtf8) {
  EXPECT_EQ(Escaped("caf\xc3\xa9"), "caf\xc3\xa9");            // 2 bytes
  EXPECT_EQ(Escaped("\xe2\x82\xac"), "\xe2\x82\xac");          // 3 bytes (euro)
  EXPECT_EQ(Escaped("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");  // 4 bytes (emoji)
  EXPECT_EQ(Escaped("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF
}

TEST(AppendJsonEscapedTest, ReplacesInvalidBytes) {
  EXPECT_EQ(Escaped("\x80"), "\\ufffd");             // stray continuation byte
  EXPECT_EQ(Escaped("a\xc3"), "a\\ufffd");           // truncated at the end
  EXPECT_EQ(Escaped("\xc3(x"), "\\ufffd(x");         // lead without continuation
  EXPECT_EQ(Escaped("\xc0\xaf"), "\\ufffd\\ufffd");  // overlong 2-byte lead
  EXPECT_EQ(Escaped("\xe2\x82"), "\\ufffd\\ufffd");  // truncated 3-byte sequence
}

// The cases below are invalid UTF-8 (RFC 3629) that AppendJsonEscaped currently keeps, so an
// attacker's bytes can make an attack-log line that strict JSON readers reject. Disabled
// until src/core/strings.cc checks the second byte's range for E0, ED, F0 and F4 leads and
// treats F8-FF as invalid; enable them with that fix.
TEST(AppendJsonEscapedTest, ReplacesInvalidLeadBytes) {
  EXPECT_EQ(Escaped("\xff\x80\x80"), "\\ufffd\\ufffd\\ufffd");
  EXPECT_EQ(Escaped("\xf8\x80\x80"), "\\ufffd\\ufffd\\ufffd");
  EXPECT_EQ(Escaped("\xf5\x80\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF lead
}

TEST(AppendJsonEscapedTest, ReplacesOverlongSurrogateAndOutOfRange) {
  EXPECT_EQ(Escaped("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd");             // overlong '/'
  EXPECT_EQ(Escaped("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");             // UTF-16 surrogate
  EXPECT_EQ(Escaped("\xf0\x80\x80\xaf"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // overlong
  EXPECT_EQ(Escaped("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF
}

// The escaped prefix of `value` that fits in `max` bytes, and how many input bytes it took.
std::pair<std::string, size_t> EscapedPrefix(std::string_view value, size_t max) {
  std::string out;
  const size_t consumed = AppendJsonEscapedPrefix(out, value, max);
  return {out, consumed};
}

TEST(AppendJsonEscapedPrefixTest, AllFits) {
  EXPECT_EQ(EscapedPrefix("abc", 3), std::make_pair(std::string("abc"), size_t{3}));
  EXPECT_EQ(EscapedPrefix("", 0), std::make_pair(std::string(), size_t{0}));
}

TEST(AppendJsonEscapedPrefixTest, CutsOnEscapedSize) {
  EXPECT_EQ(EscapedPrefix("abcdef", 4), std::make_pair(std::string("abcd"), size_t{4}));
  // "\"" takes 2 bytes: it does not fit in the last one.
  EXPECT_EQ(EscapedPrefix("ab\"c", 3), std::make_pair(std::string("ab"), size_t{2}));
  // A control byte takes 6 (\u0000).
  EXPECT_EQ(EscapedPrefix(std::string_view("a\0b", 3), 6),
            std::make_pair(std::string("a"), size_t{1}));
  EXPECT_EQ(EscapedPrefix(std::string_view("a\0b", 3), 7),
            std::make_pair(std::string("a\\u0000"), size_t{2}));
}

TEST(AppendJsonEscapedPrefixTest, NeverSplitsACharacter) {
  // The euro sign is 3 bytes: 2 bytes of room hold only "a".
  EXPECT_EQ(EscapedPrefix("a\xe2\x82\xac", 3), std::make_pair(std::string("a"), size_t{1}));
  EXPECT_EQ(EscapedPrefix("a\xe2\x82\xac", 4),
            std::make_pair(std::string("a\xe2\x82\xac"), size_t{4}));
  // An invalid byte becomes \ufffd (6 bytes) and consumes one input byte.
  EXPECT_EQ(EscapedPrefix("\xff\xff", 11), std::make_pair(std::string("\\ufffd"), size_t{1}));
}

TEST(AppendJsonEscapedPrefixTest, MatchesAppendJsonEscapedWhenAllFits) {
  const std::string value = std::string("q\"\\\x01\x7f\xc3\xa9\xff\xf0\x9f\x98\x80 end", 16);
  const std::string whole = Escaped(value);
  EXPECT_EQ(EscapedPrefix(value, whole.size()), std::make_pair(whole, value.size()));
  // One byte less cuts the last character off.
  EXPECT_EQ(EscapedPrefix(value, whole.size() - 1).second, value.size() - 1);
  for (size_t max = 0; max <= whole.size(); ++max) {
    const auto [out, consumed] = EscapedPrefix(value, max);
    EXPECT_LE(out.size(), max);
    EXPECT_EQ(out, Escaped(value.substr(0, consumed)));
  }
}

TEST(HexDigitValueTest, BothCasesAndNothingElse) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'}) EXPECT_EQ(HexDigitValue(c), -1) << c;
}

TEST(EqualsAsCgiHeaderNameTest, CaseAndUnderscore) {
  EXPECT_TRUE(EqualsAsCgiHeaderName("X-User", "x_user"));
  EXPECT_TRUE(EqualsAsCgiHeaderName("X_USER", "x-user"));
  EXPECT_FALSE(EqualsAsCgiHeaderName("X-User", "X-Users"));
  EXPECT_FALSE(EqualsAsCgiHeaderName("X-User", "X.User"));
}

TEST(AppendHtmlEscapedTest, EscapesTheFiveCharacters) {
  std::string out = "<p>";
  AppendHtmlEscaped(out, R"(a&b<c>d"e'f)");
  EXPECT_EQ(out, "<p>a&amp;b&lt;c&gt;d&quot;e&#39;f");
}

}  // namespace
}  // namespace rampart::core
