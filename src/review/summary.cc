#include "review/summary.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/strings.h"
#include "review/printable.h"

namespace rampart::review {

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;
// A chosen interval gives at most about this many buckets.
constexpr int64_t kTargetBuckets = 60;
// An interval asked for is widened when it would give more buckets than this: a one-second
// interval over a year of records must not allocate millions of them.
constexpr int64_t kMaxBuckets = 10'000;
// How many of the top rules get a series.
constexpr size_t kMaxSeries = 5;

// Counts keys and keeps the first label seen for each.
class KeyCounter {
 public:
  void Add(const std::string& key, const std::string* label = nullptr) {
    auto [it, inserted] = counts_.try_emplace(key);
    if (inserted && label != nullptr) it->second.label = *label;
    ++it->second.count;
  }

  // The `limit` most counted keys, most first, ties by key ascending.
  std::vector<CountedKey> Top(size_t limit) const {
    std::vector<CountedKey> out;
    out.reserve(counts_.size());
    for (const auto& [key, entry] : counts_) out.push_back({key, entry.label, entry.count});
    const auto order = [](const CountedKey& a, const CountedKey& b) {
      return a.count != b.count ? a.count > b.count : a.key < b.key;
    };
    limit = std::min(limit, out.size());
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(limit), out.end(),
                      order);
    out.resize(limit);
    return out;
  }

  std::vector<CountedKey> All() const { return Top(counts_.size()); }

 private:
  struct Entry {
    std::string label;
    uint64_t count = 0;
  };
  std::unordered_map<std::string, Entry> counts_;
};

// Floor division, so that times before the epoch fall in the bucket that starts before them.
int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t CeilDiv(int64_t a, int64_t b) { return FloorDiv(a + b - 1, b); }

// The interval for records spanning `span_ms`: the one asked for unless it gives too many
// buckets, else about kTargetBuckets rounded up to a usual step.
int64_t ChooseBucketMs(int64_t requested_ms, int64_t span_ms) {
  if (requested_ms > 0) {
    if (span_ms / requested_ms < kMaxBuckets) return requested_ms;
    return CeilDiv(CeilDiv(span_ms, kMaxBuckets), requested_ms) * requested_ms;
  }
  const int64_t wanted = std::max<int64_t>(CeilDiv(span_ms, kTargetBuckets), 1);
  static constexpr std::array<int64_t, 6> kSteps = {
      kMinuteMs, 5 * kMinuteMs, 15 * kMinuteMs, 60 * kMinuteMs, 6 * 60 * kMinuteMs, kDayMs};
  for (const int64_t step : kSteps) {
    if (step >= wanted) return step;
  }
  return CeilDiv(wanted, kDayMs) * kDayMs;
}

// The distinct values `get` gives for a record's rules, in order, empty ones left out. Outcome
// rules (949110 and the like) are left out too: they are in every blocked WAF record and say
// nothing about which rule or parameter to look at.
template <typename Get>
std::vector<const LoggedRule*> DistinctRules(const AttackRecord& record, Get get) {
  std::vector<const LoggedRule*> out;
  for (const LoggedRule& rule : record.rules) {
    const std::string& value = get(rule);
    if (value.empty() || IsOutcomeRule(rule.id)) continue;
    const bool seen = std::any_of(out.begin(), out.end(),
                                  [&](const LoggedRule* other) { return get(*other) == value; });
    if (!seen) out.push_back(&rule);
  }
  return out;
}

const std::string& RuleId(const LoggedRule& rule) { return rule.id; }
const std::string& RuleVar(const LoggedRule& rule) { return rule.var; }

