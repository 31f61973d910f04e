// The gzip encoder's stream format (RFC 1952): what the header says about it. Decoding is
// checked for every coding in encoder_test.cc.

#include "compress/gzip_encoder.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::compress {
namespace {

// Through MakeEncoder, so that its level mapping is what the header shows.
std::string CompressAtLevel(int level, std::string_view input) {
  std::string out;
  std::unique_ptr<Encoder> encoder = MakeEncoder(Encoding::kGzip, level);
  if (encoder == nullptr || !encoder->Update(input, out) || !encoder->Finish(out)) return {};
  return out;
}

TEST(GzipEncoderTest, WritesAGzipHeaderNotAZlibOne) {
  const std::string out = CompressAtLevel(kGzipDefaultLevel, "text");
  ASSERT_GE(out.size(), 18u);  // 10-byte header, data, 8-byte trailer
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), 0x8b);
  EXPECT_EQ(static_cast<uint8_t>(out[2]), 8);  // deflate
  EXPECT_EQ(static_cast<uint8_t>(out[3]), 0);  // no name, comment or extra field
}

TEST(GzipEncoderTest, TrailerHoldsTheInputSize) {
  const std::string input(100000, 'x');
  const std::string out = CompressAtLevel(kGzipDefaultLevel, input);
  ASSERT_GE(out.size(), 18u);
  uint32_t isize = 0;  // the last 4 bytes, little-endian
  for (int i = 0; i < 4; ++i) {
    isize |= static_cast<uint32_t>(static_cast<uint8_t>(out[out.size() - 4 + i])) << (8 * i);
  }
  EXPECT_EQ(isize, input.size());
}

TEST(GzipEncoderTest, LevelShowsInTheExtraFlags) {
  // XFL (byte 8): 2 for the slowest compression, 4 for the fastest, 0 in between.
  EXPECT_EQ(static_cast<uint8_t>(CompressAtLevel(9, "text")[8]), 2);
  EXPECT_EQ(static_cast<uint8_t>(CompressAtLevel(1, "text")[8]), 4);
  EXPECT_EQ(static_cast<uint8_t>(CompressAtLevel(6, "text")[8]), 0);
  EXPECT_EQ(static_cast<uint8_t>(CompressAtLevel(0, "text")[8]), 0);   // the default, 6
  EXPECT_EQ(static_cast<uint8_t>(CompressAtLevel(42, "text")[8]), 2);  // clamped to 9
}

}  // namespace
}  // namespace rampart::compress
