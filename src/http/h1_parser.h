#pragma once
// Strict, incremental RFC 9112 parsers for HTTP/1.1 message heads.
//
// Contract (the same for requests and responses): the caller keeps every byte received but not
// yet consumed in one buffer and passes a view of all of it each time more arrives (the view
// grows; its prefix never changes). Parse() returns
//   kPartial  - need more bytes; nothing consumed. Work already done is remembered, so feeding
//               a head one byte at a time costs O(n) in total, not O(n^2).
//   kComplete - `out` is filled and `consumed` is the length of the head including the final
//               empty line; body bytes (if any) follow in the buffer.
//   kError    - error() says why; the connection must be answered and closed.
// Errors are reported as early as they can be seen (a bad method byte, an over-long request
// line) rather than only once the head is complete. Reset() before parsing the next message.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/message.h"
#include "http/parse_error.h"

namespace rampart::http {

struct ParseLimits {
  size_t max_request_line = 8 * 1024;   // longer -> 414
  size_t max_header_bytes = 32 * 1024;  // whole head incl. request line -> 431
  size_t max_header_count = 100;        // -> 431
};

enum class ParseStatus : uint8_t {
  kPartial,   // need more bytes
  kComplete,  // head parsed
  kError,     // refused; see error()
};

class RequestParser {
 public:
  explicit RequestParser(ParseLimits limits = {}) : limits_(limits) {}
  ParseStatus Parse(std::string_view data, Request& out, size_t& consumed);
  ParseError error() const { return error_; }
  void Reset();

 private:
  // Where the scan is. The request line is checked byte by byte as it arrives; field lines only
  // get their line endings, first byte and count checked until the empty line is seen, then
  // the whole field section is parsed once.
  enum class Phase : uint8_t {
    kRequestLine,  // in the request line (or the empty lines allowed before it)
    kFields,       // in the field section
    kComplete,     // head seen; Parse() re-fills `out` if called again
    kError,        // error_ is set
  };
  enum class LinePart : uint8_t { kMethod, kTarget, kVersion };

  ParseStatus Fail(ParseError error);
  // Checks the request-line byte at `pos` (not CR or LF).
  ParseError OnRequestLineByte(std::string_view data, size_t pos);
  // Checks the whole request line once its CRLF is seen; `end` is the offset of its CR.
  ParseError OnRequestLineEnd(std::string_view data, size_t end);
  // Parses the field section and applies the RFC 9112 message rules.
  ParseStatus Finish(std::string_view data, Request& out, size_t& consumed);

  ParseLimits limits_;
  ParseError error_ = ParseError::kNone;
  size_t scanned_ = 0;  // bytes of `data` already checked for line endings
  Phase phase_ = Phase::kRequestLine;
  LinePart part_ = LinePart::kMethod;
  size_t line_start_ = 0;  // offset of the current line's first byte
  size_t request_line_start_ = 0;
  size_t empty_lines_ = 0;   // empty lines skipped before the request line
  size_t method_end_ = 0;    // offset of the SP after the method
  size_t target_end_ = 0;    // offset of the SP after the request-target
  size_t fields_start_ = 0;  // offset of the first field line
  size_t field_count_ = 0;   // field lines seen so far
  size_t head_end_ = 0;      // offset just past the final CRLF
};

class ResponseParser {
 public:
  explicit ResponseParser(ParseLimits limits = {}) : limits_(limits) {}
  // `request_method_head` decides body framing as RFC 9112 §6.3 says (CONNECT is never
  // forwarded, so a 2xx to CONNECT cannot occur).
  ParseStatus Parse(std::string_view data, bool request_method_head, Response& out,
                    size_t& consumed);
  ParseError error() const { return error_; }
  void Reset();

 private:
  enum class Phase : uint8_t { kStatusLine, kFields, kComplete, kError };

  ParseStatus Fail(ParseError error);
  ParseStatus Finish(std::string_view data, bool request_method_head, Response& out,
                     size_t& consumed);

  ParseLimits limits_;
  ParseError error_ = ParseError::kNone;
  size_t scanned_ = 0;
  Phase phase_ = Phase::kStatusLine;
  size_t status_line_end_ = 0;  // offset of the status line's CR
  size_t line_start_ = 0;
  size_t fields_start_ = 0;
  size_t field_count_ = 0;
  size_t head_end_ = 0;
};

}  // namespace rampart::http
