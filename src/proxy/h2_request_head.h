#pragma once
// H2RequestHead: one HTTP/2 request's header fields as they arrive, counted against the HTTP/1.1
// parse limits, then written out as the HTTP/1.1 head that the stream's bridged Session parses.
// Owned by its stream in the H2Connection; used on the worker's thread.
//
// nghttp2 has checked every field before it gets here (RFC 9113 §8.2): names are lower-case
// tokens, values hold no CR, LF or NUL and no leading or trailing whitespace, the pseudo-fields
// come first, once each and well-formed, and the connection-specific fields (connection,
// keep-alive, proxy-connection, transfer-encoding, upgrade, te other than "trailers") are
// refused. What is left to decide here is what HTTP/1.1 needs: the request line, one Host,
// one Cookie, and the body framing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/h1_parser.h"

namespace rampart::proxy {

class H2RequestHead {
 public:
  // What becomes of the request once its header block is complete.
  enum class Verdict : uint8_t {
    kBridge,         // a request a Session can serve
    kTooLarge,       // over the header list size or count limit: answered 431 here
    kConnect,        // CONNECT (a tunnel) is not served: answered 405 here
    kHostMismatch,   // a host field naming another authority than :authority: a stream error
    kMissingPseudo,  // no :method or no :path (nghttp2 checks this too): a stream error
  };

  explicit H2RequestHead(const http::ParseLimits& limits) : limits_(limits) {}

  // Adds one field (a pseudo-field or a regular one). Once the list is over the limits nothing
  // more is kept, so the memory a header block costs stays bounded whatever it decodes to.
  void Add(std::string_view name, std::string_view value);

  Verdict Check() const;
  // The limit that was passed (http::ParseError::kHeadersTooLarge or kTooManyHeaders), for the
  // malformed-request counter; kNone while within the limits.
  http::ParseError limit_error() const { return limit_error_; }
  const std::string& method() const { return method_; }

  // The HTTP/1.1 head, through its empty line. `body_follows`: DATA may follow the HEADERS
  // (no END_STREAM); without a content-length the body is then sent chunked. Every head ends
  // with Connection: close, since its Session carries this one request only.
  std::string ToHttp1(bool body_follows) const;
  // Whether ToHttp1(true) frames the body as chunked.
  bool chunked_body() const { return content_length_.empty(); }

 private:
  // RFC 9113 §6.5.2: a field's size is its name and value lengths plus 32.
  static constexpr size_t kFieldOverhead = 32;

  http::ParseLimits limits_;
  size_t list_size_ = 0;
  size_t field_count_ = 0;
  http::ParseError limit_error_ = http::ParseError::kNone;

  std::string method_;
  std::string path_;
  std::string authority_;
  bool has_host_ = false;
  std::string host_;
  std::string cookie_;  // every cookie field, joined with "; " (RFC 9113 §8.2.3)
  std::string content_length_;
  std::vector<std::pair<std::string, std::string>> fields_;  // the rest, in order
};

}  // namespace rampart::proxy
