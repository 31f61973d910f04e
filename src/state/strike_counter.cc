#include "state/strike_counter.h"

#include <algorithm>
#include <limits>

namespace rampart::state {

StrikeCounter::StrikeCounter(size_t max_keys) : table_(max_keys) {}

uint32_t StrikeCounter::Add(std::string_view ip, std::chrono::nanoseconds window, int64_t now_ns) {
  const int64_t length = std::max<int64_t>(window.count(), 1);
  return table_.Update(ip, now_ns, [&](Entry& entry) {
    if (entry.count == 0) {
      const int64_t room = std::numeric_limits<int64_t>::max() - now_ns;
      entry.window_end = now_ns + std::min(length, room);
    }
    if (entry.count < std::numeric_limits<uint32_t>::max()) ++entry.count;
    return entry.count;
  });
}

void StrikeCounter::Reset(std::string_view ip) { table_.Erase(ip); }

}  // namespace rampart::state
