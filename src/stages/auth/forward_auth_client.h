#pragma once
// ForwardAuthCall: one sub-request to an auth service (nginx auth_request, Traefik ForwardAuth)
// on a worker's event loop. A fresh connection per call with Connection: close; one deadline
// for connect, send and the whole response; the response (head and a bounded body) is handed
// to `done` once. Plain HTTP only: the auth service sits beside rampart (loopback or a private
// network) until TLS to backends exists.

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/header_map.h"

struct event_base;

namespace rampart::stages::auth {

// Where sub-requests go, from a `forward.url` ("http://127.0.0.1:9091/verify?x=1").
struct ForwardAuthEndpoint {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string host_header;  // "127.0.0.1:9091" (the port left out when it is 80)
  std::string path;         // "/verify?x=1" ("/" when the URL has none)
  std::string url;          // as configured, for logs
};

// Parses and resolves `url` (http://host[:port][/path[?query]]; a name is resolved once, here).
// Errors say what is wrong ("forward.url: https is not supported yet", "cannot resolve ...").
core::Result<ForwardAuthEndpoint> ParseForwardAuthUrl(const std::string& url);

struct ForwardAuthResponse {
  enum class Outcome : uint8_t {
    kAnswered,       // a complete response: status, headers, body
    kTimeout,        // the deadline passed first
    kConnectFailed,  // refused, unreachable
    kBadResponse,    // malformed, closed early, or larger than the limit
  };
  Outcome outcome = Outcome::kAnswered;
  int status = 0;
  http::HeaderMap headers;
  std::string body;   // de-chunked
  std::string error;  // for the log when not kAnswered
};

class ForwardAuthCall {
 public:
  using Done = std::function<void(ForwardAuthResponse)>;

  // Sends `request` (a whole HTTP/1.1 request head, built by the caller, ending in CRLF CRLF)
  // to `endpoint` on `base`. `done` runs exactly once, on the loop's thread, later (never
  // inside Start) — unless the call is destroyed first, which cancels it silently. `done` runs
  // last and may destroy the call. A response that takes more than `max_response_bytes` on the
  // wire (interim 1xx responses and chunk framing included) is kBadResponse.
  static std::unique_ptr<ForwardAuthCall> Start(event_base* base,
                                                const ForwardAuthEndpoint& endpoint,
                                                std::string request,
                                                std::chrono::milliseconds timeout,
                                                size_t max_response_bytes, Done done);
  virtual ~ForwardAuthCall() = default;

 protected:
  ForwardAuthCall() = default;
};

}  // namespace rampart::stages::auth
