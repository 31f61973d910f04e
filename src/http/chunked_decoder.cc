#include "http/chunked_decoder.h"

#include <algorithm>
#include <limits>

#include "http/char_class.h"

namespace rampart::http {

namespace {

using internal::HexValue;
using internal::IsFieldValueChar;
using internal::IsHexDigit;
using internal::IsSpaceOrTab;
using internal::IsTchar;

// 16 HEXDIGs fill a uint64_t; a longer size (even with leading zeros) is refused rather than
// trusted to wrap the same way on the backend.
constexpr size_t kMaxSizeDigits = 16;

// qdtext of RFC 9110 §5.6.4: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
bool IsQdtext(char c) { return c != '"' && c != '\\' && IsFieldValueChar(c); }

}  // namespace

// One call consumes at most a data CRLF, one chunk line and a whole trailer section before it
// has something to report, so a full `front` always yields progress: a caller never waits for
// input while a peek's worth of framing sits unread.
static_assert(2 + ChunkedDecoder::kMaxChunkLine + ChunkedDecoder::kMaxTrailerBytes <
              ChunkedDecoder::kMaxPeek);

void ChunkedDecoder::Reset() { *this = ChunkedDecoder(); }

ChunkedDecoder::Step ChunkedDecoder::Fail(ParseError error, size_t consumed) {
  error_ = error;
  state_ = State::kError;
  return Step{Step::kError, consumed, 0};
}

ChunkedDecoder::ByteResult ChunkedDecoder::Refuse(ParseError error) {
  error_ = error;
  return ByteResult::kError;
}

ChunkedDecoder::Step ChunkedDecoder::DataStep(size_t consumed, size_t available) {
  const uint64_t buffered = available > consumed ? available - consumed : 0;
  if (buffered == 0) return Step{Step::kNeedMore, consumed, 0};
  const uint64_t payload = std::min(remaining_, buffered);
  remaining_ -= payload;
  body_bytes_ += payload;
  if (remaining_ == 0) {
    state_ = State::kDataCrlf;
    sub_ = Sub::kDataCr;
  }
  return Step{Step::kData, consumed, payload};
}

ChunkedDecoder::Step ChunkedDecoder::Next(std::string_view front, size_t available) {
  switch (state_) {
    case State::kDone:
      return Step{Step::kDone, 0, 0};
    case State::kError:
      return Step{Step::kError, 0, 0};
    case State::kData:
      return DataStep(0, available);
    default:
      break;
  }

  size_t i = 0;
  while (i < front.size()) {
    const char c = front[i++];
    switch (state_) {
      case State::kSize: {
        if (++line_bytes_ > kMaxChunkLine) return Fail(ParseError::kChunkLineTooLong, i);
        const ByteResult result = OnSizeLineByte(c);
        if (result == ByteResult::kError) return Fail(error_, i);
        if (result == ByteResult::kMore) break;
        line_bytes_ = 0;
        digits_ = 0;
        if (remaining_ == 0) {  // last-chunk: the trailer section follows
          state_ = State::kTrailers;
          sub_ = Sub::kTrailerStart;
          break;
        }
        if (remaining_ > std::numeric_limits<uint64_t>::max() - body_bytes_) {
          return Fail(ParseError::kBadChunkSize, i);
        }
        state_ = State::kData;
        return DataStep(i, available);
      }
      case State::kDataCrlf:
        if (sub_ == Sub::kDataCr && c == '\r') {
          sub_ = Sub::kDataLf;
        } else if (sub_ == Sub::kDataLf && c == '\n') {
          state_ = State::kSize;
          sub_ = Sub::kDigits;
        } else {
          return Fail(ParseError::kBadChunkFraming, i);
        }
        break;
      case State::kTrailers: {
        if (++trailer_scanned_ > kMaxTrailerBytes) return Fail(ParseError::kBadTrailer, i);
        const ByteResult result = OnTrailerByte(c);
        if (result == ByteResult::kError) return Fail(error_, i);
        if (result == ByteResult::kEnd) {
          state_ = State::kDone;
          return Step{Step::kDone, i, 0};
        }
        break;
      }
      default:  // kData, kDone and kError returned above
        return Fail(ParseError::kBadChunkFraming, i);
    }
  }
  return Step{Step::kNeedMore, i, 0};
}

// chunk-size [ chunk-ext ] CRLF, with
//   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )   (RFC 9112 §7.1.1)
// Whitespace is accepted only where BWS is; a bare LF or CR ends nothing. Extensions are
// checked, then ignored.
ChunkedDecoder::ByteResult ChunkedDecoder::OnSizeLineByte(char c) {
  switch (sub_) {
    case Sub::kDigits:
      if (IsHexDigit(c)) {
        if (++digits_ > kMaxSizeDigits) return Refuse(ParseError::kBadChunkSize);
        remaining_ = (remaining_ << 4) | static_cast<uint64_t>(HexValue(c));
        return ByteResult::kMore;
      }
      if (digits_ == 0) return Refuse(ParseError::kBadChunkSize);
      if (c == ';') {
        sub_ = Sub::kExtNameStart;
      } else if (IsSpaceOrTab(c)) {
        sub_ = Sub::kBeforeSemi;
      } else if (c == '\r') {
        sub_ = Sub::kSizeLf;
      } else {
        return Refuse(c == '\n' ? ParseError::kBadChunkFraming : ParseError::kBadChunkSize);
      }
      return ByteResult::kMore;
    case Sub::kBeforeSemi:
      if (c == ';') {
        sub_ = Sub::kExtNameStart;
      } else if (!IsSpaceOrTab(c)) {
        return Refuse(ParseError::kBadChunkFraming);
      }
      return ByteResult::kMore;
    case Sub::kExtNameStart:
      if (IsTchar(c)) {
        sub_ = Sub::kExtName;
      } else if (!IsSpaceOrTab(c)) {
        return Refuse(ParseError::kBadChunkFraming);
      }
      return ByteResult::kMore;
    case Sub::kExtName:
    case Sub::kAfterName:
      if (c == '=') {
        sub_ = Sub::kValueStart;
      } else if (c == ';') {
        sub_ = Sub::kExtNameStart;
      } else if (IsSpaceOrTab(c)) {
        sub_ = Sub::kAfterName;
      } else if (sub_ == Sub::kExtName && IsTchar(c)) {
        // still in the name
      } else if (sub_ == Sub::kExtName && c == '\r') {
        sub_ = Sub::kSizeLf;
      } else {
        return Refuse(ParseError::kBadChunkFraming);
      }
      return ByteResult::kMore;
    case Sub::kValueStart:
      if (c == '"') {
        sub_ = Sub::kQuoted;
      } else if (IsTchar(c)) {
        sub_ = Sub::kValueToken;
      } else if (!IsSpaceOrTab(c)) {
        return Refuse(ParseError::kBadChunkFraming);
      }
      return ByteResult::kMore;
    case Sub::kValueToken:
    case Sub::kAfterQuoted:
      if (c == ';') {
        sub_ = Sub::kExtNameStart;
      } else if (IsSpaceOrTab(c)) {
        sub_ = Sub::kBeforeSemi;
      } else if (c == '\r') {
        sub_ = Sub::kSizeLf;
      } else if (sub_ != Sub::kValueToken || !IsTchar(c)) {
        return Refuse(ParseError::kBadChunkFraming);
      }
      return ByteResult::kMore;
    case Sub::kQuoted:
      if (c == '"') {
        sub_ = Sub::kAfterQuoted;
      } else if (c == '\\') {
        sub_ = Sub::kQuotedPair;
      } else if (!IsQdtext(c)) {
        return Refuse(ParseError::kBadChunkFraming);
      }
      return ByteResult::kMore;
    case Sub::kQuotedPair:
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
      if (!IsFieldValueChar(c)) return Refuse(ParseError::kBadChunkFraming);
      sub_ = Sub::kQuoted;
      return ByteResult::kMore;
    case Sub::kSizeLf:
      if (c != '\n') return Refuse(ParseError::kBadChunkFraming);
      sub_ = Sub::kDigits;
      return ByteResult::kEnd;
    default:
      return Refuse(ParseError::kBadChunkFraming);
  }
}

// trailer-section = *( field-line CRLF ) CRLF, each field-line as in a header section: token
// name, no whitespace before ':', no obs-fold, no CTL in values.
ChunkedDecoder::ByteResult ChunkedDecoder::OnTrailerByte(char c) {
  switch (sub_) {
    case Sub::kTrailerStart:
      if (c == '\r') {
        sub_ = Sub::kFinalLf;
      } else if (IsTchar(c)) {
        sub_ = Sub::kTrailerName;
      } else {
        return Refuse(ParseError::kBadTrailer);
      }
      return ByteResult::kMore;
    case Sub::kTrailerName:
      if (c == ':') {
        sub_ = Sub::kTrailerValue;
      } else if (!IsTchar(c)) {
        return Refuse(ParseError::kBadTrailer);
      }
      return ByteResult::kMore;
    case Sub::kTrailerValue:
      if (c == '\r') {
        sub_ = Sub::kTrailerLf;
      } else if (!IsFieldValueChar(c)) {
        return Refuse(ParseError::kBadTrailer);
      }
      return ByteResult::kMore;
    case Sub::kTrailerLf:
      if (c != '\n') return Refuse(ParseError::kBadTrailer);
      sub_ = Sub::kTrailerStart;
      return ByteResult::kMore;
    case Sub::kFinalLf:
      if (c != '\n') return Refuse(ParseError::kBadTrailer);
      return ByteResult::kEnd;
    default:
      return Refuse(ParseError::kBadTrailer);
  }
}

}  // namespace rampart::http
