#pragma once
// Client: a blocking loopback TCP client for e2e tests. Every call is bounded by its own
// timeout (poll), so a misbehaving proxy fails a test instead of hanging it. Responses are
// framed here, independently of src/http: Content-Length, chunked, until-close, 1xx interim
// responses, and the bodiless cases (HEAD, 204, 304).
//
// One thread uses a Client at a time. Bytes received but not yet consumed by a read stay in
// buffered(), so a test can see what came with (or after) a close.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support/common.h"

namespace rampart::test {

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::string body;          // decoded (chunked framing removed)
  std::string raw;           // every byte of the response as received, framing included
  bool chunked = false;      // the body came chunked
  bool until_close = false;  // the body was delimited by the connection closing

  std::optional<std::string> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
  size_t HeaderCount(std::string_view name) const { return CountHeader(headers, name); }
};

struct ReadOptions {
  bool head_request = false;    // the request was HEAD: no body whatever the headers say
  bool return_interim = false;  // return a 1xx (other than 101) instead of skipping it
};

class Client {
 public:
  Client() = default;
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&& other) noexcept;
  Client& operator=(Client&& other) noexcept;

  // Connects to 127.0.0.1:port. False on failure; connect_errno() says why (ECONNREFUSED...).
  bool Connect(uint16_t port, Timeout timeout = kDefaultTimeout);
  // The same from a chosen local address, e.g. "127.0.0.7" (all of 127/8 is loopback on
  // Linux), so one test can be many clients to rampart's client-IP logic.
  bool ConnectFrom(const std::string& source_ip, uint16_t port, Timeout timeout = kDefaultTimeout);
  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  uint16_t port() const { return port_; }

  // Sends all of `bytes`. False on error (EPIPE, ECONNRESET) or timeout.
  bool Send(std::string_view bytes, Timeout timeout = kDefaultTimeout);
  // Sends what it can of `bytes` before `timeout`; returns how many bytes were sent (fewer
  // than asked on timeout or error).
  size_t SendSome(std::string_view bytes, Timeout timeout);
  // Half-closes the sending side.
  void ShutdownWrite();
  void Close();

  // Reads one response. nullopt on timeout, malformed framing or a close before the response
  // was complete; error() says which.
  std::optional<HttpResponse> ReadResponse(ReadOptions options = {},
                                           Timeout timeout = kDefaultTimeout);
  // Reads exactly `n` bytes (from buffered() first). nullopt on timeout or close.
  std::optional<std::string> ReadExactly(size_t n, Timeout timeout = kDefaultTimeout);
  // Reads until the peer closes; returns everything read (including buffered()). nullopt on
  // timeout (what was read stays in buffered()).
  std::optional<std::string> ReadUntilClose(Timeout timeout = kDefaultTimeout);
  // True when the peer closes (EOF or reset) within `timeout`; bytes that arrive meanwhile are
  // kept in buffered(). False when the connection is still open at the deadline.
  bool IsClosedByPeer(Timeout timeout = kDefaultTimeout);
  bool peer_closed() const { return eof_; }
  bool peer_reset() const { return reset_; }

  const std::string& buffered() const { return in_; }
  const std::string& error() const { return error_; }

  // Conveniences: one request with Host: 127.0.0.1:<port> (unless `headers` has a Host), then
  // its response. `headers` are added as given.
  std::optional<HttpResponse> Get(std::string_view target, const HeaderList& headers = {},
                                  Timeout timeout = kDefaultTimeout);
  std::optional<HttpResponse> Post(std::string_view target, std::string_view body,
                                   const HeaderList& headers = {},
                                   Timeout timeout = kDefaultTimeout);
  std::optional<HttpResponse> Request(std::string_view method, std::string_view target,
                                      const HeaderList& headers, std::string_view body,
                                      Timeout timeout = kDefaultTimeout);

 private:
  // Appends at least one byte to in_. False on close, error or deadline.
  bool Fill(Deadline deadline);
  // Parses one message from in_ (reading more as needed).
  std::optional<HttpResponse> ReadOne(const ReadOptions& options, Deadline deadline);
  bool NeedBytes(size_t n, Deadline deadline);
  std::optional<std::string> TakeLine(Deadline deadline);  // CRLF-terminated, CRLF removed

  int fd_ = -1;
  uint16_t port_ = 0;
  int connect_errno_ = 0;
  bool eof_ = false;
  bool reset_ = false;
  std::string in_;
  std::string error_;
};

// A complete request text: "METHOD target HTTP/1.1", Host (unless given), the headers, a
// Content-Length when `body` is not empty (unless a length or Transfer-Encoding is given), body.
std::string BuildRequest(std::string_view method, std::string_view target, uint16_t port,
                         const HeaderList& headers = {}, std::string_view body = {});

// Encodes `body` as chunks of at most `chunk_size` bytes followed by the last chunk.
std::string ChunkBody(std::string_view body, size_t chunk_size);

// GET http://127.0.0.1:port/target on a fresh connection with Connection: close (for admin
// endpoints and one-off requests).
std::optional<HttpResponse> HttpGet(uint16_t port, std::string_view target,
                                    const HeaderList& headers = {},
                                    Timeout timeout = kDefaultTimeout);

}  // namespace rampart::test
