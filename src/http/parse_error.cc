#include "http/parse_error.h"

namespace rampart::http {

int StatusFor(ParseError error) {
  switch (error) {
    case ParseError::kUriTooLong:
      return 414;
    case ParseError::kHeadersTooLarge:
    case ParseError::kTooManyHeaders:
      return 431;
    case ParseError::kUnsupportedTransferEncoding:
      return 501;
    case ParseError::kUnsupportedVersion:
      return 505;
    case ParseError::kBadStatusLine:
      // The backend sent garbage: the client is told the gateway failed, not that it erred.
      return 502;
    default:
      return 400;
  }
}

std::string_view ParseErrorName(ParseError error) {
  // A switch without default so that -Wswitch flags a new enum value left without a name.
  switch (error) {
    case ParseError::kNone:
      return "none";
    case ParseError::kBadRequestLine:
      return "bad_request_line";
    case ParseError::kBadMethod:
      return "bad_method";
    case ParseError::kBadTarget:
      return "bad_target";
    case ParseError::kUriTooLong:
      return "uri_too_long";
    case ParseError::kBadVersion:
      return "bad_version";
    case ParseError::kUnsupportedVersion:
      return "unsupported_version";
    case ParseError::kBadLineEnding:
      return "bad_line_ending";
    case ParseError::kBadHeaderName:
      return "bad_header_name";
    case ParseError::kWhitespaceBeforeColon:
      return "whitespace_before_colon";
    case ParseError::kObsFold:
      return "obs_fold";
    case ParseError::kBadHeaderValue:
      return "bad_header_value";
    case ParseError::kHeadersTooLarge:
      return "headers_too_large";
    case ParseError::kTooManyHeaders:
      return "too_many_headers";
    case ParseError::kMissingHost:
      return "missing_host";
    case ParseError::kDuplicateHost:
      return "duplicate_host";
    case ParseError::kBadHost:
      return "bad_host";
    case ParseError::kBadContentLength:
      return "bad_content_length";
    case ParseError::kDuplicateContentLength:
      return "duplicate_content_length";
    case ParseError::kContentLengthWithChunked:
      return "content_length_with_chunked";
    case ParseError::kUnsupportedTransferEncoding:
      return "unsupported_transfer_encoding";
    case ParseError::kTransferEncodingHttp10:
      return "transfer_encoding_http10";
    case ParseError::kBadChunkSize:
      return "bad_chunk_size";
    case ParseError::kBadChunkFraming:
      return "bad_chunk_framing";
    case ParseError::kChunkLineTooLong:
      return "chunk_line_too_long";
    case ParseError::kBadTrailer:
      return "bad_trailer";
    case ParseError::kBadStatusLine:
      return "bad_status_line";
  }
  return "unknown";
}

}  // namespace rampart::http
