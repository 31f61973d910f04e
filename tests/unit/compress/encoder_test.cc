// Every encoder's output through the real decoder of its coding (zlib's inflate, brotli's
// decoder, libzstd's), whole and streamed, flushed mid-stream, at both ends of its level range.

#include "compress/encoder.h"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace rampart::compress {
namespace {

// Pseudo-random prose: words drawn from a small vocabulary, punctuation, line breaks. It
// compresses like text does (a few bits a character), not like a repeated block.
std::string WordText(size_t size, uint32_t seed) {
  static constexpr std::array<std::string_view, 32> kWords = {
      "the",     "proxy",   "request", "response", "header", "body",    "stream", "window",
      "client",  "backend", "route",   "rule",     "cache",  "encoder", "level",  "quality",
      "of",      "and",     "to",      "a",        "in",     "is",      "that",   "with",
      "content", "type",    "length",  "chunked",  "flush",  "finish",  "gzip",   "brotli"};
  std::mt19937 rng(seed);
  std::string text;
  text.reserve(size + 16);
  while (text.size() < size) {
    text += kWords[rng() % kWords.size()];
    const uint32_t r = rng() % 16;
    text += r == 0 ? ".\n" : r == 1 ? ", " : " ";
  }
  text.resize(size);
  return text;
}

// Piece sizes that cross every internal buffer boundary unevenly: single bytes, primes, sizes
// just above and below powers of two, and one larger than any library buffer.
constexpr std::array<size_t, 10> kPieceSizes = {1,     7, 4093,   16384, 100,
                                                65537, 3, 131071, 999,   300000};

// The real decoder of a coding, fed the encoder's output in arbitrary pieces.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Decodes `in`, appending to `out` everything it makes decodable. False on corrupt input.
  virtual bool Decode(std::string_view in, std::string& out) = 0;
  // True once the stream's end (gzip trailer, brotli last block, zstd frame end with its
  // checksum) has been decoded and verified.
  virtual bool Ended() const = 0;
};

class InflateDecoder final : public StreamDecoder {
 public:
  // windowBits 47 = 32 (detect gzip or zlib header) + 15; gzip is checked by the format tests.
  InflateDecoder() { ok_ = inflateInit2(&stream_, 47) == Z_OK; }
  ~InflateDecoder() override { inflateEnd(&stream_); }

  bool Decode(std::string_view in, std::string& out) override {
    if (!ok_) return false;
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    std::array<char, 4096> buffer;
    do {
      stream_.next_out = reinterpret_cast<Bytef*>(buffer.data());
      stream_.avail_out = buffer.size();
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      out.append(buffer.data(), buffer.size() - stream_.avail_out);
      if (rc == Z_STREAM_END) {
        ended_ = true;
        return stream_.avail_in == 0;  // nothing may follow the trailer
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
    } while (stream_.avail_in > 0 || stream_.avail_out == 0);
    return true;
  }
  bool Ended() const override { return ended_; }

 private:
  z_stream stream_{};
  bool ok_ = false;
  bool ended_ = false;
};

class BrotliStreamDecoder final : public StreamDecoder {
 public:
  BrotliStreamDecoder() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~BrotliStreamDecoder() override { BrotliDecoderDestroyInstance(state_); }

  bool Decode(std::string_view in, std::string& out) override {
    size_t available_in = in.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    for (;;) {
      std::array<uint8_t, 4096> buffer;
      size_t available_out = buffer.size();
      uint8_t* next_out = buffer.data();
      const BrotliDecoderResult result = BrotliDecoderDecompressStream(
          state_, &available_in, &next_in, &available_out, &next_out, nullptr);
      out.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - available_out);
      switch (result) {
        case BROTLI_DECODER_RESULT_SUCCESS:
          ended_ = true;
          return available_in == 0;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
          // With the output buffer full, decoded bytes may still wait inside the decoder.
          if (BrotliDecoderHasMoreOutput(state_)) continue;
          return available_in == 0;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
          continue;
        case BROTLI_DECODER_RESULT_ERROR:
          return false;
      }
    }
  }
  bool Ended() const override { return ended_; }

 private:
  BrotliDecoderState* state_;
  bool ended_ = false;
};

class ZstdStreamDecoder final : public StreamDecoder {
 public:
  ZstdStreamDecoder() : context_(ZSTD_createDCtx()) {}
  ~ZstdStreamDecoder() override { ZSTD_freeDCtx(context_); }

