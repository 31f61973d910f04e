#include "review/record_filter.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/strings.h"

namespace rampart::review {

namespace {

bool IsOneOf(std::string_view name, const std::vector<std::string_view>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (const std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// "7d": whole days, which core::ParseDurationMs does not take.
std::optional<uint64_t> ParseDaysMs(std::string_view text) {
  if (text.size() < 2 || text.back() != 'd') return std::nullopt;
  text.remove_suffix(1);
  uint64_t days = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  constexpr uint64_t kDayMs = 86'400'000;
  if (days > UINT64_MAX / kDayMs) return std::nullopt;
  return days * kDayMs;
}

}  // namespace

core::Result<CompiledFilter> CompiledFilter::Compile(const RecordFilter& filter) {
  CompiledFilter compiled;
  compiled.filter_ = filter;
  if (!filter.client.empty()) {
    if (auto added = compiled.client_.Add(filter.client); !added) {
      return core::MakeError("client: " + added.error().message);
    }
  }
  if (!filter.action.empty() && !IsOneOf(filter.action, ActionNames())) {
    return core::MakeError("unknown action '" + filter.action + "' (" + JoinNames(ActionNames()) +
                           ")");
  }
  if (!filter.source.empty() && !IsOneOf(filter.source, SourceNames())) {
    return core::MakeError("unknown source '" + filter.source + "' (" + JoinNames(SourceNames()) +
                           ")");
  }
  if (filter.from_ms && filter.to_ms && *filter.from_ms > *filter.to_ms) {
    return core::MakeError("the time range ends (" + FormatRfc3339Ms(*filter.to_ms) +
                           ") before it starts (" + FormatRfc3339Ms(*filter.from_ms) + ")");
  }
  return compiled;
}

bool CompiledFilter::Matches(const AttackRecord& record) const {
  const RecordFilter& f = filter_;
  if (f.from_ms && record.time_ms < *f.from_ms) return false;
  if (f.to_ms && record.time_ms >= *f.to_ms) return false;
  if (!f.request_id.empty() && record.request_id != f.request_id) return false;
  if (!f.route.empty() && record.route != f.route) return false;
  if (!f.action.empty() && record.action != f.action) return false;
  if (!f.country.empty() && !core::EqualsIgnoreCase(record.country, f.country)) return false;
  if (!f.uri_prefix.empty() && !core::StartsWith(record.path(), f.uri_prefix)) return false;
  if (!f.client.empty() && !client_.Contains(record.client_ip)) return false;
  if (!f.rule.empty() && std::none_of(record.rules.begin(), record.rules.end(),
                                      [&](const LoggedRule& rule) { return rule.id == f.rule; })) {
    return false;
  }
  if (!f.source.empty() && record.source != f.source &&
      std::none_of(record.rules.begin(), record.rules.end(),
                   [&](const LoggedRule& rule) { return rule.source == f.source; })) {
    return false;
  }
  return true;
}

int64_t NowEpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> ParseTimeBound(std::string_view text, int64_t now_ms) {
  text = core::TrimOws(text);
  if (text.empty()) return std::nullopt;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    // A date: midnight UTC of that day, read as the time it would be.
    return ParseRfc3339Ms(std::string(text) + "T00:00:00Z");
  }
  if (text.size() > 10 && text[4] == '-') return ParseRfc3339Ms(text);
  std::optional<uint64_t> age = ParseDaysMs(text);
  if (!age) age = core::ParseDurationMs(text);
  // Ages reaching before the epoch (or overflowing) are no bound an operator means.
  if (!age || *age > static_cast<uint64_t>(std::max<int64_t>(now_ms, 0))) return std::nullopt;
  return now_ms - static_cast<int64_t>(*age);
}

const std::vector<std::string_view>& ActionNames() {
  static const std::vector<std::string_view> kNames = {"blocked", "challenged", "rate_limited",
                                                       "detected"};
  return kNames;
}

const std::vector<std::string_view>& SourceNames() {
  static const std::vector<std::string_view> kNames = {
      "waf", "signatures", "ip_reputation", "geoip", "rate_limit", "auth", "bot"};
  return kNames;
}

}  // namespace rampart::review