void FillBuckets(const std::vector<AttackRecord>& records, int64_t oldest_ms, int64_t newest_ms,
                 Summary* summary) {
  const int64_t width = summary->bucket_ms;
  const int64_t first = FloorDiv(oldest_ms, width);
  const auto count = static_cast<size_t>(FloorDiv(newest_ms, width) - first + 1);
  summary->buckets.resize(count);
  for (size_t i = 0; i < count; ++i) {
    summary->buckets[i].start_ms = (first + static_cast<int64_t>(i)) * width;
  }
  const size_t series = std::min(kMaxSeries, summary->top_rules.size());
  for (size_t i = 0; i < series; ++i) {
    summary->rule_series.push_back({summary->top_rules[i].key, std::vector<uint64_t>(count)});
  }
  for (const AttackRecord& record : records) {
    const auto index = static_cast<size_t>(FloorDiv(record.time_ms, width) - first);
    TimeBucket& bucket = summary->buckets[index];
    ++bucket.count;
    if (record.action == "blocked") ++bucket.blocked;
    if (series == 0) continue;
    for (const LoggedRule* rule : DistinctRules(record, RuleId)) {
      for (RuleSeries& s : summary->rule_series) {
        if (s.rule == rule->id) ++s.counts[index];
      }
    }
  }
}

// "1m", "6h", "1d", "90s", "1500ms": the interval as an operator writes it.
std::string DurationText(int64_t ms) {
  static constexpr std::array<std::pair<int64_t, const char*>, 4> kUnits = {
      {{kDayMs, "d"}, {3'600'000, "h"}, {kMinuteMs, "m"}, {1000, "s"}}};
  for (const auto& [unit_ms, unit] : kUnits) {
    if (ms % unit_ms == 0) return std::to_string(ms / unit_ms) + unit;
  }
  return std::to_string(ms) + "ms";
}

std::string PadRight(std::string text, size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string PadLeft(const std::string& text, size_t width) {
  return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}

// One section of "key  count  label" lines with the keys and counts in columns.
void AppendSection(std::string& out, std::string_view title, const std::vector<CountedKey>& list) {
  if (list.empty()) return;
  // Long keys (URIs) do not push every row out; they only push their own count.
  constexpr size_t kMaxKeyColumn = 48;
  size_t key_width = 0;
  size_t count_width = 0;
  for (const CountedKey& entry : list) {
    key_width = std::max(key_width, std::min(PrintableText(entry.key).size(), kMaxKeyColumn));
    count_width = std::max(count_width, std::to_string(entry.count).size());
  }
  out += '\n';
  out += title;
  out += '\n';
  for (const CountedKey& entry : list) {
    std::string line = "  " + PadRight(PrintableText(entry.key), key_width) + "  " +
                       PadLeft(std::to_string(entry.count), count_width);
    if (!entry.label.empty()) line += "  " + PrintableText(entry.label);
    out += line;
    out += '\n';
  }
}

void AppendCountedJson(std::string& out, std::string_view name, const std::vector<CountedKey>& list,
                       bool with_label) {
  out += ",\"";
  out += name;
  out += "\":[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"key\":\"";
    core::AppendJsonEscaped(out, list[i].key);
    out += '"';
    if (with_label) {
      out += ",\"label\":\"";
      core::AppendJsonEscaped(out, list[i].label);
      out += '"';
    }
    out += ",\"count\":";
    out += std::to_string(list[i].count);
    out += '}';
  }
  out += ']';
}

// Whole seconds as an integer; a width given in milliseconds keeps them ("1.5").
std::string SecondsJson(int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000);
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  return out;
}

}  // namespace

Summary Summarize(const std::vector<AttackRecord>& records, const SummaryOptions& options) {
  Summary summary;
  summary.total = records.size();
  KeyCounter actions;
  KeyCounter sources;
  KeyCounter rules;
  KeyCounter uris;
  KeyCounter params;
  KeyCounter ips;
  KeyCounter countries;
  int64_t oldest_ms = 0;
  int64_t newest_ms = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const AttackRecord& record = records[i];
    oldest_ms = i == 0 ? record.time_ms : std::min(oldest_ms, record.time_ms);
    newest_ms = i == 0 ? record.time_ms : std::max(newest_ms, record.time_ms);
    actions.Add(record.action);
    if (!record.source.empty()) sources.Add(record.source);
    for (const LoggedRule* rule : DistinctRules(record, RuleId)) rules.Add(rule->id, &rule->msg);
    for (const LoggedRule* rule : DistinctRules(record, RuleVar)) params.Add(rule->var);
    if (const std::string_view path = record.path(); !path.empty()) uris.Add(std::string(path));
    if (!record.client_ip.empty()) ips.Add(record.client_ip);
    if (!record.country.empty()) countries.Add(record.country);
  }
  summary.by_action = actions.All();
  summary.by_source = sources.All();
  summary.top_rules = rules.Top(options.top);
  summary.top_uris = uris.Top(options.top);
  summary.top_params = params.Top(options.top);
  summary.top_ips = ips.Top(options.top);
  summary.top_countries = countries.Top(options.top);
  summary.bucket_ms = ChooseBucketMs(options.bucket_ms, newest_ms - oldest_ms);
  if (!records.empty()) FillBuckets(records, oldest_ms, newest_ms, &summary);
  return summary;
}

