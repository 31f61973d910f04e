#pragma once
// CacheStores: where every route's cache keeps its responses — one memory store (sharded, shared
// by all workers), an optional disk store behind it, and the collapser that lets one request
// fill a key while the others wait. Owned by the server; outlives runtime snapshots, so a
// reload keeps what is stored.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/disk_store.h"
#include "cache/fill_collapser.h"
#include "cache/memory_store.h"
#include "core/work_pool.h"

namespace rampart::proxy {

// Keys are "<url>\x1f@<route>@<pool>", and a Vary variant's "<that key>\x1f<variant>": no URL
// holds the separator, so everything stored for a URL starts with "<url>\x1f".
inline constexpr char kCacheKeySeparator = '\x1f';

// `candidate` is `key` itself or one of the keys stored beneath it.
inline bool IsKeyOrBeneath(std::string_view candidate, std::string_view key) {
  return candidate.starts_with(key) &&
         (candidate.size() == key.size() || candidate[key.size()] == kCacheKeySeparator);
}

struct CacheStores {
  std::unique_ptr<cache::MemoryStore> memory;
  std::unique_ptr<cache::DiskStore> disk;  // null: memory only
  // Disk reads, writes and removals run here, never on an event loop: one thread, so a read
  // posted after a removal sees it, and a purge posted after a write removes it.
  std::unique_ptr<core::WorkPool> disk_writer;
  // Bumped by every invalidation and purge: a disk read that began before one is not used.
  std::atomic<uint64_t> invalidations{0};
  cache::FillCollapser collapser;
  // RFC 9213 targeted fields obeyed instead of Cache-Control (cache.targeted_fields).
  std::vector<std::string> targeted_fields;
};

}  // namespace rampart::proxy
