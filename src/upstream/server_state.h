#pragma once
// ServerState and PoolState: what rampart knows about a backend and a pool at run time —
// health, ejection, drain, load. Shared by every worker (atomics) and kept across reloads by
// the StateRegistry, so a reload neither forgets a drain nor resets a down server to up.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace rampart::upstream {

struct ServerState {
  // Active health checks' verdict (true when the pool has no checks).
  std::atomic<bool> healthy{true};
  // Taken out of rotation through the admin API; requests in flight finish.
  std::atomic<bool> drained{false};
  // Passive outlier ejection: ejected while now < ejected_until_ms.
  std::atomic<int64_t> ejected_until_ms{0};
  std::atomic<uint32_t> consecutive_failures{0};
  std::atomic<uint32_t> ejection_level{0};  // times ejected in a row; doubles the next ejection
  // When the server last came back (health up, ejection over, re-enabled): slow start ramps
  // its share up from here. 0: not ramping.
  std::atomic<int64_t> ramp_start_ms{0};

  std::atomic<int64_t> active_requests{0};     // attempts in progress, all workers
  std::atomic<int64_t> open_connections{0};    // busy and idle keep-alive connections
  std::atomic<uint64_t> requests_total{0};     // attempts started
  std::atomic<uint64_t> failures_total{0};     // attempts that failed (see outlier.h)
  std::atomic<uint64_t> ejections_total{0};
  std::atomic<uint64_t> health_checks_failed_total{0};
};

struct PoolState {
  std::atomic<int64_t> pending_requests{0};  // requests in flight to the pool
  std::atomic<int64_t> retries_in_flight{0};
  std::atomic<uint64_t> retries_total{0};
  std::atomic<uint64_t> overflow_pending_total{0};  // refused by max_pending_requests
  std::atomic<uint64_t> overflow_retries_total{0};  // retries refused by the limit or budget
};

// Owns every state object for the life of the process, keyed by pool name and server address.
// Only the main thread calls it (at load and reload); workers hold the pointers it hands out.
class StateRegistry {
 public:
  std::shared_ptr<ServerState> Server(const std::string& pool, const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& slot = servers_[{pool, address}];
    if (!slot) slot = std::make_shared<ServerState>();
    return slot;
  }
  std::shared_ptr<PoolState> Pool(const std::string& pool) {
    std::lock_guard lock(mutex_);
    auto& slot = pools_[pool];
    if (!slot) slot = std::make_shared<PoolState>();
    return slot;
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<ServerState>> servers_;
  std::map<std::string, std::shared_ptr<PoolState>> pools_;
};

}  // namespace rampart::upstream