  bool Decode(std::string_view in, std::string& out) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    std::array<char, 4096> buffer;
    for (;;) {
      ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
      const size_t rc = ZSTD_decompressStream(context_, &output, &input);
      if (ZSTD_isError(rc)) return false;
      out.append(buffer.data(), output.pos);
      if (rc == 0) {
        ended_ = true;
        return input.pos == input.size;  // one frame, nothing after it
      }
      if (input.pos == input.size && output.pos < output.size) return true;
    }
  }
  bool Ended() const override { return ended_; }

 private:
  ZSTD_DCtx* context_;
  bool ended_ = false;
};

std::unique_ptr<StreamDecoder> MakeDecoder(Encoding encoding) {
  switch (encoding) {
    case Encoding::kGzip:
      return std::make_unique<InflateDecoder>();
    case Encoding::kBrotli:
      return std::make_unique<BrotliStreamDecoder>();
    case Encoding::kZstd:
      return std::make_unique<ZstdStreamDecoder>();
    case Encoding::kIdentity:
      break;
  }
  return nullptr;
}

// A one-shot decode of a complete stream, by a different route than StreamDecoder where the
// library has one: nullopt when the stream is corrupt, truncated, or longer than `limit`.
std::optional<std::string> DecodeWhole(Encoding encoding, std::string_view compressed,
                                       size_t limit) {
  std::string out(limit + 1, '\0');  // one spare byte shows output beyond the expected size
  if (encoding == Encoding::kBrotli) {
    size_t size = out.size();
    if (BrotliDecoderDecompress(
            compressed.size(), reinterpret_cast<const uint8_t*>(compressed.data()), &size,
            reinterpret_cast<uint8_t*>(out.data())) != BROTLI_DECODER_RESULT_SUCCESS) {
      return std::nullopt;
    }
    out.resize(size);
    return out;
  }
  if (encoding == Encoding::kZstd) {
    const size_t size =
        ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
    if (ZSTD_isError(size)) return std::nullopt;
    out.resize(size);
    return out;
  }
  // zlib has no one-shot gzip decoder: the streaming one, in a single call.
  out.clear();
  InflateDecoder decoder;
  if (!decoder.Decode(compressed, out) || !decoder.Ended()) return std::nullopt;
  return out;
}

// Compresses `input` in kPieceSizes pieces (cycling) and finishes; empty on an encoder error.
std::string CompressInPieces(Encoder& encoder, std::string_view input) {
  std::string out;
  for (size_t i = 0; !input.empty(); ++i) {
    const size_t piece = std::min(input.size(), kPieceSizes[i % kPieceSizes.size()]);
    if (!encoder.Update(input.substr(0, piece), out)) return {};
    input.remove_prefix(piece);
  }
  if (!encoder.Finish(out)) return {};
  return out;
}

class CompressEncoderTest : public testing::TestWithParam<Encoding> {
 protected:
  std::unique_ptr<Encoder> Make(int level = 0) {
    std::unique_ptr<Encoder> encoder = MakeEncoder(GetParam(), level);
    EXPECT_NE(encoder, nullptr);
    return encoder;
  }

  // Checks that `compressed` is one complete stream of `expected`, decoded whole and streamed.
  void ExpectDecodesTo(std::string_view compressed, std::string_view expected) {
    const std::optional<std::string> whole = DecodeWhole(GetParam(), compressed, expected.size());
    ASSERT_TRUE(whole.has_value());
    EXPECT_TRUE(*whole == expected)
        << "decoded " << whole->size() << " bytes, expected " << expected.size();
    std::unique_ptr<StreamDecoder> decoder = MakeDecoder(GetParam());
    std::string streamed;
    ASSERT_TRUE(decoder->Decode(compressed, streamed));
    EXPECT_TRUE(decoder->Ended());
    EXPECT_TRUE(streamed == expected);
  }
};

TEST_P(CompressEncoderTest, EmptyInputRoundTrips) {
  std::string out;
  std::unique_ptr<Encoder> encoder = Make();
  ASSERT_TRUE(encoder->Finish(out));
  EXPECT_FALSE(out.empty());  // even an empty stream has a header and an end marker
  ExpectDecodesTo(out, "");

  out.clear();
  encoder = Make();
  ASSERT_TRUE(encoder->Update("", out));
  ASSERT_TRUE(encoder->Flush(out));
  ASSERT_TRUE(encoder->Update("", out));
  ASSERT_TRUE(encoder->Finish(out));
  ExpectDecodesTo(out, "");
}

