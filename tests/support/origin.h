#pragma once
// Origin: a real HTTP/1.1 backend for e2e tests, on 127.0.0.1 with a kernel-chosen port (or a
// given one, so a test can destroy an origin — closing its listener and every connection — and
// start another on the same port). It runs its own libevent event_base on its own thread and
// records everything it receives, so a test can assert both what the client got and what the
// backend saw (or that it saw nothing).
//
// Its HTTP framing is written here, independent of src/http: a test oracle must not share the
// parser under test. It is lenient where rampart's parser is strict (rampart is the one being
// tested) but frames exactly: Content-Length and chunked request bodies, keep-alive,
// pipelining (answered in order), Expect: 100-continue.
//
// Behaviour by path (the target before '?'):
//   /healthz     the health status (SetHealthStatus(), default 200; body "health NNN\n"). Not
//                recorded among Requests(): counted by HealthCheckCount() instead, so active
//                health probes do not disturb a test's request counts
//   /if/NAME/P   as for path /P when this origin's name() is NAME, else the default reply: one
//                path that only some origins of a pool treat specially (e.g. /if/a/status/500)
//   /status/NNN  status NNN ("status NNN\n"; no body for 1xx, 204, 304)
//   /delay/MS    the default reply after MS milliseconds
//   /hang        never replies
//   /chunked     200, Transfer-Encoding: chunked, kChunkedPieces as separate chunks written a few
//                ms apart (to an HTTP/1.0 request: no chunking, closes instead)
//   /bytes/N     200 with N FillPattern() bytes and Content-Length
//   /sink        reads the body without storing it; replies with X-Sink-Bytes and
//                X-Sink-Checksum (StreamChecksum, hex) headers and "N\n" as the body
//   /echo        echoes the request body
//   /ws          WebSocket handshake (101 with Sec-WebSocket-Accept), then echoes raw bytes
//   /close       the default reply with Connection: close, then closes
//   /reset       no reply: once the request (body included) is read, the connection is reset
//                (RST, SO_LINGER 0)
//   anything else  200 with kDefaultBody
// Every reply carries X-Origin-Name (name()), X-Origin-Conn (connection id), X-Origin-Seq
// (request number, from 1; 0 for /healthz) and X-Origin-Target (the target as received).
//
// Thread-safety: the accessors may be called from any thread; the event loop thread only
// touches the records under the mutex.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/common.h"

struct event_base;
struct evconnlistener;
struct sockaddr;

namespace rampart::test {

// One complete request as the origin received it (recorded once its body has been read).
struct RecordedRequest {
  uint64_t seq = 0;                  // 1 for the first request this origin completed
  uint64_t connection_id = 0;        // 1 for the first connection accepted
  uint64_t index_on_connection = 0;  // 0 for the first request on its connection
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.1"
  HeaderList headers;
  std::string raw_head;  // request line and fields, through the empty line
  std::string body;      // decoded body; empty for /sink (which only counts)
  bool chunked = false;  // the body came with Transfer-Encoding: chunked
  uint64_t body_bytes = 0;
  uint64_t body_checksum = 0;  // StreamChecksum of the decoded body

  std::optional<std::string> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
  size_t HeaderCount(std::string_view name) const { return CountHeader(headers, name); }
  std::string Path() const { return target.substr(0, target.find('?')); }
};

// One accepted TCP connection.
struct ConnectionRecord {
  uint64_t id = 0;
  uint64_t bytes_received = 0;
  uint64_t heads_received = 0;  // request heads seen, complete bodies or not
  bool closed = false;          // the origin has closed it (after EOF, error or Connection: close)
};

class Origin {
 public:
  static constexpr std::string_view kDefaultBody = "hello from origin\n";
  static const std::vector<std::string>& ChunkedPieces();
  static std::string ChunkedBody();  // the pieces concatenated

  // Binds 127.0.0.1:`port` (0: the kernel chooses; SO_REUSEADDR, and a port still held by a
  // closing predecessor is retried for a few seconds) and starts the loop thread. `name` is
  // what X-Origin-Name says; empty: the port number. Throws std::runtime_error on failure.
  explicit Origin(uint16_t port = 0, std::string name = {});
  ~Origin();
  Origin(const Origin&) = delete;
  Origin& operator=(const Origin&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& name() const { return name_; }

  // The status /healthz answers from now on (any thread).
  void SetHealthStatus(int status) { health_status_ = status; }
  // /healthz requests answered so far.
  size_t HealthCheckCount() const;
  // Waits until at least `n` /healthz requests were answered; false on timeout.
  bool WaitForHealthChecks(size_t n, Timeout timeout = kDefaultTimeout) const;

  std::vector<RecordedRequest> Requests() const;
  size_t RequestCount() const;
  // Waits until at least `n` requests were recorded; false on timeout.
  bool WaitForRequests(size_t n, Timeout timeout = kDefaultTimeout) const;
  // Waits for the first recorded request whose target equals `target`.
  std::optional<RecordedRequest> WaitForTarget(std::string_view target,
                                               Timeout timeout = kDefaultTimeout) const;
  // The last recorded request; nullopt when none.
  std::optional<RecordedRequest> LastRequest() const;

  std::vector<ConnectionRecord> Connections() const;
  size_t AcceptedConnections() const;
  uint64_t BytesReceived() const;  // over all connections
  uint64_t HeadsReceived() const;  // over all connections
  // Stops (true) or resumes (false) reading from every connection, present and future, so a
  // test can make the backend slow and watch back-pressure build up in front of it. Takes
  // effect on the loop thread shortly after the call.
  void SetReadingPaused(bool paused);

  // Waits until connection `id` has been closed; false on timeout.
  bool WaitForConnectionClosed(uint64_t id, Timeout timeout = kDefaultTimeout) const;

 private:
  struct Connection;
  friend struct Connection;

  static void OnAccept(evconnlistener* listener, int fd, sockaddr* addr, int len, void* arg);
  void Accept(int fd);
  uint64_t Record(RecordedRequest request);  // returns its seq
  void CountHealthCheck();
  void CountBytes(uint64_t id, uint64_t bytes, bool head);
  void MarkClosed(uint64_t id);
  void Forget(uint64_t id);  // frees the connection object (loop thread)
  static void ApplyPause(int fd, short what, void* arg);

  event_base* base_ = nullptr;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  std::string name_;
  std::atomic<int> health_status_{200};
  std::thread thread_;

  // Loop thread only (and the destructor after the loop has stopped).
  std::map<uint64_t, std::unique_ptr<Connection>> live_;
  uint64_t next_id_ = 1;
  std::atomic<bool> paused_{false};

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<RecordedRequest> requests_;      // guarded by mu_
  std::vector<ConnectionRecord> connections_;  // guarded by mu_; index id - 1
  size_t health_checks_ = 0;                   // guarded by mu_
};

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string WebSocketAccept(std::string_view key);

}  // namespace rampart::test
