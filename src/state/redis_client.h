#pragma once
// RedisClient: one asynchronous Redis connection on one thread's event loop (hiredis with its
// libevent adapter, which only redis_client.cc includes). It connects, authenticates (AUTH),
// selects its database (SELECT) and proves the server answers (PING) before it counts as
// connected; after a loss or a failed attempt it reconnects by itself with a back-off. hiredis
// 0.14 has no timeouts, so the client keeps its own: a connect timeout, and a command timeout
// past which the connection is dropped (every pending command fails) and made again.
//
// RedisLinkStatus: the health of all the clients of one backend (one per thread), shared across
// threads through atomics; it logs reachability changes once for the process, not per thread.
//
// Threads: a RedisClient is created, used and destroyed on the thread that runs its event_base.
// RedisLinkStatus may be read from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct event;
struct event_base;
struct redisAsyncContext;

namespace rampart::state {

struct RedisClientOptions {
  std::string host = "127.0.0.1";  // a numeric address: hiredis resolves names with a blocking call
  uint16_t port = 6379;
  std::string password;  // empty: no AUTH
  int db = 0;            // 0: no SELECT
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds connect_timeout{1000};  // from connect(2) to the PING's answer
  std::chrono::milliseconds retry_min{100};         // the first back-off; doubles per failure
  std::chrono::milliseconds retry_max{2000};
};

// An owned copy of a hiredis reply (hiredis frees its own as soon as the callback returns).
struct RedisReply {
  enum class Type : uint8_t {
    kNil,      // a missing value
    kInteger,  // `integer`
    kString,   // a bulk string in `str`
    kStatus,   // a status line ("OK", "PONG") in `str`
    kArray,    // `elements`
    kError,    // an error nested in an array (a top-level error is a RedisError instead)
  };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;
  std::vector<RedisReply> elements;
};

struct RedisError {
  std::string message;
  bool server = false;  // the server answered this error ("NOSCRIPT ..."); else the link failed
};

using RedisResult = std::variant<RedisReply, RedisError>;
using RedisCallback = std::function<void(RedisResult)>;

// Shared by one backend's clients. Counts, and logs "redis H:P unreachable: why" when the first
// client loses its connection (or fails to connect) and "redis H:P reachable again" once every
// client is connected again.
class RedisLinkStatus {
 public:
  explicit RedisLinkStatus(std::string endpoint) : endpoint_(std::move(endpoint)) {}

  const std::string& endpoint() const { return endpoint_; }
  // Every attached client is connected (false when none is attached).
  bool up() const;
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
  // One failed call, counted by the client's user (a NOSCRIPT retried is not a failure).
  void CountError() { errors_.fetch_add(1, std::memory_order_relaxed); }

  // Called by the clients.
  void Attached();
  void Detached(bool was_connected);
  void Connected(bool after_failure);
  void Lost(bool was_connected, std::string_view reason);

 private:
  const std::string endpoint_;
  std::atomic<int> attached_{0};
  std::atomic<int> connected_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<bool> reachable_{true};  // what was logged last
};

class RedisClient {
 public:
  // Starts connecting at once, on `base` (this thread's loop, which must outlive the client).
  // `status` is shared with the backend's other clients.
  RedisClient(event_base* base, RedisClientOptions options,
              std::shared_ptr<RedisLinkStatus> status);
  // Fails every pending command (callbacks run before it returns, unless it is called from
  // inside one of this client's callbacks: then the rest follow when that callback returns).
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends one command (argv[0] is its name). `done` always runs exactly once, later, on this
  // thread's loop — never before Command returns: with the reply, with the server's error, or
  // with a RedisError when the client is not connected (at once, on the next loop turn), the
  // connection fails or the command timeout passes. Commands issued while connecting wait for
  // the connection (within their timeout).
  void Command(const std::vector<std::string_view>& argv, RedisCallback done);

  // Runs `fn` later on this thread's loop (at the latest when the client is destroyed).
  void Defer(std::function<void()> fn);

  // The connection is established and answered its PING.
  bool connected() const { return connected_; }

 private:
  struct Pending;

  static void OnReplyThunk(redisAsyncContext* ac, void* reply, void* privdata);
  static void OnConnectThunk(const redisAsyncContext* ac, int status);
  static void OnDisconnectThunk(const redisAsyncContext* ac, int status);
  static void OnRetryThunk(int fd, short what, void* arg);
  static void OnConnectTimeoutThunk(int fd, short what, void* arg);
  static void OnCommandTimeoutThunk(int fd, short what, void* arg);
  static void OnDeferredThunk(int fd, short what, void* arg);

  void Connect() noexcept;
  // Sends AUTH, SELECT and PING; the PING's answer makes the connection usable.
  void Handshake() noexcept;
  // Queues `p` on the current connection; false (and no callback) when hiredis refuses it.
  bool Send(const std::vector<std::string_view>& argv, Pending* p) noexcept;
  void OnHandshakeReply(const Pending& p, const RedisResult& result) noexcept;
  // Drops the current connection on purpose (timeout, failed handshake): pending commands fail
  // with `reason`. Must be the last thing its caller does: the callbacks it runs may destroy
  // this client.
  void Drop(std::string reason) noexcept;
  // The connection is gone (hiredis frees it): reports, then schedules the next attempt.
  void Lost(std::string reason) noexcept;
  void OnCommandTimeout() noexcept;
  void ArmCommandTimer(std::chrono::steady_clock::duration in) noexcept;
  void RunDeferred() noexcept;
  void Link(Pending* p) noexcept;
  void Unlink(Pending* p) noexcept;
  std::string Unreachable() const;

  event_base* base_;
  const RedisClientOptions options_;
  std::shared_ptr<RedisLinkStatus> status_;

  redisAsyncContext* ac_ = nullptr;  // the current connection (connecting or connected)
  bool connected_ = false;
  bool closing_ = false;      // in the destructor: Defer() runs at once
  bool had_failure_ = false;  // a connection was lost or an attempt failed: next one counts
  std::string drop_reason_;   // why Drop() freed the connection, for its pending commands
  std::string last_error_;    // why the client is not connected, for commands refused
  std::chrono::milliseconds backoff_;

  Pending* head_ = nullptr;  // commands sent and not answered, oldest first
  Pending* tail_ = nullptr;

  std::vector<std::function<void()>> deferred_;
  event* deferred_event_ = nullptr;
  event* retry_timer_ = nullptr;
  event* connect_timer_ = nullptr;
  event* command_timer_ = nullptr;
};

}  // namespace rampart::state
