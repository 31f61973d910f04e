#pragma once
// ShardedLruTable: the bounded, expiring, thread-safe key -> value table under the in-process
// rate limiter and strike counter. Owned by its user (the Store); every worker thread calls it.
//
// Keys hash (core::StableHash) to one of up to 64 shards (fewer for small tables), each a mutex, a
// hash map and an intrusive least-recently-used list. A shard holds at most max_keys / shards
// entries, so the whole table never holds more than max_keys — however many distinct keys a flood
// brings, memory stays flat. Making room is amortised O(1): a new key first drops the expired
// entries among the few least recently used, and if the shard is still full, evicts its least
// recently used entry (that key starts fresh the next time it is seen: the price of a bound).
//
// Value: default-constructible (the state of a fresh key) with `bool Expired(int64_t now) const`
// (an expired value means the same as a fresh one, so it may be dropped at any time).

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/hash.h"

namespace rampart::state {

template <typename Value>
class ShardedLruTable {
 public:
  explicit ShardedLruTable(size_t max_keys)
      : shard_count_(std::clamp<size_t>(std::bit_floor(max_keys / kMinPerShard), 1, kMaxShards)),
        per_shard_(std::max<size_t>(max_keys, 1) / shard_count_),
        shards_(std::make_unique<Shard[]>(shard_count_)) {}
  ShardedLruTable(const ShardedLruTable&) = delete;
  ShardedLruTable& operator=(const ShardedLruTable&) = delete;

  // Runs `fn(Value&)` on `key`'s value under its shard's lock and returns what it returns. The
  // value is fresh (Value{}) when the key was absent or its value had expired at `now`. Marks
  // the key most recently used; may evict other keys to make room.
  template <typename Fn>
  decltype(auto) Update(std::string_view key, int64_t now, Fn&& fn) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    Node* node = nullptr;
    if (auto it = shard.map.find(key); it != shard.map.end()) {
      node = &it->second;
      if (node->value.Expired(now)) node->value = Value{};
      Unlink(shard, node);
    } else {
      MakeRoom(shard, now);
      auto [pos, inserted] = shard.map.try_emplace(std::string(key));
      node = &pos->second;
      node->key = &pos->first;
      shard.key_bytes += KeyHeapBytes(pos->first);
    }
    PushNewest(shard, node);
    return std::forward<Fn>(fn)(node->value);
  }

  // Drops `key`; returns whether it was there.
  bool Erase(std::string_view key) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return false;
    Remove(shard, &it->second);
    return true;
  }

  size_t size() const {
    size_t total = 0;
    for (size_t i = 0; i < shard_count_; ++i) {
      std::lock_guard lock(shards_[i].mu);
      total += shards_[i].map.size();
    }
    return total;
  }

  // An honest estimate of the heap the table holds: per entry the hash node (key object, value,
  // list links, the map's next pointer and cached hash, an allocator header) plus the key's own
  // heap block when it is too long for the small-string buffer; plus the bucket arrays.
  size_t memory_bytes() const {
    size_t total = sizeof(*this) + shard_count_ * sizeof(Shard);
    for (size_t i = 0; i < shard_count_; ++i) {
      const Shard& shard = shards_[i];
      std::lock_guard lock(shard.mu);
      total += shard.map.size() * kNodeBytes + shard.key_bytes;
      total += shard.map.bucket_count() * sizeof(void*);
    }
    return total;
  }

  // The most entries the table holds (<= the max_keys it was built with).
  size_t capacity() const { return shard_count_ * per_shard_; }

 private:
  static constexpr size_t kMaxShards = 64;
  // Small tables get fewer shards: a shard of one or two keys would evict almost at random.
  static constexpr size_t kMinPerShard = 16;
  // How many of the least recently used entries a new key looks at for expired ones: enough to
  // keep a table of idle keys shrinking, few enough to keep every insertion O(1).
  static constexpr size_t kTrimScan = 2;
  static constexpr size_t kFullScan = 16;
  static constexpr size_t kMallocHeader = 16;

  struct Node {
    Value value{};
    Node* newer = nullptr;
    Node* older = nullptr;
    const std::string* key = nullptr;  // the map's own key of this node (nodes never move)
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  using Map = std::unordered_map<std::string, Node, Hash, std::equal_to<>>;
  static constexpr size_t kNodeBytes =
      sizeof(typename Map::value_type) + sizeof(void*) + sizeof(size_t) + kMallocHeader;

  // Cache-line aligned so that threads working on neighbouring shards do not share a line.
  struct alignas(64) Shard {
    mutable std::mutex mu;
    Map map;
    Node* newest = nullptr;
    Node* oldest = nullptr;
    size_t key_bytes = 0;  // heap blocks of keys longer than the small-string buffer
  };

  static size_t KeyHeapBytes(const std::string& key) {
    const auto* object = reinterpret_cast<const char*>(&key);
    const bool inline_buffer = key.data() >= object && key.data() < object + sizeof(key);
    return inline_buffer ? 0 : key.capacity() + 1 + kMallocHeader;
  }

  Shard& ShardFor(std::string_view key) const {
    // The high half picks the shard; the map's own hash (a different function) picks the bucket.
    return shards_[(core::StableHash(key) >> 32) & (shard_count_ - 1)];
  }

  static void Unlink(Shard& shard, Node* node) {
    (node->newer ? node->newer->older : shard.newest) = node->older;
    (node->older ? node->older->newer : shard.oldest) = node->newer;
    node->newer = node->older = nullptr;
  }

  static void PushNewest(Shard& shard, Node* node) {
    node->older = shard.newest;
    node->newer = nullptr;
    (shard.newest ? shard.newest->newer : shard.oldest) = node;
    shard.newest = node;
  }

  static void Remove(Shard& shard, Node* node) {
    Unlink(shard, node);
    shard.key_bytes -= KeyHeapBytes(*node->key);
    // Erase by iterator: erasing by a key that lives in the node being freed is asking for trouble.
    shard.map.erase(shard.map.find(*node->key));
  }

  void MakeRoom(Shard& shard, int64_t now) const {
    const size_t scan = shard.map.size() >= per_shard_ ? kFullScan : kTrimScan;
    Node* node = shard.oldest;
    for (size_t i = 0; i < scan && node != nullptr; ++i) {
      Node* newer = node->newer;
      if (node->value.Expired(now)) Remove(shard, node);
      node = newer;
    }
    while (shard.map.size() >= per_shard_ && shard.oldest != nullptr) Remove(shard, shard.oldest);
  }

  const size_t shard_count_;  // a power of two
  const size_t per_shard_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace rampart::state
