#include "stages/bot/bot_counters.h"

#include <cstdio>

namespace rampart::stages::bot {

void BotCounters::Solved(uint64_t elapsed_ms) {
  solved_.fetch_add(1, std::memory_order_relaxed);
  if (elapsed_ms == 0) return;
  size_t bucket = 0;
  while (bucket < kBucketsMs.size() && elapsed_ms > kBucketsMs[bucket]) ++bucket;
  solve_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  solve_count_.fetch_add(1, std::memory_order_relaxed);
  solve_sum_ms_.fetch_add(elapsed_ms, std::memory_order_relaxed);
}

void BotCounters::AppendMetrics(std::string& out) const {
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  out +=
      "# HELP rampart_bot_challenges_total Bot challenges by result: issued (a page sent), "
      "solved (a valid answer), failed (by reason).\n";
  out += "# TYPE rampart_bot_challenges_total counter\n";
  out += "rampart_bot_challenges_total{result=\"issued\"} " + std::to_string(issued()) + "\n";
  out += "rampart_bot_challenges_total{result=\"solved\"} " + std::to_string(solved()) + "\n";
  for (size_t i = 1; i < failed_.size(); ++i) {
    const uint64_t n = load(failed_[i]);
    if (n == 0) continue;
    out += "rampart_bot_challenges_total{result=\"failed\",reason=\"";
    out += rampart::bot::TokenStatusName(static_cast<rampart::bot::TokenStatus>(i));
    out += "\"} " + std::to_string(n) + "\n";
  }
  out +=
      "# HELP rampart_bot_good_bots_total Requests from verified good bots (user-agent and "
      "published address ranges), never challenged.\n";
  out += "# TYPE rampart_bot_good_bots_total counter\n";
  out += "rampart_bot_good_bots_total " + std::to_string(load(good_bots_)) + "\n";
  out +=
      "# HELP rampart_bot_solve_seconds Time the challenge page took to solve, as it "
      "reports.\n";
  out += "# TYPE rampart_bot_solve_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBucketsMs.size(); ++i) {
    cumulative += load(solve_buckets_[i]);
    char le[32];
    if (i < kBucketsMs.size()) {
      std::snprintf(le, sizeof le, "%g", static_cast<double>(kBucketsMs[i]) / 1000.0);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    out += "rampart_bot_solve_seconds_bucket{le=\"" + std::string(le) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  char sum[32];
  std::snprintf(sum, sizeof sum, "%.3f", static_cast<double>(load(solve_sum_ms_)) / 1000.0);
  out += "rampart_bot_solve_seconds_sum " + std::string(sum) + "\n";
  out += "rampart_bot_solve_seconds_count " + std::to_string(load(solve_count_)) + "\n";
}

}  // namespace rampart::stages::bot
