#pragma once
// Load: N client threads issuing keep-alive requests through rampart until stopped, counting
// statuses, transport errors and which origin (X-Origin-Name) answered, with a time-stamped
// sample per response so a test can compare windows (e.g. a server's share right after it came
// back against its share later). Tests wait on the counts (WaitFor) instead of sleeping.
//
// Thread-safety: every method may be called from any thread; Stop() (or the destructor) joins
// the load threads.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/common.h"

namespace rampart::test {

struct LoadOptions {
  uint16_t port = 0;  // rampart's listener
  int threads = 4;
  std::string method = "GET";
  // The target of request `n` of thread `thread`; unset: "/load".
  std::function<std::string(int thread, uint64_t n)> target;
  HeaderList headers;
  std::string source_ip;  // the clients' local address; empty: the default (127.0.0.1)
  Timeout request_timeout{5'000};
  Timeout pace{0};               // pause between one thread's requests; 0: none
  Timeout max_duration{30'000};  // a bound in case the test never stops the load
};

struct LoadSample {
  Clock::time_point at;  // when the response (or the error) came
  int status = 0;        // 0: transport error (connect, send, read)
  std::string origin;    // X-Origin-Name; "" when absent
};

struct LoadCounts {
  size_t total = 0;   // responses and transport errors
  size_t errors = 0;  // transport errors
  std::map<int, size_t> statuses;
  std::map<std::string, size_t> origins;  // responses by X-Origin-Name (any status)
  std::string first_problem;              // the first transport error or non-200 status

  size_t status(int s) const {
    auto it = statuses.find(s);
    return it == statuses.end() ? 0 : it->second;
  }
  size_t origin(const std::string& name) const {
    auto it = origins.find(name);
    return it == origins.end() ? 0 : it->second;
  }
  // Everything that is not a 200: transport errors and other statuses.
  size_t problems() const { return total - status(200); }
};

class Load {
 public:
  // Starts the threads at once.
  explicit Load(LoadOptions options);
  ~Load();
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  // Stops and joins the threads (each finishes its request in progress). Idempotent.
  void Stop();

  LoadCounts Counts() const;
  std::vector<LoadSample> Samples() const;
  // Responses by origin among the samples that came in [from, to).
  std::map<std::string, size_t> OriginsBetween(Clock::time_point from, Clock::time_point to) const;

  // Waits until `done(counts)` holds; false on timeout.
  bool WaitFor(const std::function<bool(const LoadCounts&)>& done, Timeout timeout) const;
  // Waits until `n` more results (responses or errors) than now have been counted.
  bool WaitForMore(size_t n, Timeout timeout = kDefaultTimeout) const;

 private:
  void Run(int thread);
  void Add(LoadSample sample, const std::string& problem);

  LoadOptions options_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  LoadCounts counts_;                // guarded by mu_
  std::vector<LoadSample> samples_;  // guarded by mu_
};

}  // namespace rampart::test
