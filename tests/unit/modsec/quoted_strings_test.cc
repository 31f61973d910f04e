#include "modsec/quoted_strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rampart::modsec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(QuotedStringsTest, DecodesJsonEscapes) {
  EXPECT_EQ(DecodeStringEscapes(R"(a\"b\\c\/d\n\t\u0027\u00e9)"), "a\"b\\c/d\n\t'\xC3\xA9");
  EXPECT_EQ(DecodeStringEscapes(R"(\ud83d\ude00)"), "\xF0\x9F\x98\x80");  // a surrogate pair
  EXPECT_EQ(DecodeStringEscapes(R"(\ud800x)"), "\xEF\xBF\xBDx");          // lone: U+FFFD
  EXPECT_EQ(DecodeStringEscapes(R"(\udc00)"), "\xEF\xBF\xBD");
  EXPECT_EQ(DecodeStringEscapes(R"(\u12 \q\)"), "\\u12 q\\");  // kept as written
}

TEST(QuotedStringsTest, OnlyLiteralsWithEscapes) {
  EXPECT_THAT(EscapedQuotedStrings(R"({"a":"plain","b":"\u003cscript\u003e", "c":"x\"y"})"),
              ElementsAre("<script>", "x\"y"));
  EXPECT_THAT(EscapedQuotedStrings("say \"hi\" and \"bye\""), IsEmpty());
  // An unterminated literal ends at the line end or the text's end.
  EXPECT_THAT(EscapedQuotedStrings("\"a\\u0041\n\"\\u0042"), ElementsAre("aA", "B"));
}

}  // namespace
}  // namespace rampart::modsec
