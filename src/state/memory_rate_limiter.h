#pragma once
// MemoryRateLimiter: the in-process GCRA limiter (gcra.h) — one theoretical arrival time per key
// in a bounded table (lru_table.h). Owned by the Store; thread-safe, called from every worker.
// The only state of a key is its TAT, and a key whose TAT has passed is the same as an absent
// one, so idle keys are dropped freely and a flood of distinct keys cannot grow the table past
// max_keys.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "state/lru_table.h"
#include "state/types.h"

namespace rampart::state {

class MemoryRateLimiter {
 public:
  explicit MemoryRateLimiter(size_t max_keys);

  // One request against `key` at `now_ns` (a monotonic clock, nanoseconds).
  RateDecision Check(std::string_view key, const RatePolicy& policy, int64_t now_ns);

  size_t size() const { return table_.size(); }
  // An estimate of the heap the table holds (entries, keys, buckets).
  size_t memory_bytes() const { return table_.memory_bytes(); }

 private:
  struct Entry {
    int64_t tat = 0;
    bool Expired(int64_t now) const { return tat <= now; }
  };
  ShardedLruTable<Entry> table_;
};

}  // namespace rampart::state
