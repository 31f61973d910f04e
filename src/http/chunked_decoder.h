#pragma once
// Incremental decoder for a chunked message body (RFC 9112 §7.1), strict: hex sizes without
// overflow, CRLF line endings only, chunk extensions checked against the grammar, trailers
// parsed as header fields and discarded.
//
// The caller owns the input buffer (an evbuffer) and moves payload bytes out of it without
// copying; the decoder only reads framing bytes. Loop:
//   step = decoder.Next(front, available)
//   kData:     drop step.consumed framing bytes, then move step.payload payload bytes on
//   kNeedMore: drop step.consumed bytes (may be 0) and wait for more input
//   kDone:     drop step.consumed bytes; the body is complete (what follows is the next message)
//   kError:    error() says why
// `front` is a view of the first min(available, kMaxPeek) buffered bytes; `available` is how
// many bytes are buffered in all.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/parse_error.h"

namespace rampart::http {

class ChunkedDecoder {
 public:
  static constexpr size_t kMaxPeek = 16 * 1024;  // a chunk line or the trailer section fits
  static constexpr size_t kMaxChunkLine = 4096;  // size + extensions + CRLF
  static constexpr size_t kMaxTrailerBytes = 8 * 1024;

  struct Step {
    enum Kind : uint8_t {
      kNeedMore,  // more input needed
      kData,      // payload bytes follow the consumed framing
      kDone,      // last chunk and trailers read
      kError,     // refused
    };
    Kind kind = kNeedMore;
    size_t consumed = 0;   // framing bytes to drop from the front first
    uint64_t payload = 0;  // kData: payload bytes right after them (all buffered now)
  };

  Step Next(std::string_view front, size_t available);
  ParseError error() const { return error_; }
  uint64_t body_bytes() const { return body_bytes_; }  // payload bytes seen so far
  void Reset();

 private:
  enum class State : uint8_t { kSize, kData, kDataCrlf, kTrailers, kDone, kError };
  // Where inside a framing line the decoder is. Every framing byte is examined once and
  // consumed as soon as it is seen, so nothing is rescanned however the input is split.
  enum class Sub : uint8_t {
    kDigits,        // chunk-size HEXDIGs
    kBeforeSemi,    // BWS, then ';' or CR
    kExtNameStart,  // after ';': BWS, then a token
    kExtName,       // in a chunk-ext-name
    kAfterName,     // BWS after a name: '=' or ';'
    kValueStart,    // after '=': BWS, then a token or a quoted-string
    kValueToken,    // in a token value
    kQuoted,        // in a quoted-string
    kQuotedPair,    // after a backslash in a quoted-string
    kAfterQuoted,   // after the closing DQUOTE
    kSizeLf,        // CR seen at the end of the size line
    kDataCr,        // after chunk data: CR
    kDataLf,        // after chunk data: LF
    kTrailerStart,  // at the start of a trailer line (or the final CRLF)
    kTrailerName,   // in a trailer field name
    kTrailerValue,  // in a trailer field value
    kTrailerLf,     // CR seen at the end of a trailer line
    kFinalLf,       // CR seen at the end of the trailer section
  };

  enum class ByteResult : uint8_t {
    kMore,   // byte accepted, the line or section goes on
    kEnd,    // byte accepted, it ended the size line / the trailer section
    kError,  // byte refused; error_ is set
  };

  Step Fail(ParseError error, size_t consumed);
  // Reports up to the rest of the current chunk's payload after `consumed` framing bytes.
  Step DataStep(size_t consumed, size_t available);
  ByteResult OnSizeLineByte(char c);
  ByteResult OnTrailerByte(char c);
  ByteResult Refuse(ParseError error);

  State state_ = State::kSize;
  Sub sub_ = Sub::kDigits;
  uint64_t remaining_ = 0;  // payload bytes left in the current chunk (kSize: the size so far)
  uint64_t body_bytes_ = 0;
  size_t trailer_scanned_ = 0;  // trailer section bytes consumed so far
  size_t line_bytes_ = 0;       // bytes of the current chunk-size line consumed so far
  size_t digits_ = 0;           // HEXDIGs of the current chunk-size
  ParseError error_ = ParseError::kNone;
};

}  // namespace rampart::http
