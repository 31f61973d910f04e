// A pool's `health` (active health checks) and `outlier` (passive ejection) maps.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {

namespace {

constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;

// A status in [kMinStatus, kMaxStatus] written as digits only; nullopt otherwise.
std::optional<int> ParseStatus(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || text.front() == '-' ||
      text.front() == '+') {
    return std::nullopt;
  }
  if (value < kMinStatus || value > kMaxStatus) return std::nullopt;
  return value;
}

// One entry of `expect`: a status (plain integer) or an "A-B" range; a status s is {s, s}.
std::optional<std::pair<int, int>> ReadExpect(const Field& field) {
  const std::optional<std::string> plain = field.PlainScalar();
  if (plain && !plain->empty() &&
      std::all_of(plain->begin(), plain->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const std::optional<int64_t> status = field.AsInteger(kMinStatus, kMaxStatus);
    if (!status) return std::nullopt;
    return std::make_pair(static_cast<int>(*status), static_cast<int>(*status));
  }
  const std::optional<std::string> text = field.AsString();
  if (!text) return std::nullopt;
  const std::string_view range = *text;
  const size_t dash = range.find('-');
  std::optional<int> low;
  std::optional<int> high;
  if (dash != std::string_view::npos) {
    low = ParseStatus(range.substr(0, dash));
    high = ParseStatus(range.substr(dash + 1));
  }
  if (!low || !high || *low > *high) {
    field.Fail("expected a status or a range \"A-B\" with 100 <= A <= B <= 599");
    return std::nullopt;
  }
  return std::make_pair(*low, *high);
}

void ReadExpectList(const Field& field, HealthCheckConfig* health, bool* ok) {
  auto items = field.AsList();
  if (!items) {
    *ok = false;
    return;
  }
  if (items->empty()) {
    field.Fail("expected at least one status");
    *ok = false;
    return;
  }
  health->expect.clear();
  for (const Field& item : *items) {
    if (auto range = ReadExpect(item)) {
      health->expect.push_back(*range);
    } else {
      *ok = false;
    }
  }
}

}  // namespace

std::optional<HealthCheckConfig> ReadHealth(const Field& field) {
  HealthCheckConfig health;
  const MapReader map =
      SchemaMap(field, {"path", "host", "interval", "timeout", "rise", "fall", "expect"});
  if (!map.is_map()) return std::nullopt;
  bool ok = true;
  if (const Field* f = map.Find("path")) {
    std::optional<std::string> path = ReadPath(*f);
    ok = path.has_value();
    if (path) health.path = std::move(*path);
  }
  if (const Field* f = map.Find("host")) {
    std::optional<std::string> host = f->AsString();
    if (host && HasSpaceOrControl(*host)) {
      f->Fail("must not contain spaces or control characters");
      host.reset();
    }
    if (host) {
      health.host = std::move(*host);
    } else {
      ok = false;
    }
  }
  map.ReadDurationMs("interval", &health.interval_ms, 1);
  map.ReadDurationMs("timeout", &health.timeout_ms, 1);
  map.ReadInteger("rise", &health.rise, 1, 100);
  map.ReadInteger("fall", &health.fall, 1, 100);
  if (const Field* f = map.Find("expect")) ReadExpectList(*f, &health, &ok);
  // Errors in the Read* helpers above are recorded too; the load fails either way.
  if (!ok) return std::nullopt;
  return health;
}

void ReadOutlier(const Field& field, OutlierConfig* out) {
  const MapReader map = SchemaMap(field, {"consecutive_failures", "base_ejection", "max_ejection"});
  map.ReadInteger("consecutive_failures", &out->consecutive_failures, 0, 1000);
  const Field* base = map.Find("base_ejection");
  const Field* max = map.Find("max_ejection");
  std::optional<uint64_t> base_ms = out->base_ejection_ms;
  std::optional<uint64_t> max_ms = out->max_ejection_ms;
  if (base != nullptr) base_ms = base->AsDurationMs(1);
  if (max != nullptr) max_ms = max->AsDurationMs(1);
  if (!base_ms || !max_ms) return;
  if (*base_ms > *max_ms) {
    // Blame the key that was written; both written: the base.
    if (base != nullptr) {
      base->Fail("must not be longer than max_ejection (" + std::to_string(*max_ms) + "ms)");
    } else {
      max->Fail("must not be shorter than base_ejection (" + std::to_string(*base_ms) + "ms)");
    }
    return;
  }
  out->base_ejection_ms = *base_ms;
  out->max_ejection_ms = *max_ms;
}

}  // namespace rampart::config
