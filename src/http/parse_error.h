#pragma once
// Why a message was refused. Each value maps to the status sent to the client and to the
// label of the rampart_malformed_requests_total{reason=...} counter.

#include <cstdint>
#include <string_view>

namespace rampart::http {

enum class ParseError : uint8_t {
  kNone,                         // no error
  kBadRequestLine,               // request line not "method SP target SP version CRLF" (400)
  kBadMethod,                    // method is not a token (400)
  kBadTarget,                    // request-target has forbidden bytes or form (400)
  kUriTooLong,                   // request line longer than the limit (414)
  kBadVersion,                   // not HTTP/1.x syntax (400)
  kUnsupportedVersion,           // HTTP/2.0, HTTP/1.2 ... in an HTTP/1 request line (505)
  kBadLineEnding,                // bare LF or bare CR (400)
  kBadHeaderName,                // field name empty or not a token (400)
  kWhitespaceBeforeColon,        // "Name : value" (400)
  kObsFold,                      // a line starting with SP or HTAB (400)
  kBadHeaderValue,               // CTL or NUL in a field value (400)
  kHeadersTooLarge,              // header section over the byte limit (431)
  kTooManyHeaders,               // more fields than the count limit (431)
  kMissingHost,                  // HTTP/1.1 without Host (400)
  kDuplicateHost,                // more than one Host field (400)
  kBadHost,                      // Host value is not a valid authority (400)
  kBadContentLength,             // Content-Length not a decimal number, or overflows (400)
  kDuplicateContentLength,       // Content-Length given more than once (400)
  kContentLengthWithChunked,     // both Content-Length and Transfer-Encoding (400)
  kUnsupportedTransferEncoding,  // a coding other than a single final "chunked" (501)
  kTransferEncodingHttp10,       // Transfer-Encoding in an HTTP/1.0 request (400)
  kBadChunkSize,                 // chunk size not hex, empty or overflowing (400)
  kBadChunkFraming,              // missing CRLF after chunk data, bad chunk-ext (400)
  kChunkLineTooLong,             // chunk size line over the limit (400)
  kBadTrailer,                   // malformed or oversized trailer section (400)
  kBadStatusLine,                // responses: status line malformed (502 to the client)
};

// HTTP status to answer a client with for `error`.
int StatusFor(ParseError error);

// Stable snake_case name used as a metrics label and in debug logs, e.g. "obs_fold".
std::string_view ParseErrorName(ParseError error);

}  // namespace rampart::http
