#pragma once
// DiskStore: the optional second tier of the cache — one file per stored response in a
// directory, under a byte budget, with an in-memory index (key → file, size, recency) rebuilt
// from the files at Open. Every call BLOCKS on file I/O: the proxy calls it on its offload
// thread pool, never on an event loop. Thread-safe; one per directory and process.
//
// Layout: <directory>/<hh>/<hhhhhhhhhhhhhhhh>, the 64-bit core::StableHash of the key in hex,
// filed under its first byte. Each file is one Serialize() record, which holds the full key: a
// hash collision is a miss (the key read back differs), and the later Put replaces the earlier
// key's file. Files are written to a temporary name (0600) and renamed into place, so readers
// see a whole file or none; a crash can leave a truncated file, which Open drops (its length is
// wrong) or Get drops (its checksum is wrong). Recency is kept in memory only: after a restart
// the least recently written files are evicted first.

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

#include "cache/stored_response.h"
#include "core/result.h"

namespace rampart::cache {

class DiskStore {
 public:
  // Creates `directory` (and missing parents, 0700) if needed, removes leftover temporary files,
  // and indexes the existing files, deleting those that are unreadable or whose head is corrupt;
  // evicts down to `budget_bytes`. The error names the path and the reason.
  static core::Result<std::unique_ptr<DiskStore>> Open(const std::string& directory,
                                                       uint64_t budget_bytes);
  DiskStore(const DiskStore&) = delete;
  DiskStore& operator=(const DiskStore&) = delete;

  // Reads `key`'s file and verifies it (checksum, and that it holds `key`); nullptr on a miss.
  // A corrupt file is deleted. A hit becomes the most recently used entry.
  std::shared_ptr<const StoredResponse> Get(const std::string& key);

  // Writes `response` under `key` (replacing any entry of that key), then evicts the least
  // recently used files until the store is within budget. False, with nothing written, when the
  // record is larger than the whole budget (any older entry of the key is removed: superseded),
  // the key is over 64 KiB, or the write fails.
  bool Put(const std::string& key, const StoredResponse& response);

  // Deletes `key`'s file; false when there was none.
  bool Remove(const std::string& key);

  // Deletes every entry whose key satisfies `match` (called under the store's lock: it must not
  // call back into the store); returns how many.
  size_t RemoveIf(const std::function<bool(std::string_view key)>& match);

  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t entries() const { return entries_.load(std::memory_order_relaxed); }
  // Files deleted to make room (not replacements, removals or corrupt files).
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  const std::string& directory() const { return directory_; }

  // The file `key` is (or would be) stored in; for tests and operators.
  std::string PathForKey(std::string_view key) const;

 private:
  struct Entry {
    std::string key;
    uint64_t hash = 0;
    uint64_t size = 0;
    uint64_t generation = 0;  // changes on every write of this slot, to tell files apart
  };
  using Lru = std::list<Entry>;  // most recently used first

  DiskStore(std::string directory, uint64_t budget_bytes);

  // Builds the index from the directory's files (Open only, single-threaded).
  void Scan();
  std::string PathFor(uint64_t hash) const;
  // Deletes `it`'s file and unlinks it from the index; mu_ held.
  void EraseLocked(Lru::iterator it);
  // Evicts from the least recently used end until within budget; mu_ held.
  void EvictLocked();

  const std::string directory_;
  const uint64_t budget_;
  std::mutex mu_;
  Lru lru_;
  std::unordered_map<uint64_t, Lru::iterator> index_;  // by the key's hash: one file each
  uint64_t next_generation_ = 1;
  std::atomic<uint64_t> temp_counter_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> entries_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace rampart::cache
