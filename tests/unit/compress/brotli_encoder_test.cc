// The brotli encoder's stream format (RFC 7932): the window it declares. Decoding is checked
// for every coding in encoder_test.cc.

#include "compress/brotli_encoder.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::compress {
namespace {

// The WBITS a brotli stream header declares (RFC 7932 §9.1), read from its first bits
// (least significant first); 0 for an encoding this does not read (large windows).
int DeclaredWindowBits(std::string_view stream) {
  if (stream.empty()) return 0;
  const auto first = static_cast<uint8_t>(stream[0]);
  if ((first & 1) == 0) return 16;
  const int n = (first >> 1) & 7;
  if (n != 0) return 17 + n;
  const int m = (first >> 4) & 7;
  if (m == 1) return 0;  // large-window brotli
  return m == 0 ? 17 : 8 + m;
}

TEST(BrotliEncoderTest, DeclaresTheBoundedWindowAtEveryLevel) {
  std::string input;  // 512 KiB, more than the window, so that a larger one would be useful
  for (int i = 0; input.size() < 512 * 1024; ++i) input += std::to_string(i * 7919 % 100003) + ' ';
  for (int level : {kBrotliMinLevel, 0, kBrotliMaxLevel}) {
    SCOPED_TRACE(level);
    std::unique_ptr<Encoder> encoder = MakeEncoder(Encoding::kBrotli, level);
    ASSERT_NE(encoder, nullptr);
    std::string out;
    ASSERT_TRUE(encoder->Update(input, out));
    ASSERT_TRUE(encoder->Finish(out));
    EXPECT_EQ(DeclaredWindowBits(out), kBrotliWindowBits);
  }
}

TEST(BrotliEncoderTest, WindowBitsReaderKnowsTheDefaultWindow) {
  // The reader itself, on a header of brotli's default 22-bit window: 1, n = 5 -> 17 + 5.
  EXPECT_EQ(DeclaredWindowBits("\x0b"), 22);
  EXPECT_EQ(DeclaredWindowBits("\x03"), 18);
  EXPECT_EQ(DeclaredWindowBits(std::string_view("\x00", 1)), 16);
}

}  // namespace
}  // namespace rampart::compress
