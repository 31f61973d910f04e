#pragma once
// ScriptedOrigin: an HTTP/1.1 backend for e2e tests whose replies the test scripts per path, on
// 127.0.0.1 with a kernel-chosen port. It runs its own libevent event_base on its own thread and
// records every request it answers, so a test can assert both what the client got and what the
// backend saw — how many requests reached it per path, and with which headers (validators,
// methods). Made for the cache tests: a reply is a status, headers and a body, optionally
// chunked or late, and the origin answers conditional requests with 304 as a real server would.
//
// Its HTTP framing is written here, independent of src/http (a test oracle must not share the
// parser under test): request bodies by Content-Length or chunked, keep-alive, pipelining
// (answered in order), Expect: 100-continue, HEAD (the head of the GET reply, no body).
//
// The reply for a request: the script of its exact target (path and query) when there is one,
// else the script of its path (the target before '?'), else 404 "no script for PATH\n". Every
// reply carries Date (unless the script gives one), Content-Length (or Transfer-Encoding:
// chunked) and X-Scripted-Seq (the request's number on this origin, from 1).
//
// Thread-safety: every public method may be called from any thread.

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

// What the origin answers for a path.
struct ScriptedReply {
  int status = 200;
  HeaderList headers;  // sent as given (do not put Content-Length or Transfer-Encoding here)
  std::string body;
  bool chunked = false;  // Transfer-Encoding: chunked (the body in a few chunks)
  int delay_ms = 0;      // the reply is written this long after the request was read
  // A GET or HEAD whose If-None-Match matches the reply's ETag (weak comparison, or "*"), or,
  // without If-None-Match, whose If-Modified-Since is at or after the reply's Last-Modified, is
  // answered 304 with the reply's headers and no body (for a 2xx reply).
  bool honour_validators = true;
};

// One request as the origin received it.
struct RecordedHeaders {
  uint64_t seq = 0;  // 1 for the first request this origin answered
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.1"
  HeaderList headers;
  std::string body;        // decoded
  int replied_status = 0;  // what the origin answered (304 for a matched validator)

  std::optional<std::string> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
  std::string Path() const { return target.substr(0, target.find('?')); }
};

class ScriptedOrigin {
 public:
  // Binds 127.0.0.1:0 and starts the loop thread. Throws std::runtime_error on failure.
  ScriptedOrigin();
  ~ScriptedOrigin();
  ScriptedOrigin(const ScriptedOrigin&) = delete;
  ScriptedOrigin& operator=(const ScriptedOrigin&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Scripts the reply for `path` ("/a": every query; "/a?x=1": that target only), replacing any
  // earlier script of it. Takes effect for requests read from now on.
  void Set(std::string path, ScriptedReply reply);
  // Down: every connection is closed as soon as it is accepted, every request as soon as it is
  // read (no reply, not recorded), and idle connections are closed at once. Up again: normal.
  void SetDown(bool down);

  // Requests answered for `path` (as in Set: a path counts every query, a path with '?' one
  // target).
  int Count(std::string_view path) const;
  std::vector<RecordedHeaders> Requests(std::string_view path) const;
  // Every request answered, in order.
  std::vector<RecordedHeaders> AllRequests() const;
  size_t TotalCount() const;
  // Waits until Count(path) >= n; false on timeout.
  bool WaitForCount(std::string_view path, int n, Timeout timeout = kDefaultTimeout) const;
  // Connections accepted (closed ones included; those closed at accept while down too).
  size_t AcceptedConnections() const;

 private:
  struct Connection;
  friend struct Connection;

  static void OnAccept(evconnlistener* listener, int fd, sockaddr* addr, int len, void* arg);
  static void CloseIdle(int fd, short what, void* arg);
  void Accept(int fd);
  void Forget(uint64_t id);  // frees the connection object (loop thread)
  // The script for a request target (under mu_); nullopt: none.
  std::optional<ScriptedReply> ScriptFor(const std::string& target) const;
  uint64_t Record(RecordedHeaders request);  // returns its seq
  static bool Matches(const RecordedHeaders& r, std::string_view path);

  event_base* base_ = nullptr;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> down_{false};

  // Loop thread only (and the destructor after the loop has stopped).
  std::map<uint64_t, std::unique_ptr<Connection>> live_;
  uint64_t next_id_ = 1;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, ScriptedReply> scripts_;  // guarded by mu_
  std::vector<RecordedHeaders> requests_;         // guarded by mu_
  size_t accepted_ = 0;                           // guarded by mu_
};

// An IMF-fixdate (RFC 9110 §5.6.7) for unix time `seconds`: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(int64_t seconds);
// The unix time of an IMF-fixdate; nullopt when it does not parse.
std::optional<int64_t> ParseHttpDate(std::string_view text);
// Now, in unix seconds.
int64_t UnixNow();

}  // namespace rampart::test
