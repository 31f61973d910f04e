#pragma once
// MemoryStore: the in-memory tier of the cache — a sharded LRU of stored responses under a byte
// budget. One per process, shared by every worker thread (thread-safe). A key hashes to one
// shard (its own mutex, LRU list and map), and each shard holds at most budget / shard_count
// bytes, so a hit on one shard never waits on another shard's lock.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/stored_response.h"

namespace rampart::cache {

class MemoryStore {
 public:
  // `shard_count` 0 counts as 1.
  explicit MemoryStore(uint64_t budget_bytes, size_t shard_count = 16);
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // nullptr on a miss; a hit becomes the shard's most recently used entry. The response stays
  // valid for as long as the caller holds it, even once evicted.
  std::shared_ptr<const StoredResponse> Get(const std::string& key);

  // Stores `response` under `key`, replacing any entry of that key, then evicts the shard's
  // least recently used entries until it is within budget / shard_count. An entry costs
  // key.size() + response->Size(); one larger than the shard budget is refused (false), and then
  // any older entry of that key is removed too: the new response superseded it.
  bool Put(const std::string& key, std::shared_ptr<const StoredResponse> response);

  // Removes `key`'s entry; false when there was none.
  bool Remove(const std::string& key);

  // Removes every entry whose key satisfies `match` (called under each shard's lock in turn: it
  // must not call back into the store); returns how many.
  size_t RemoveIf(const std::function<bool(std::string_view key)>& match);

  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t entries() const { return entries_.load(std::memory_order_relaxed); }
  // Entries dropped to make room (not replacements, removals or refusals).
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  uint64_t budget() const { return budget_; }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const StoredResponse> response;
    uint64_t cost = 0;
  };
  using Lru = std::list<Entry>;  // most recently used first

  struct Shard {
    std::mutex mu;
    Lru lru;
    std::unordered_map<std::string_view, Lru::iterator> index;  // views into Entry::key
    uint64_t bytes = 0;
  };

  Shard& ShardFor(std::string_view key);
  // Unlinks `it` from `shard` (under its lock) and updates the counters.
  void Erase(Shard& shard, Lru::iterator it);

  const uint64_t budget_;
  const uint64_t shard_budget_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> entries_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace rampart::cache
