#include "net/connection_limiter.h"

namespace rampart::net {

ConnectionLimiter::Verdict ConnectionLimiter::TryAcquire(const std::string& ip) {
  const uint32_t max_total = max_total_.load(std::memory_order_relaxed);
  const uint64_t now = total_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (max_total != 0 && now > max_total) {
    total_.fetch_sub(1, std::memory_order_relaxed);
    return Verdict::kGlobalLimit;
  }
  const uint32_t max_per_ip = max_per_ip_.load(std::memory_order_relaxed);
  Shard& shard = ShardFor(ip);
  std::lock_guard<std::mutex> lock(shard.mutex);
  uint32_t& count = shard.counts[ip];
  if (max_per_ip != 0 && count >= max_per_ip) {
    if (count == 0) shard.counts.erase(ip);
    total_.fetch_sub(1, std::memory_order_relaxed);
    return Verdict::kPerClientLimit;
  }
  ++count;
  return Verdict::kAccepted;
}

void ConnectionLimiter::Release(const std::string& ip) {
  Shard& shard = ShardFor(ip);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.counts.find(ip);
  if (it == shard.counts.end()) return;  // not ours to release: keep the total exact
  total_.fetch_sub(1, std::memory_order_relaxed);
  if (--it->second == 0) shard.counts.erase(it);
}

}  // namespace rampart::net
