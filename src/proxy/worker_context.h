#pragma once
// WorkerContext: what one worker thread shares with all its sessions — its event loop, its
// upstream connection pool, its view of the runtime snapshot. Owned by the worker; used only on
// the worker's thread (except the atomics it points to).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <unordered_set>

#include "core/work_pool.h"
#include "net/connection_limiter.h"
#include "proxy/access_log_buffer.h"
#include "proxy/cache_stores.h"
#include "proxy/client_connection.h"
#include "proxy/log_buffer.h"
#include "proxy/metrics.h"
#include "proxy/runtime.h"
#include "upstream/connection_pool.h"

struct event_base;

namespace rampart::proxy {

// Where workers read the current snapshot from; written by the main thread on reload.
class RuntimeSource {
 public:
  void Publish(std::shared_ptr<const Runtime> runtime) {
    std::atomic_store(&current_, std::move(runtime));
    generation_.fetch_add(1, std::memory_order_release);
  }
  std::shared_ptr<const Runtime> Load() const { return std::atomic_load(&current_); }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<const Runtime> current_;
  std::atomic<uint64_t> generation_{0};
};

struct WorkerContext {
  size_t id = 0;
  event_base* base = nullptr;
  upstream::ConnectionPool connection_pool;
  Metrics* metrics = nullptr;
  net::ConnectionLimiter* limiter = nullptr;
  const RuntimeSource* runtime_source = nullptr;
  // Where stages send CPU-heavy work (Exchange::Offload); shared by all workers. Null: inline.
  core::WorkPool* offload_pool = nullptr;
  // The routes' caches (shared by all workers); null until the server made them.
  CacheStores* cache = nullptr;
  std::mt19937_64 rng{std::random_device{}()};
  AccessLogBuffer access_log;  // flushed when full and every second by the worker
  LogBuffer attack_log;        // the same, for attack-log records

  // Hands both logs' pending lines to the writer (the worker's one-second timer, exit).
  void FlushLogs() {
    access_log.Flush();
    attack_log.Flush();
  }

  // SIGTERM: stop taking new requests; close idle connections; answer in-flight ones with
  // Connection: close. on_drained runs when the last session is gone.
  bool draining = false;
  std::function<void()> on_drained;
  std::unordered_set<ClientConnection*> sessions;

  // The snapshot, re-read only when the source's generation moved (one atomic load per
  // request instead of a shared_ptr copy under a lock).
  const std::shared_ptr<const Runtime>& runtime() {
    const uint64_t gen = runtime_source->generation();
    if (gen != cached_generation_ || !cached_runtime_) {
      cached_runtime_ = runtime_source->Load();
      cached_generation_ = gen;
    }
    return cached_runtime_;
  }

 private:
  std::shared_ptr<const Runtime> cached_runtime_;
  uint64_t cached_generation_ = 0;
};

}  // namespace rampart::proxy
