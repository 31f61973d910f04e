#pragma once
// H2ResetWindow: how many streams of one HTTP/2 connection were reset (by the client, or by us
// for its protocol errors) within the last kWindowSeconds — the rapid-reset defence
// (CVE-2023-44487) counts with it. Ten one-second buckets: cheap, and exact to the second.
// Owned by one H2Connection; used on the worker's thread. Time comes from the caller.

#include <array>
#include <cstddef>
#include <cstdint>

namespace rampart::proxy {

class H2ResetWindow {
 public:
  static constexpr uint64_t kWindowSeconds = 10;

  // Records one reset at `now_ms` (a monotonic clock) and returns how many there were within
  // the window ending now, this one included.
  uint32_t Add(uint64_t now_ms) {
    const uint64_t second = now_ms / 1000;
    const size_t slot = static_cast<size_t>(second % kWindowSeconds);
    if (seconds_[slot] != second) {
      seconds_[slot] = second;
      counts_[slot] = 0;
    }
    ++counts_[slot];
    uint32_t total = 0;
    for (size_t i = 0; i < kWindowSeconds; ++i) {
      if (second - seconds_[i] < kWindowSeconds) total += counts_[i];
    }
    return total;
  }

 private:
  std::array<uint64_t, kWindowSeconds> seconds_{};  // which second each bucket counts
  std::array<uint32_t, kWindowSeconds> counts_{};
};

}  // namespace rampart::proxy
