#pragma once
// The HTTP request and response model shared by the HTTP/1.1 codec, the stages and the proxy.
// Parsed once; the proxy then edits headers in place before forwarding.

#include <cstdint>
#include <string>
#include <string_view>

#include "http/header_map.h"

namespace rampart::http {

enum class Version : uint8_t {
  kHttp10,  // HTTP/1.0: no chunked, keep-alive only when asked for
  kHttp11,  // HTTP/1.1
  kHttp2,   // HTTP/2 (a stream the proxy bridged to its HTTP/1.1 code path)
};

// How the end of a message body is found.
enum class BodyFraming : uint8_t {
  kNone,           // no body (GET without length, 204, 304, response to HEAD, 1xx)
  kContentLength,  // exactly content_length bytes
  kChunked,        // Transfer-Encoding: chunked
  kUntilClose,     // responses only: the body ends when the backend closes the connection
};

// "HTTP/1.0", "HTTP/1.1", "HTTP/2.0": as logs and ModSecurity's REQUEST_PROTOCOL name it.
std::string_view VersionName(Version version);

struct Request {
  std::string method;
  std::string target;  // request-target as received (origin-form, absolute-form or "*")
  Version version = Version::kHttp11;
  HeaderMap headers;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;   // valid when framing == kContentLength
  std::string host;              // authority: from Host, or from an absolute-form target
  bool keep_alive = true;        // false on "Connection: close" or HTTP/1.0 without keep-alive
  bool expect_continue = false;  // "Expect: 100-continue" was sent
  bool upgrade = false;          // Connection: upgrade with an Upgrade header (e.g. WebSocket)

  // The path part of an origin-form target (everything before '?'); "/" for "*".
  std::string_view path() const;
  // The query without '?', empty when there is none.
  std::string_view query() const;
};

struct Response {
  int status = 0;
  std::string reason;
  Version version = Version::kHttp11;
  HeaderMap headers;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;  // the backend will keep the connection open after this response
};

}  // namespace rampart::http
