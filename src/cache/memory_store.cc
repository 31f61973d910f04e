#include "cache/memory_store.h"

#include <algorithm>
#include <utility>

#include "core/hash.h"

namespace rampart::cache {

MemoryStore::MemoryStore(uint64_t budget_bytes, size_t shard_count)
    : budget_(budget_bytes), shard_budget_(budget_bytes / std::max<size_t>(shard_count, 1)) {
  shards_.reserve(std::max<size_t>(shard_count, 1));
  for (size_t i = 0; i < std::max<size_t>(shard_count, 1); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

MemoryStore::Shard& MemoryStore::ShardFor(std::string_view key) {
  return *shards_[core::StableHash(key) % shards_.size()];
}

void MemoryStore::Erase(Shard& shard, Lru::iterator it) {
  shard.index.erase(std::string_view(it->key));
  shard.bytes -= it->cost;
  bytes_.fetch_sub(it->cost, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  shard.lru.erase(it);
}

std::shared_ptr<const StoredResponse> MemoryStore::Get(const std::string& key) {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return nullptr;
  shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
  return found->second->response;
}

bool MemoryStore::Put(const std::string& key, std::shared_ptr<const StoredResponse> response) {
  if (response == nullptr) return false;
  const uint64_t cost = key.size() + response->Size();
  Shard& shard = ShardFor(key);
  // Evicted responses are released after the lock: their destructors may free megabytes.
  std::vector<std::shared_ptr<const StoredResponse>> released;
  std::lock_guard lock(shard.mu);
  if (auto found = shard.index.find(key); found != shard.index.end()) {
    released.push_back(std::move(found->second->response));
    Erase(shard, found->second);
  }
  if (cost > shard_budget_) return false;
  while (shard.bytes + cost > shard_budget_ && !shard.lru.empty()) {
    released.push_back(std::move(shard.lru.back().response));
    Erase(shard, std::prev(shard.lru.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  shard.lru.push_front(Entry{key, std::move(response), cost});
  shard.index.emplace(std::string_view(shard.lru.front().key), shard.lru.begin());
  shard.bytes += cost;
  bytes_.fetch_add(cost, std::memory_order_relaxed);
  entries_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool MemoryStore::Remove(const std::string& key) {
  Shard& shard = ShardFor(key);
  std::shared_ptr<const StoredResponse> released;
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) return false;
  released = std::move(found->second->response);
  Erase(shard, found->second);
  return true;
}

size_t MemoryStore::RemoveIf(const std::function<bool(std::string_view key)>& match) {
  size_t removed = 0;
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::vector<std::shared_ptr<const StoredResponse>> released;
    std::lock_guard lock(shard.mu);
    for (auto it = shard.lru.begin(); it != shard.lru.end();) {
      auto next = std::next(it);
      if (match(it->key)) {
        released.push_back(std::move(it->response));
        Erase(shard, it);
        ++removed;
      }
      it = next;
    }
  }
  return removed;
}

}  // namespace rampart::cache