TEST_P(CompressEncoderTest, SmallInputRoundTrips) {
  const std::string input = "Hello, world!\n";
  std::string out;
  std::unique_ptr<Encoder> encoder = Make();
  ASSERT_TRUE(encoder->Update(input, out));
  ASSERT_TRUE(encoder->Finish(out));
  ExpectDecodesTo(out, input);
}

TEST_P(CompressEncoderTest, OneMebibyteInUnevenPiecesRoundTrips) {
  const std::string input = WordText(1 << 20, 1);
  std::unique_ptr<Encoder> encoder = Make();
  const std::string out = CompressInPieces(*encoder, input);
  ASSERT_FALSE(out.empty());
  ExpectDecodesTo(out, input);
}

TEST_P(CompressEncoderTest, BinaryInputRoundTrips) {
  std::mt19937 rng(7);
  std::string input(200000, '\0');
  for (char& c : input) c = static_cast<char>(rng());
  std::unique_ptr<Encoder> encoder = Make();
  const std::string out = CompressInPieces(*encoder, input);
  ASSERT_FALSE(out.empty());
  ExpectDecodesTo(out, input);
}

TEST_P(CompressEncoderTest, FlushMakesEverythingGivenSoFarDecodable) {
  const std::string input = WordText(1 << 20, 2);
  std::unique_ptr<Encoder> encoder = Make();
  std::unique_ptr<StreamDecoder> decoder = MakeDecoder(GetParam());
  std::string decoded;
  std::string all_output;
  std::string out;
  // Hands the encoder's new output to the decoder, as a client receives it.
  auto deliver = [&] {
    all_output += out;
    const bool ok = decoder->Decode(out, decoded);
    out.clear();
    return ok;
  };
  ASSERT_TRUE(encoder->Flush(out));  // before any data: harmless
  ASSERT_TRUE(deliver());
  EXPECT_EQ(decoded, "");
  size_t given = 0;
  for (size_t i = 0; given < input.size(); ++i) {
    const size_t piece = std::min(input.size() - given, kPieceSizes[i % kPieceSizes.size()]);
    ASSERT_TRUE(encoder->Update(std::string_view(input).substr(given, piece), out));
    given += piece;
    ASSERT_TRUE(deliver());
    ASSERT_LE(decoded.size(), given);
    if (i % 3 == 2) {  // the backend pauses now and then
      ASSERT_TRUE(encoder->Flush(out));
      ASSERT_TRUE(deliver());
      ASSERT_EQ(decoded.size(), given) << "after piece " << i;
      ASSERT_TRUE(decoded == std::string_view(input).substr(0, given)) << "after piece " << i;
      ASSERT_TRUE(encoder->Flush(out));  // a second flush with nothing new in between
      ASSERT_TRUE(deliver());
      ASSERT_EQ(decoded.size(), given);
    }
    ASSERT_FALSE(decoder->Ended());
  }
  ASSERT_TRUE(encoder->Finish(out));
  ASSERT_TRUE(deliver());
  EXPECT_TRUE(decoder->Ended());
  EXPECT_TRUE(decoded == input);
  ExpectDecodesTo(all_output, input);
}

TEST_P(CompressEncoderTest, LevelsAtBothEndsOfTheRangeRoundTrip) {
  const std::string input = WordText(256 * 1024, 3);
  const auto [min_level, max_level] = LevelRange(GetParam());
  for (int level : {min_level, max_level}) {
    SCOPED_TRACE(level);
    std::unique_ptr<Encoder> encoder = Make(level);
    const std::string out = CompressInPieces(*encoder, input);
    ASSERT_FALSE(out.empty());
    ExpectDecodesTo(out, input);
  }
}

