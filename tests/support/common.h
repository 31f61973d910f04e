#pragma once
// Small shared vocabulary of the e2e test support library: timeouts, deadlines and ordered
// header lists with case-insensitive lookup. Header-only; used from any thread.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::test {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
using Timeout = std::chrono::milliseconds;

// What a single blocking step (connect, read a response, wait for a log line) may take when
// the caller does not say. Generous: it only bounds a failing test, it is never waited out by a
// passing one.
inline constexpr Timeout kDefaultTimeout{10'000};

inline Deadline DeadlineIn(Timeout timeout) { return Clock::now() + timeout; }

// Milliseconds left until `deadline` as poll(2) wants them: >= 0, capped at one minute.
inline int PollMs(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<int64_t>(left.count(), 60'000));
}

// Header fields in the order they were received; duplicates kept.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

bool EqualsNoCase(std::string_view a, std::string_view b);
std::string Lowercase(std::string_view s);

// The first value of `name` (case-insensitive), or nullopt.
std::optional<std::string> FindHeader(const HeaderList& headers, std::string_view name);
// Every value of `name`, in order.
std::vector<std::string> FindHeaders(const HeaderList& headers, std::string_view name);
size_t CountHeader(const HeaderList& headers, std::string_view name);
// True when some field `name` lists `token` (case-insensitive) in its comma-separated value.
bool HeaderHasToken(const HeaderList& headers, std::string_view name, std::string_view token);

// True when `s` is exactly `n` lowercase hex digits.
bool IsLowerHex(std::string_view s, size_t n);

// Replaces the file's content (configs, rule files, block pages a test hands to rampart).
void WriteFile(const std::string& path, std::string_view text);

}  // namespace rampart::test