std::string SummaryJson(const Summary& summary) {
  std::string out = "{\"total\":" + std::to_string(summary.total);
  AppendCountedJson(out, "by_action", summary.by_action, false);
  AppendCountedJson(out, "by_source", summary.by_source, false);
  AppendCountedJson(out, "top_rules", summary.top_rules, true);
  AppendCountedJson(out, "top_uris", summary.top_uris, true);
  AppendCountedJson(out, "top_params", summary.top_params, true);
  AppendCountedJson(out, "top_ips", summary.top_ips, true);
  AppendCountedJson(out, "top_countries", summary.top_countries, true);
  out += ",\"bucket_seconds\":" + SecondsJson(summary.bucket_ms);
  out += ",\"buckets\":[";
  for (size_t i = 0; i < summary.buckets.size(); ++i) {
    const TimeBucket& bucket = summary.buckets[i];
    if (i > 0) out += ',';
    out += "{\"time\":\"" + FormatRfc3339Ms(bucket.start_ms) +
           "\",\"count\":" + std::to_string(bucket.count) +
           ",\"blocked\":" + std::to_string(bucket.blocked) + '}';
  }
  out += "],\"rule_series\":[";
  for (size_t i = 0; i < summary.rule_series.size(); ++i) {
    const RuleSeries& series = summary.rule_series[i];
    if (i > 0) out += ',';
    out += "{\"rule\":\"";
    core::AppendJsonEscaped(out, series.rule);
    out += "\",\"counts\":[";
    for (size_t k = 0; k < series.counts.size(); ++k) {
      if (k > 0) out += ',';
      out += std::to_string(series.counts[k]);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string SummaryText(const Summary& summary) {
  std::string out = "Records: " + std::to_string(summary.total) + "\n";
  AppendSection(out, "By action", summary.by_action);
  AppendSection(out, "By source", summary.by_source);
  AppendSection(out, "Top rules", summary.top_rules);
  AppendSection(out, "Top URIs", summary.top_uris);
  AppendSection(out, "Top parameters", summary.top_params);
  AppendSection(out, "Top client addresses", summary.top_ips);
  AppendSection(out, "Top countries", summary.top_countries);
  if (summary.buckets.empty()) return out;

  uint64_t most = 0;
  size_t count_width = 0;
  size_t blocked_width = 0;
  for (const TimeBucket& bucket : summary.buckets) {
    most = std::max(most, bucket.count);
    count_width = std::max(count_width, std::to_string(bucket.count).size());
    blocked_width = std::max(blocked_width, std::to_string(bucket.blocked).size());
  }
  // Bars scaled to the busiest interval; any record shows at least one mark.
  constexpr uint64_t kBarWidth = 40;
  out += "\nOver time (" + DurationText(summary.bucket_ms) + " intervals: records, blocked)\n";
  for (const TimeBucket& bucket : summary.buckets) {
    const uint64_t bar = most == 0 ? 0 : (bucket.count * kBarWidth + most - 1) / most;
    std::string line = "  " + FormatRfc3339Ms(bucket.start_ms) + "  " +
                       PadLeft(std::to_string(bucket.count), count_width) + "  " +
                       PadLeft(std::to_string(bucket.blocked), blocked_width);
    if (bar > 0) line += "  " + std::string(bar, '#');
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace rampart::review
