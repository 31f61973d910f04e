// ChunkedDecoder, driven through the caller loop documented in chunked_decoder.h: buffered
// bytes in a std::string, the decoder shown an exact-size heap copy of the first
// min(buffered, kMaxPeek) bytes. Every case is fed whole, byte by byte, and split in two at
// every position; all must agree.

#include "http/chunked_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "exact_buffer.h"

namespace rampart::http {
namespace {

using namespace std::string_literals;
using testing::ExactBuffer;
using Kind = ChunkedDecoder::Step::Kind;

struct DecodeResult {
  Kind kind = Kind::kNeedMore;  // kNeedMore: input ran out first
  ParseError error = ParseError::kNone;
  std::string body;
  size_t used = 0;  // framing and payload bytes consumed in all
};

// The caller loop. `pieces` arrive one after the other.
DecodeResult Decode(const std::vector<std::string>& pieces) {
  ChunkedDecoder decoder;
  DecodeResult result;
  std::string buffered;
  for (const std::string& piece : pieces) {
    buffered += piece;
    while (true) {
      ExactBuffer front(std::string_view(buffered).substr(0, ChunkedDecoder::kMaxPeek));
      const ChunkedDecoder::Step step = decoder.Next(front.view(), buffered.size());
      EXPECT_LE(step.consumed, front.view().size());
      buffered.erase(0, step.consumed);
      result.used += step.consumed;
      if (step.kind == Kind::kData) {
        EXPECT_GT(step.payload, 0u);
        EXPECT_LE(step.payload, buffered.size());
        result.body.append(buffered, 0, step.payload);
        buffered.erase(0, step.payload);
        result.used += step.payload;
        continue;
      }
      if (step.kind == Kind::kNeedMore) {
        EXPECT_TRUE(buffered.empty()) << "waiting for input with bytes left unread";
        break;
      }
      result.kind = step.kind;
      result.error = decoder.error();
      EXPECT_EQ(decoder.body_bytes(), result.body.size());
      return result;
    }
  }
  EXPECT_EQ(decoder.body_bytes(), result.body.size());
  return result;
}

struct ChunkedCase {
  std::string name;
  std::string input;
  Kind kind;
  ParseError error = ParseError::kNone;
  std::string body = "";
  size_t used = 0;  // checked for kDone: where the next message starts
};

void PrintTo(const ChunkedCase& c, std::ostream* os) { *os << c.name; }

std::vector<ChunkedCase> ChunkedCases() {
  using E = ParseError;
  const std::string ext_4092(4092, 'e');  // "5;" + name + CRLF = 4096 bytes: at the limit
  const std::string trailer_8192 = "X: " + std::string(8192 - 7, 't') + "\r\n\r\n";
  return {
      // Valid bodies.
      {"last_chunk_only", "0\r\n\r\n", Kind::kDone, E::kNone, "", 5},
      {"one_chunk", "5\r\nhello\r\n0\r\n\r\n", Kind::kDone, E::kNone, "hello", 15},
      {"two_chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", Kind::kDone, E::kNone, "hello world",
       26},
      {"hex_upper", "A\r\n0123456789\r\n0\r\n\r\n", Kind::kDone, E::kNone, "0123456789", 20},
      {"hex_lower", "a\r\n0123456789\r\n0\r\n\r\n", Kind::kDone, E::kNone, "0123456789", 20},
      {"binary_payload", "4\r\n\r\n\0\xff\r\n0\r\n\r\n"s, Kind::kDone, E::kNone, "\r\n\0\xff"s, 14},
      {"leading_zeros", "0005\r\nhello\r\n0000\r\n\r\n", Kind::kDone, E::kNone, "hello", 21},
      {"sixteen_digits", "0000000000000005\r\nhello\r\n0\r\n\r\n", Kind::kDone, E::kNone, "hello",
       30},
      {"extension_name", "5;name\r\nhello\r\n0\r\n\r\n", Kind::kDone, E::kNone, "hello", 20},
      {"extension_values", "5;a=b;c=\"d e\"\r\nhello\r\n0\r\n\r\n", Kind::kDone, E::kNone, "hello",
       27},
      {"extension_bws", "5 ; a = b ;\tc\r\nhello\r\n0\r\n\r\n", Kind::kDone, E::kNone, "hello", 27},
      {"extension_quoted_pair", "5;a=\"x\\\"y\\\t\xe9\"\r\nhello\r\n0\r\n\r\n", Kind::kDone,
       E::kNone, "hello", 27},
      {"extension_after_quoted", "5;a=\"\" ;b\r\nhello\r\n0\r\n\r\n", Kind::kDone, E::kNone,
       "hello", 23},
      {"extension_on_last_chunk", "0;last=1\r\n\r\n", Kind::kDone, E::kNone, "", 12},
      {"extension_at_line_limit", "5;" + ext_4092 + "\r\nhello\r\n0\r\n\r\n", Kind::kDone, E::kNone,
       "hello", 4096 + 12},
      {"trailers", "0\r\nX-Sum: abc\r\nEmpty:\r\nObs: \xc3\xa9\t\r\n\r\n", Kind::kDone, E::kNone,
       "", 35},
      {"trailers_at_limit", "0\r\n" + trailer_8192, Kind::kDone, E::kNone, "", 3 + 8192},
      {"next_message_left_alone", "0\r\n\r\nGET / HTTP/1.1\r\n", Kind::kDone, E::kNone, "", 5},
      // Incomplete bodies.
      {"empty_input", "", Kind::kNeedMore},
      {"payload_incomplete", "5\r\nhel", Kind::kNeedMore, E::kNone, "hel"},
      {"data_crlf_incomplete", "5\r\nhello\r", Kind::kNeedMore, E::kNone, "hello"},
      {"trailer_incomplete", "0\r\nX: a\r\n", Kind::kNeedMore},
      // Chunk sizes.
      {"empty_size", "\r\nhello\r\n0\r\n\r\n", Kind::kError, E::kBadChunkSize},
      {"size_not_hex", "x\r\n", Kind::kError, E::kBadChunkSize},
      {"size_negative", "-5\r\n", Kind::kError, E::kBadChunkSize},
      {"size_plus", "+5\r\n", Kind::kError, E::kBadChunkSize},
      {"size_leading_space", " 5\r\n", Kind::kError, E::kBadChunkSize},
      {"size_missing_before_ext", ";a\r\n", Kind::kError, E::kBadChunkSize},
      {"size_with_suffix", "5x\r\n", Kind::kError, E::kBadChunkSize},
      {"size_0x_prefix", "0x5\r\n", Kind::kError, E::kBadChunkSize},
      {"size_seventeen_digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", Kind::kError,
       E::kBadChunkSize},
      {"size_total_overflow", "1\r\na\r\nffffffffffffffff\r\n", Kind::kError, E::kBadChunkSize,
       "a"},
      {"second_size_bad", "5\r\nhello\r\nz\r\n", Kind::kError, E::kBadChunkSize, "hello"},
      // Framing.
      {"size_bare_lf", "5\nhello\r\n0\r\n\r\n", Kind::kError, E::kBadChunkFraming},
      {"size_bare_cr", "5\rhello\r\n0\r\n\r\n", Kind::kError, E::kBadChunkFraming},
      {"data_too_long", "5\r\nhelloX\r\n0\r\n\r\n", Kind::kError, E::kBadChunkFraming, "hello"},
      {"data_bare_lf", "5\r\nhello\n0\r\n\r\n", Kind::kError, E::kBadChunkFraming, "hello"},
      {"data_cr_cr", "5\r\nhello\r\r\n0\r\n\r\n", Kind::kError, E::kBadChunkFraming, "hello"},
      {"trailing_bws", "5 \r\nhello\r\n0\r\n\r\n", Kind::kError, E::kBadChunkFraming},
      {"two_sizes", "5 5\r\n", Kind::kError, E::kBadChunkFraming},
      {"empty_ext_name", "5;\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_name_not_token", "5;a@b\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_missing_value", "5;a=\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_value_missing_name", "5;=b\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_double_equals", "5;a==b\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_two_words", "5;a b\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_value_two_words", "5;a=b c\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_trailing_bws_after_name", "5;a \r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_trailing_bws_after_value", "5;a=b \r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_unterminated_quote", "5;a=\"x\r\nhello\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_ctl_in_quote", "5;a=\"\x01\"\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_ctl_after_backslash", "5;a=\"\\\x01\"\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_junk_after_quote", "5;a=\"x\"y\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_bare_lf", "5;a\nhello\r\n", Kind::kError, E::kBadChunkFraming},
      {"ext_nul", "5;a\0\r\n"s, Kind::kError, E::kBadChunkFraming},
      {"last_chunk_bare_lf", "0\n\r\n", Kind::kError, E::kBadChunkFraming},
      // Line length.
      {"chunk_line_too_long", "5;" + ext_4092 + "e\r\nhello\r\n0\r\n\r\n", Kind::kError,
       E::kChunkLineTooLong},
      {"chunk_line_too_long_without_end", "5;" + std::string(5000, 'e'), Kind::kError,
       E::kChunkLineTooLong},
      // Trailers.
      {"trailer_obs_fold", "0\r\nX: a\r\n b\r\n\r\n", Kind::kError, E::kBadTrailer},
      {"trailer_leading_space", "0\r\n X: a\r\n\r\n", Kind::kError, E::kBadTrailer},
      {"trailer_space_before_colon", "0\r\nX : a\r\n\r\n", Kind::kError, E::kBadTrailer},
      {"trailer_empty_name", "0\r\n: a\r\n\r\n", Kind::kError, E::kBadTrailer},
      {"trailer_no_colon", "0\r\nX\r\n\r\n", Kind::kError, E::kBadTrailer},
      {"trailer_nul_in_value", "0\r\nX: a\0\r\n\r\n"s, Kind::kError, E::kBadTrailer},
      {"trailer_bare_lf", "0\r\nX: a\n\r\n", Kind::kError, E::kBadTrailer},
      {"trailer_bare_cr", "0\r\nX: a\rb\r\n\r\n", Kind::kError, E::kBadTrailer},
      {"final_bare_lf", "0\r\n\n", Kind::kError, E::kBadTrailer},
      {"final_bare_cr", "0\r\n\rx", Kind::kError, E::kBadTrailer},
      {"trailers_too_large", "0\r\nX: " + std::string(8192 - 6, 't') + "\r\n\r\n", Kind::kError,
       E::kBadTrailer},
  };
}

class ChunkedDecoderCaseTest : public ::testing::TestWithParam<ChunkedCase> {
 protected:
  void Expect(const DecodeResult& result) {
    const ChunkedCase& c = GetParam();
    ASSERT_EQ(result.kind, c.kind);
    EXPECT_EQ(result.error, c.error)
        << ParseErrorName(result.error) << " != " << ParseErrorName(c.error);
    EXPECT_EQ(result.body, c.body);
    if (c.kind == Kind::kDone) {
      EXPECT_EQ(result.used, c.used);
    }
  }
};

TEST_P(ChunkedDecoderCaseTest, Whole) { Expect(Decode({GetParam().input})); }

TEST_P(ChunkedDecoderCaseTest, ByteByByte) {
  std::vector<std::string> pieces;
  for (char c : GetParam().input) pieces.emplace_back(1, c);
  Expect(Decode(pieces));
}

TEST_P(ChunkedDecoderCaseTest, EveryTwoWaySplit) {
  const std::string& input = GetParam().input;
  // Long inputs are covered whole and byte by byte; splitting them everywhere adds nothing.
  const size_t step = input.size() > 200 ? input.size() / 97 : 1;
  for (size_t cut = 0; cut <= input.size(); cut += step) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Expect(Decode({input.substr(0, cut), input.substr(cut)}));
  }
}

INSTANTIATE_TEST_SUITE_P(ChunkedDecoder, ChunkedDecoderCaseTest,
                         ::testing::ValuesIn(ChunkedCases()),
                         [](const ::testing::TestParamInfo<ChunkedCase>& param_info) {
                           return param_info.param.name;
                         });

// ---------------------------------------------------------------------------------------------
// Step-level contract

TEST(ChunkedDecoderTest, StepsOfOneBody) {
  const std::string body = "5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\nNEXT";
  ChunkedDecoder decoder;
  std::string_view rest = body;
  auto next = [&] {
    ExactBuffer front(rest.substr(0, ChunkedDecoder::kMaxPeek));
    return decoder.Next(front.view(), rest.size());
  };

  ChunkedDecoder::Step step = next();
  EXPECT_EQ(step.kind, Kind::kData);
  EXPECT_EQ(step.consumed, 3u);  // "5\r\n"
  EXPECT_EQ(step.payload, 5u);
  rest.remove_prefix(step.consumed + step.payload);

  step = next();
  EXPECT_EQ(step.kind, Kind::kData);
  EXPECT_EQ(step.consumed, 2u + 7u);  // "\r\n" + "3;x=y\r\n"
  EXPECT_EQ(step.payload, 3u);
  rest.remove_prefix(step.consumed + step.payload);

  step = next();
  EXPECT_EQ(step.kind, Kind::kDone);
  EXPECT_EQ(step.consumed, 2u + 3u + 6u + 2u);  // "\r\n" "0\r\n" "T: v\r\n" "\r\n"
  rest.remove_prefix(step.consumed);
  EXPECT_EQ(rest, "NEXT");
  EXPECT_EQ(decoder.body_bytes(), 8u);

  // Done is sticky and consumes nothing more.
  step = next();
  EXPECT_EQ(step.kind, Kind::kDone);
  EXPECT_EQ(step.consumed, 0u);
}

TEST(ChunkedDecoderTest, PayloadSplitAcrossCalls) {
  ChunkedDecoder decoder;
  ExactBuffer first("a\r\n0123");
  ChunkedDecoder::Step step = decoder.Next(first.view(), first.view().size());
  EXPECT_EQ(step.kind, Kind::kData);
  EXPECT_EQ(step.consumed, 3u);
  EXPECT_EQ(step.payload, 4u);

  // Nothing buffered: wait without consuming.
  step = decoder.Next({}, 0);
  EXPECT_EQ(step.kind, Kind::kNeedMore);
  EXPECT_EQ(step.consumed, 0u);

  ExactBuffer second("456789\r\n0\r\n\r\n");
  step = decoder.Next(second.view(), second.view().size());
  EXPECT_EQ(step.kind, Kind::kData);
  EXPECT_EQ(step.consumed, 0u);
  EXPECT_EQ(step.payload, 6u);
  EXPECT_EQ(decoder.body_bytes(), 10u);
}

TEST(ChunkedDecoderTest, PayloadBeyondThePeekWindow) {
  // A chunk larger than kMaxPeek: the payload count comes from `available`, not from `front`.
  const size_t size = 100000;
  const std::string input = "186a0\r\n" + std::string(size, 'p') + "\r\n0\r\n\r\n";
  ChunkedDecoder decoder;
  ExactBuffer front(std::string_view(input).substr(0, ChunkedDecoder::kMaxPeek));
  const ChunkedDecoder::Step step = decoder.Next(front.view(), input.size());
  EXPECT_EQ(step.kind, Kind::kData);
  EXPECT_EQ(step.consumed, 7u);
  EXPECT_EQ(step.payload, size);

  // And fed in uneven pieces through the caller loop.
  std::vector<std::string> pieces;
  for (size_t pos = 0; pos < input.size(); pos += 4093) pieces.push_back(input.substr(pos, 4093));
  const DecodeResult result = Decode(pieces);
  EXPECT_EQ(result.kind, Kind::kDone);
  EXPECT_EQ(result.body, std::string(size, 'p'));
  EXPECT_EQ(result.used, input.size());
}

TEST(ChunkedDecoderTest, ErrorIsStickyAndResetRecovers) {
  ChunkedDecoder decoder;
  ExactBuffer bad("zz\r\n");
  EXPECT_EQ(decoder.Next(bad.view(), bad.view().size()).kind, Kind::kError);
  EXPECT_EQ(decoder.error(), ParseError::kBadChunkSize);
  ExactBuffer good("0\r\n\r\n");
  EXPECT_EQ(decoder.Next(good.view(), good.view().size()).kind, Kind::kError);
  decoder.Reset();
  EXPECT_EQ(decoder.error(), ParseError::kNone);
  EXPECT_EQ(decoder.body_bytes(), 0u);
  const ChunkedDecoder::Step step = decoder.Next(good.view(), good.view().size());
  EXPECT_EQ(step.kind, Kind::kDone);
  EXPECT_EQ(step.consumed, 5u);
}

// Many small chunks and a long trailer section fed one byte at a time: every framing byte is
// looked at once, so this is linear (a rescanning decoder would be quadratic in the trailer).
TEST(ChunkedDecoderTest, ByteByByteManyChunks) {
  std::string input;
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    input += "3;i=" + std::to_string(i) + "\r\nabc\r\n";
    expected += "abc";
  }
  input += "0\r\n";
  for (int i = 0; i < 500; ++i) input += "T" + std::to_string(i) + ": v\r\n";
  input += "\r\n";
  std::vector<std::string> pieces;
  for (char c : input) pieces.emplace_back(1, c);
  const DecodeResult result = Decode(pieces);
  EXPECT_EQ(result.kind, Kind::kDone);
  EXPECT_EQ(result.body, expected);
  EXPECT_EQ(result.used, input.size());
}

}  // namespace
}  // namespace rampart::http
