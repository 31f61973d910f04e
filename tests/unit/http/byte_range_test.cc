#include "http/byte_range.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::http {
namespace {

using Kind = RangeRequest::Kind;

RangeRequest Parse(const std::string& value, uint64_t size) { return ParseRange(&value, size); }

void ExpectSingle(const std::string& value, uint64_t size, uint64_t first, uint64_t length) {
  const RangeRequest r = Parse(value, size);
  EXPECT_EQ(r.kind, Kind::kSingle) << value;
  EXPECT_EQ(r.range.first, first) << value;
  EXPECT_EQ(r.range.length, length) << value;
}

void ExpectKind(const std::string& value, uint64_t size, Kind kind) {
  EXPECT_EQ(Parse(value, size).kind, kind) << "'" << value << "' of " << size;
}

TEST(ByteRangeTest, AbsentMeansWhole) {
  EXPECT_EQ(ParseRange(nullptr, 1000).kind, Kind::kNone);
  EXPECT_EQ(ParseRange(nullptr, 0).kind, Kind::kNone);
}

TEST(ByteRangeTest, ClosedRange) {
  ExpectSingle("bytes=0-99", 1000, 0, 100);
  ExpectSingle("bytes=100-199", 1000, 100, 100);
  ExpectSingle("bytes=5-5", 1000, 5, 1);
  ExpectSingle("bytes=0-999", 1000, 0, 1000);
  ExpectSingle("bytes=999-999", 1000, 999, 1);
}

TEST(ByteRangeTest, LastPastTheEndIsClipped) {
  ExpectSingle("bytes=900-5000", 1000, 900, 100);
  ExpectSingle("bytes=0-1000", 1000, 0, 1000);
  ExpectSingle("bytes=10-99999999999999999999999", 1000, 10, 990);  // past uint64_t
}

TEST(ByteRangeTest, OpenEndedRange) {
  ExpectSingle("bytes=0-", 1000, 0, 1000);
  ExpectSingle("bytes=990-", 1000, 990, 10);
  ExpectSingle("bytes=999-", 1000, 999, 1);
}

TEST(ByteRangeTest, SuffixRange) {
  ExpectSingle("bytes=-100", 1000, 900, 100);
  ExpectSingle("bytes=-1", 1000, 999, 1);
  ExpectSingle("bytes=-1000", 1000, 0, 1000);
  ExpectSingle("bytes=-5000", 1000, 0, 1000);  // larger than the representation: all of it
  ExpectSingle("bytes=-99999999999999999999999", 1000, 0, 1000);
}

TEST(ByteRangeTest, UnitIsCaseInsensitiveAndOwsIsTrimmed) {
  ExpectSingle("Bytes=0-9", 1000, 0, 10);
  ExpectSingle("BYTES=0-9", 1000, 0, 10);
  ExpectSingle("  bytes=0-9\t", 1000, 0, 10);
  ExpectSingle("bytes= 0-9 ", 1000, 0, 10);
  ExpectSingle("bytes=0-9,", 1000, 0, 10);  // an empty list element
  ExpectSingle("bytes=, 0-9", 1000, 0, 10);
}

TEST(ByteRangeTest, FirstAtOrPastTheEndIsUnsatisfiable) {
  ExpectKind("bytes=1000-", 1000, Kind::kUnsatisfiable);
  ExpectKind("bytes=1000-2000", 1000, Kind::kUnsatisfiable);
  ExpectKind("bytes=5000-", 1000, Kind::kUnsatisfiable);
  ExpectKind("bytes=99999999999999999999999-", 1000, Kind::kUnsatisfiable);
}

TEST(ByteRangeTest, ZeroSuffixIsUnsatisfiable) {
  ExpectKind("bytes=-0", 1000, Kind::kUnsatisfiable);
  ExpectKind("bytes=-0", 0, Kind::kUnsatisfiable);
  ExpectKind("bytes=-000", 1000, Kind::kUnsatisfiable);
}

TEST(ByteRangeTest, EmptyRepresentation) {
  ExpectKind("bytes=0-", 0, Kind::kUnsatisfiable);
  ExpectKind("bytes=0-0", 0, Kind::kUnsatisfiable);
  // A non-zero suffix is satisfiable but selects no bytes: send the (empty) whole.
  ExpectKind("bytes=-10", 0, Kind::kNone);
}

TEST(ByteRangeTest, SeveralRangesAreServedWhole) {
  ExpectKind("bytes=0-9,20-29", 1000, Kind::kNone);
  ExpectKind("bytes=0-9, 10-19", 1000, Kind::kNone);  // even adjacent ones
  ExpectKind("bytes=-1,0-0", 1000, Kind::kNone);
  ExpectKind("bytes=5000-,6000-", 1000, Kind::kNone);
}

TEST(ByteRangeTest, InvalidSyntaxIsIgnored) {
  for (const char* value : {"",
                            "bytes",
                            "bytes=",
                            "bytes=,",
                            "bytes=-",
                            "bytes=abc",
                            "bytes=1",
                            "bytes=a-b",
                            "bytes=1-a",
                            "bytes=-a",
                            "bytes=1-2-3",
                            "bytes=+1-2",
                            "bytes=1 - 2",
                            "bytes=0x10-",
                            "bytes = 0-9",
                            "bytes=-1-2",
                            "items=0-9",
                            "byte=0-9",
                            "bytesx=0-9",
                            "0-9"}) {
    ExpectKind(value, 1000, Kind::kNone);
  }
}

TEST(ByteRangeTest, LastBeforeFirstIsInvalid) {
  ExpectKind("bytes=10-9", 1000, Kind::kNone);
  ExpectKind("bytes=2000-1000", 1000, Kind::kNone);
}

TEST(ByteRangeTest, ContentRangeValues) {
  EXPECT_EQ(ContentRangeValue({0, 100}, 1000), "bytes 0-99/1000");
  EXPECT_EQ(ContentRangeValue({999, 1}, 1000), "bytes 999-999/1000");
  EXPECT_EQ(ContentRangeValue({0, 1000}, 1000), "bytes 0-999/1000");
  EXPECT_EQ(UnsatisfiedRangeValue(1000), "bytes */1000");
  EXPECT_EQ(UnsatisfiedRangeValue(0), "bytes */0");
}

TEST(ByteRangeTest, ParsedRangeFormatsBack) {
  const RangeRequest r = Parse("bytes=-100", 1000);
  ASSERT_EQ(r.kind, Kind::kSingle);
  EXPECT_EQ(ContentRangeValue(r.range, 1000), "bytes 900-999/1000");
}

}  // namespace
}  // namespace rampart::http