TEST_P(CompressEncoderTest, TextCompressesToUnderHalfAtEveryLevelEnd) {
  const std::string input = WordText(256 * 1024, 4);
  const auto [min_level, max_level] = LevelRange(GetParam());
  std::vector<size_t> sizes;
  for (int level : {min_level, 0, max_level}) {
    std::unique_ptr<Encoder> encoder = Make(level);
    const std::string out = CompressInPieces(*encoder, input);
    ASSERT_FALSE(out.empty());
    EXPECT_LT(static_cast<double>(out.size()) / static_cast<double>(input.size()), 0.5)
        << "level " << level;
    sizes.push_back(out.size());
  }
  // The level is applied: the top of the range compresses clearly better than the bottom.
  EXPECT_LT(static_cast<double>(sizes[2]), 0.95 * static_cast<double>(sizes[0]));
}

TEST_P(CompressEncoderTest, RepeatedMarkupCompressesFarBelowItsSize) {
  std::string input;
  for (int i = 0; input.size() < 512 * 1024; ++i) {
    input += "<tr class=\"row\"><td>item</td><td>" + std::to_string(i % 100) + "</td></tr>\n";
  }
  std::unique_ptr<Encoder> encoder = Make();
  const std::string out = CompressInPieces(*encoder, input);
  ASSERT_FALSE(out.empty());
  EXPECT_LT(static_cast<double>(out.size()) / static_cast<double>(input.size()), 0.05);
  ExpectDecodesTo(out, input);
}

TEST_P(CompressEncoderTest, LevelZeroIsTheDefaultAndOutOfRangeLevelsAreClamped) {
  const std::string input = WordText(64 * 1024, 5);
  const auto [min_level, max_level] = LevelRange(GetParam());
  const int default_level = GetParam() == Encoding::kGzip     ? 6
                            : GetParam() == Encoding::kBrotli ? 5
                                                              : 3;
  auto compress = [&](int level) {
    std::unique_ptr<Encoder> encoder = Make(level);
    return CompressInPieces(*encoder, input);
  };
  const std::string at_default = compress(default_level);
  const std::string at_min = compress(min_level);
  const std::string at_max = compress(max_level);
  ASSERT_FALSE(at_default.empty());
  // The output is deterministic, so equal bytes mean equal settings.
  EXPECT_EQ(compress(0), at_default);
  EXPECT_NE(at_min, at_default);
  EXPECT_NE(at_max, at_default);
  EXPECT_EQ(compress(max_level + 100), at_max);
  EXPECT_EQ(compress(-7), at_min);
}

TEST_P(CompressEncoderTest, NothingSucceedsAfterFinish) {
  std::string out;
  std::unique_ptr<Encoder> encoder = Make();
  ASSERT_TRUE(encoder->Update("some text", out));
  ASSERT_TRUE(encoder->Finish(out));
  const std::string finished = out;
  EXPECT_FALSE(encoder->Update("more", out));
  EXPECT_FALSE(encoder->Flush(out));
  EXPECT_FALSE(encoder->Finish(out));
  EXPECT_EQ(out, finished);
  ExpectDecodesTo(out, "some text");
}

TEST_P(CompressEncoderTest, OutputIsAppendedAfterWhatTheStringHolds) {
  std::string out = "prefix";
  std::unique_ptr<Encoder> encoder = Make();
  ASSERT_TRUE(encoder->Update("appended, not overwritten", out));
  ASSERT_TRUE(encoder->Finish(out));
  ASSERT_TRUE(out.starts_with("prefix"));
  ExpectDecodesTo(std::string_view(out).substr(6), "appended, not overwritten");
}

INSTANTIATE_TEST_SUITE_P(Compress, CompressEncoderTest,
                         testing::Values(Encoding::kGzip, Encoding::kBrotli, Encoding::kZstd),
                         [](const testing::TestParamInfo<Encoding>& param_info) {
                           return std::string(EncodingToken(param_info.param));
                         });

TEST(CompressEncoderFactoryTest, IdentityHasNoEncoder) {
  EXPECT_EQ(MakeEncoder(Encoding::kIdentity, 0), nullptr);
  EXPECT_EQ(MakeEncoder(Encoding::kIdentity, 5), nullptr);
  EXPECT_EQ(LevelRange(Encoding::kIdentity), std::make_pair(0, 0));
}

TEST(CompressEncoderFactoryTest, LevelRanges) {
  EXPECT_EQ(LevelRange(Encoding::kGzip), std::make_pair(1, 9));
  EXPECT_EQ(LevelRange(Encoding::kBrotli), std::make_pair(1, 11));
  EXPECT_EQ(LevelRange(Encoding::kZstd), std::make_pair(1, 19));
}

}  // namespace
}  // namespace rampart::compress
