#pragma once
// StrikeCounter: blocked or challenged requests per IP, for dynamic bans, in a bounded table
// (lru_table.h). Owned by the Store; thread-safe, called from every worker.
//
// The window is fixed and starts at an IP's first strike: strikes at t0, t0+10s and t0+59s fall
// in one 60s window; the first strike at or after t0+60s starts a new window with a count of 1.
// (A sliding window would need every strike's time; a fixed one is one counter and catches the
// same floods, at worst later by one window.) An IP whose window has ended is the same as an
// absent one and may be dropped.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "state/lru_table.h"

namespace rampart::state {

class StrikeCounter {
 public:
  explicit StrikeCounter(size_t max_keys);

  // Counts one strike for `ip` at `now_ns` (a monotonic clock, nanoseconds); returns the strikes
  // in its current window, this one included.
  uint32_t Add(std::string_view ip, std::chrono::nanoseconds window, int64_t now_ns);
  // Forgets `ip` (after it was banned, so the ban's end starts a clean count).
  void Reset(std::string_view ip);

  size_t size() const { return table_.size(); }
  size_t memory_bytes() const { return table_.memory_bytes(); }

 private:
  struct Entry {
    int64_t window_end = 0;
    uint32_t count = 0;
    bool Expired(int64_t now) const { return window_end <= now; }
  };
  ShardedLruTable<Entry> table_;
};

}  // namespace rampart::state
