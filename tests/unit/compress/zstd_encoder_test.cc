// The zstd encoder's frame format (RFC 8878 §3.1.1): window size and checksum as the frame
// header declares them. Decoding is checked for every coding in encoder_test.cc.

#include "compress/zstd_encoder.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

namespace rampart::compress {
namespace {

struct FrameHeader {
  bool single_segment = false;
  bool checksum = false;
  uint64_t window_size = 0;  // 0 when the frame is a single segment (no window descriptor)
};

// Reads a zstd frame header by the RFC, independently of libzstd; nullopt when `frame` does not
// start with one.
std::optional<FrameHeader> ReadFrameHeader(std::string_view frame) {
  if (frame.size() < 6 || frame.substr(0, 4) != std::string_view("\x28\xb5\x2f\xfd", 4)) {
    return std::nullopt;
  }
  const auto descriptor = static_cast<uint8_t>(frame[4]);
  FrameHeader header;
  header.single_segment = (descriptor & 0x20) != 0;
  header.checksum = (descriptor & 0x04) != 0;
  if (!header.single_segment) {
    const auto window = static_cast<uint8_t>(frame[5]);
    const uint64_t base = uint64_t{1} << (10 + (window >> 3));
    header.window_size = base + (base / 8) * (window & 7);
  }
  return header;
}

std::string StreamOf(int level, std::string_view input) {
  std::unique_ptr<Encoder> encoder = MakeEncoder(Encoding::kZstd, level);
  std::string out;
  if (encoder == nullptr || !encoder->Update(input, out) || !encoder->Finish(out)) return {};
  return out;
}

TEST(ZstdEncoderTest, WindowIsBoundedAtEveryLevel) {
  std::string input;  // 1 MiB: levels 3 and up would otherwise declare 2 to 8 MiB windows
  for (int i = 0; input.size() < (1 << 20); ++i) input += std::to_string(i * 7919 % 100003) + ' ';
  for (int level : {kZstdMinLevel, 0, 9, kZstdMaxLevel}) {
    SCOPED_TRACE(level);
    const std::optional<FrameHeader> header = ReadFrameHeader(StreamOf(level, input));
    ASSERT_TRUE(header.has_value());
    ASSERT_FALSE(header->single_segment);
    EXPECT_EQ(header->window_size, uint64_t{1} << kZstdWindowLog);
  }
}

TEST(ZstdEncoderTest, FramesCarryAChecksum) {
  for (std::string_view input : {std::string_view(), std::string_view("small body")}) {
    const std::string out = StreamOf(0, input);
    const std::optional<FrameHeader> header = ReadFrameHeader(out);
    ASSERT_TRUE(header.has_value());
    EXPECT_TRUE(header->checksum);
  }
}

TEST(ZstdEncoderTest, ChecksumIsTheFramesLastFourBytes) {
  const std::string body = "a body long enough to be compressed, compressed, compressed";
  std::string out = StreamOf(0, body);
  std::string decoded(body.size() + 1, '\0');
  ASSERT_EQ(ZSTD_decompress(decoded.data(), decoded.size(), out.data(), out.size()), body.size());
  // A changed checksum makes libzstd refuse the frame: it is written and it covers the body.
  out.back() = static_cast<char>(out.back() ^ 0x55);
  EXPECT_TRUE(
      ZSTD_isError(ZSTD_decompress(decoded.data(), decoded.size(), out.data(), out.size())));
}

}  // namespace
}  // namespace rampart::compress
