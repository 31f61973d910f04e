#pragma once
// RedisServer: a real redis-server child process on 127.0.0.1 for one test, in its own temporary
// directory, without persistence. It can be killed, stopped (SIGSTOP) and resumed, and started
// again on the same port — what the Redis backend's failure tests need.
//
// Owned by one test thread. The destructor kills the child if it still runs and removes the
// directory (kept, with the server's log printed, when the test failed).

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rampart::test {

class RedisServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";
  // Whether kBinary exists (Debian package redis-server); tests skip without it.
  static bool Available();

  // `password`: when set, the server requires it (requirepass). Throws std::runtime_error when
  // the temporary directory cannot be made.
  explicit RedisServer(std::string password = "");
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server and waits until it is ready to accept connections. The first start picks a
  // free port; later ones reuse it. False (reason in error()) on failure or timeout.
  bool Start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM, then waits for the exit.
  void Stop();
  // SIGKILL, then waits for the exit: the server vanishes without closing its connections
  // cleanly, and loses its data and script cache.
  void Kill();
  // SIGSTOP / SIGCONT: connections stay open but nothing is answered while paused.
  bool Pause();
  bool Resume();

  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  const std::string& error() const { return error_; }
  std::string Log() const;

  // Sends one command on a fresh blocking connection and returns the reply's text: the payload
  // of a status, error (with its "-"), integer or bulk string reply; nullopt when the server does
  // not answer within a second or answers an array. For checks such as INFO commandstats.
  std::optional<std::string> Query(const std::vector<std::string>& argv) const;

 private:
  void Reap();

  std::string password_;
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string error_;
  std::thread reader_;  // copies the child's output into log_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string log_;   // guarded by mu_
  bool eof_ = false;  // guarded by mu_
};

}  // namespace rampart::test
