#pragma once
// BotCounters: challenges issued, solved and failed, and the solve times the page reports, for
// /metrics (rampart_bot_challenges_total, rampart_bot_solve_seconds). One per process, kept
// across reloads; written by every worker (relaxed atomics).

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "bot/tokens.h"

namespace rampart::stages::bot {

class BotCounters {
 public:
  void Issued() { issued_.fetch_add(1, std::memory_order_relaxed); }
  void GoodBot() { good_bots_.fetch_add(1, std::memory_order_relaxed); }
  // A solved challenge and how long the page says it took (0: not reported).
  void Solved(uint64_t elapsed_ms);
  void Failed(rampart::bot::TokenStatus why) {
    failed_[static_cast<size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t issued() const { return issued_.load(std::memory_order_relaxed); }
  uint64_t solved() const { return solved_.load(std::memory_order_relaxed); }
  uint64_t failed(rampart::bot::TokenStatus why) const {
    return failed_[static_cast<size_t>(why)].load(std::memory_order_relaxed);
  }

  void AppendMetrics(std::string& out) const;

 private:
  static constexpr std::array<uint64_t, 7> kBucketsMs = {100, 250, 500, 1000, 2000, 5000, 10000};
  std::atomic<uint64_t> issued_{0};
  std::atomic<uint64_t> solved_{0};
  std::atomic<uint64_t> good_bots_{0};
  std::array<std::atomic<uint64_t>, 7> failed_{};                             // by TokenStatus
  std::array<std::atomic<uint64_t>, kBucketsMs.size() + 1> solve_buckets_{};  // last: +Inf
  std::atomic<uint64_t> solve_count_{0};
  std::atomic<uint64_t> solve_sum_ms_{0};
};

}  // namespace rampart::stages::bot
