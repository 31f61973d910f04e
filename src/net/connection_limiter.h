#pragma once
// Caps concurrent client connections for the whole process and per client address, so one
// address cannot exhaust the proxy. Shared by all workers; a sharded map keeps lock contention
// low (one short critical section per accept and per close, never per request).

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rampart::net {

class ConnectionLimiter {
 public:
  enum class Verdict : uint8_t {
    kAccepted,        // counted; call Release(ip) when the connection closes
    kGlobalLimit,     // the process is at max_connections
    kPerClientLimit,  // this address is at max_connections_per_ip
  };

  // Limits may change on reload; 0 means unlimited.
  void SetLimits(uint32_t max_total, uint32_t max_per_ip) {
    max_total_.store(max_total, std::memory_order_relaxed);
    max_per_ip_.store(max_per_ip, std::memory_order_relaxed);
  }
  Verdict TryAcquire(const std::string& ip);
  void Release(const std::string& ip);
  uint64_t active() const { return total_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, uint32_t> counts;
  };
  Shard& ShardFor(const std::string& ip) { return shards_[std::hash<std::string>{}(ip) % kShards]; }

  std::atomic<uint32_t> max_total_{0};
  std::atomic<uint32_t> max_per_ip_{0};
  std::atomic<uint64_t> total_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace rampart::net
