#include "cache/structured_field.h"

#include <gtest/gtest.h>

namespace rampart::cache {
namespace {

TEST(CacheStructuredFieldTest, ParsesEveryBareItemType) {
  const auto dict = ParseSfDictionary(
      "a=1, b=-2, c=3.25, d=\"x\\\"y\", e=tok/en:1, f=:aGVsbG8=:, g=?0, h, i=@1659578233, "
      "j=%\"caf%c3%a9\", k=(1 \"two\" three);p=1");
  ASSERT_TRUE(dict);
  ASSERT_EQ(dict->size(), 11u);
  using T = SfValue::Type;
  EXPECT_EQ((*dict)[0].first, "a");
  EXPECT_EQ((*dict)[0].second.type, T::kInteger);
  EXPECT_EQ((*dict)[0].second.integer, 1);
  EXPECT_EQ((*dict)[1].second.integer, -2);
  EXPECT_EQ((*dict)[2].second.type, T::kDecimal);
  EXPECT_EQ((*dict)[3].second.type, T::kString);
  EXPECT_EQ((*dict)[3].second.text, "x\"y");
  EXPECT_EQ((*dict)[4].second.type, T::kToken);
  EXPECT_EQ((*dict)[4].second.text, "tok/en:1");
  EXPECT_EQ((*dict)[5].second.type, T::kByteSequence);
  EXPECT_EQ((*dict)[6].second.type, T::kBoolean);
  EXPECT_FALSE((*dict)[6].second.boolean);
  EXPECT_EQ((*dict)[7].second.type, T::kBoolean);
  EXPECT_TRUE((*dict)[7].second.boolean);
  EXPECT_EQ((*dict)[8].second.type, T::kDate);
  EXPECT_EQ((*dict)[8].second.integer, 1659578233);
  EXPECT_EQ((*dict)[9].second.type, T::kDisplayString);
  EXPECT_EQ((*dict)[10].second.type, T::kInnerList);
}

TEST(CacheStructuredFieldTest, EmptyIsAnEmptyDictionary) {
  const auto dict = ParseSfDictionary("");
  ASSERT_TRUE(dict);
  EXPECT_TRUE(dict->empty());
}

TEST(CacheStructuredFieldTest, LaterDuplicateOverwritesInPlace) {
  const auto dict = ParseSfDictionary("a=1, b=2, a=3");
  ASSERT_TRUE(dict);
  ASSERT_EQ(dict->size(), 2u);
  EXPECT_EQ((*dict)[0].first, "a");
  EXPECT_EQ((*dict)[0].second.integer, 3);
}

TEST(CacheStructuredFieldTest, RefusesInvalidSyntax) {
  for (const char* bad : {"A=1",
                          "a=1,",
                          "a=1,,b",
                          ",a",
                          "a=",
                          "a=1 b=2",
                          "a=\"unterminated",
                          "a=\"bad\\n\"",
                          "a=1234567890123456",
                          "a=1234567890123.5",
                          "a=1.2345",
                          "a=1.",
                          "a=?2",
                          "a=:abc",
                          "a=(1 2",
                          "a=(1,2)",
                          "a=1;",
                          "a=1;B",
                          "a=%\"x%zz\"",
                          "a=@x",
                          "1a=1",
                          "a=\x01"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseSfDictionary(bad));
  }
}

TEST(CacheStructuredFieldTest, WhitespaceRules) {
  EXPECT_TRUE(ParseSfDictionary("  a=1 ,\tb=2  "));
  EXPECT_TRUE(ParseSfDictionary("a=1;  p=2"));
  EXPECT_TRUE(ParseSfDictionary("a=(  1   2  )"));
  EXPECT_FALSE(ParseSfDictionary("a = 1"));
}

}  // namespace
}  // namespace rampart::cache
