#include "review/attack_record.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

namespace rampart::review {

namespace {

using nlohmann::json;

core::Error FieldError(std::string_view field, std::string_view problem) {
  return core::MakeError("field '" + std::string(field) + "': " + std::string(problem));
}

// A string member. When it is not `required`, absent or null leaves `*out` as it is; any other
// type is an error.
core::Status ReadString(const json& object, const char* key, std::string_view field_name,
                        bool required, std::string* out) {
  const auto it = object.find(key);
  if (it == object.end()) return required ? FieldError(field_name, "missing") : core::Status();
  if (it->is_null() && !required) return {};
  if (!it->is_string()) return FieldError(field_name, "expected a string");
  *out = it->get<std::string>();
  return {};
}

// An integer within [min, max]; absent or null leaves `*out` unset.
core::Status ReadInteger(const json& object, const char* key, std::string_view field_name,
                         int64_t min, int64_t max, std::optional<int64_t>* out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_number_integer()) return FieldError(field_name, "expected an integer");
  if (it->is_number_unsigned()) {
    const auto value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(max)) return FieldError(field_name, "out of range");
    *out = static_cast<int64_t>(value);
  } else {
    const auto value = it->get<int64_t>();
    if (value < min || value > max) return FieldError(field_name, "out of range");
    *out = value;
  }
  return {};
}

core::Status ReadRule(const json& entry, const std::string& name, LoggedRule* rule) {
  if (!entry.is_object()) return FieldError(name, "expected an object");
  core::Status status;
  if (!(status = ReadString(entry, "source", name + ".source", false, &rule->source))) {
    return status;
  }
  if (!(status = ReadString(entry, "id", name + ".id", false, &rule->id))) return status;
  if (!(status = ReadString(entry, "msg", name + ".msg", false, &rule->msg))) return status;
  if (!(status = ReadString(entry, "severity", name + ".severity", false, &rule->severity))) {
    return status;
  }
  if (!(status = ReadString(entry, "var", name + ".var", false, &rule->var))) return status;
  if (!(status = ReadString(entry, "data", name + ".data", false, &rule->data))) return status;
  const auto tags = entry.find("tags");
  if (tags != entry.end() && !tags->is_null()) {
    if (!tags->is_array()) return FieldError(name + ".tags", "expected an array");
    for (const json& tag : *tags) {
      if (!tag.is_string()) return FieldError(name + ".tags", "expected strings");
      rule->tags.push_back(tag.get<std::string>());
    }
  }
  return {};
}

core::Status ReadRules(const json& object, AttackRecord* record) {
  const auto rules = object.find("rules");
  if (rules == object.end()) return FieldError("rules", "missing");
  if (!rules->is_array()) return FieldError("rules", "expected an array");
  record->rules.reserve(rules->size());
  for (size_t i = 0; i < rules->size(); ++i) {
    LoggedRule rule;
    if (auto status = ReadRule((*rules)[i], "rules[" + std::to_string(i) + "]", &rule); !status) {
      return status;
    }
    record->rules.push_back(std::move(rule));
  }
  return {};
}

core::Status ReadScores(const json& object, AttackRecord* record) {
  const auto scores = object.find("scores");
  if (scores == object.end() || scores->is_null()) return {};
  if (!scores->is_object()) return FieldError("scores", "expected an object");
  constexpr int64_t kMin = std::numeric_limits<int>::min();
  constexpr int64_t kMax = std::numeric_limits<int>::max();
  std::optional<int64_t> value;
  if (auto status = ReadInteger(*scores, "inbound", "scores.inbound", kMin, kMax, &value);
      !status) {
    return status;
  }
  if (value) record->inbound_score = static_cast<int>(*value);
  value.reset();
  if (auto status = ReadInteger(*scores, "outbound", "scores.outbound", kMin, kMax, &value);
      !status) {
    return status;
  }
  if (value) record->outbound_score = static_cast<int>(*value);
  return {};
}

core::Status ReadHeaders(const json& object, AttackRecord* record) {
  const auto headers = object.find("headers");
  if (headers == object.end() || headers->is_null()) return {};
  if (!headers->is_array()) return FieldError("headers", "expected an array");
  for (const json& pair : *headers) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return FieldError("headers", "expected [name, value] pairs of strings");
    }
    record->headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return {};
}

core::Status ReadFields(const json& object, AttackRecord* record) {
  core::Status status;
  if (!(status = ReadString(object, "time", "time", true, &record->time))) return status;
  const std::optional<int64_t> time_ms = ParseRfc3339Ms(record->time);
  if (!time_ms) return FieldError("time", "not an RFC 3339 time");
  record->time_ms = *time_ms;
  if (!(status = ReadString(object, "request_id", "request_id", true, &record->request_id))) {
    return status;
  }
  if (!(status = ReadString(object, "client_ip", "client_ip", false, &record->client_ip))) {
    return status;
  }
  if (!(status = ReadString(object, "country", "country", false, &record->country))) {
    return status;
  }
  std::optional<int64_t> number;
  if (!(status =
            ReadInteger(object, "asn", "asn", 0, std::numeric_limits<uint32_t>::max(), &number))) {
    return status;
  }
  record->asn = static_cast<uint32_t>(number.value_or(0));
  if (!(status = ReadString(object, "method", "method", false, &record->method))) return status;
  if (!(status = ReadString(object, "host", "host", false, &record->host))) return status;
  if (!(status = ReadString(object, "uri", "uri", false, &record->uri))) return status;
  if (!(status = ReadString(object, "route", "route", false, &record->route))) return status;
  if (!(status = ReadString(object, "action", "action", true, &record->action))) return status;
  number.reset();
  if (!(status =
            ReadInteger(object, "status", "status", 0, std::numeric_limits<int>::max(), &number))) {
    return status;
  }
  record->status = static_cast<int>(number.value_or(0));
  if (!(status = ReadString(object, "source", "source", false, &record->source))) return status;
  if (!(status = ReadRules(object, record))) return status;
  if (!(status = ReadScores(object, record))) return status;
  return ReadHeaders(object, record);
}

// Reads exactly `n` digits at `*pos` into `*out`.
bool ReadDigits(std::string_view text, size_t* pos, size_t n, int* out) {
  if (*pos + n > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += n;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

std::string_view AttackRecord::path() const {
  const std::string_view target = uri;
  return target.substr(0, target.find('?'));
}

core::Result<AttackRecord> ParseAttackRecord(std::string_view line) {
  json object;
  try {
    object = json::parse(line);
  } catch (const json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, ..." → "parse error at ...".
    std::string_view what = e.what();
    if (const size_t bracket = what.find("] "); what.starts_with('[') && bracket != what.npos) {
      what.remove_prefix(bracket + 2);
    }
    return core::MakeError("not JSON: " + std::string(what));
  }
  if (!object.is_object()) return core::MakeError("not a JSON object");
  AttackRecord record;
  if (auto status = ReadFields(object, &record); !status) return status.error();
  record.line = std::string(line);
  return record;
}

std::optional<int64_t> ParseRfc3339Ms(std::string_view text) {
  size_t pos = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return std::nullopt;
  }
  // RFC 3339 allows a lower-case 't' and, in its note, a space.
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return std::nullopt;
  }
  // Seconds may be 60 (a leap second); it counts as the next minute's first.
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t start = pos;
    int scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;  // digits past the millisecond are dropped
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos < text.size()) {
    const char zone = text[pos++];
    if (zone == 'Z' || zone == 'z') {
      // UTC
    } else if (zone == '+' || zone == '-') {
      int offset_hours = 0;
      int offset_mins = 0;
      if (!ReadDigits(text, &pos, 2, &offset_hours) || !Expect(text, &pos, ':') ||
          !ReadDigits(text, &pos, 2, &offset_mins) || offset_hours > 23 || offset_mins > 59) {
        return std::nullopt;
      }
      offset_minutes = (offset_hours * 60 + offset_mins) * (zone == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  const int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  const int64_t seconds = days * 86'400 + hour * 3'600 + minute * 60 + second -
                          static_cast<int64_t>(offset_minutes) * 60;
  return seconds * 1000 + millis;
}

std::string FormatRfc3339Ms(int64_t ms) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  const std::chrono::sys_time<milliseconds> time{milliseconds{ms}};
  const auto day = std::chrono::floor<days>(time);
  const std::chrono::year_month_day date{day};
  const int64_t in_day = (time - day).count();  // 0 <= in_day < 86'400'000, also before 1970
  char out[40];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(in_day / 3'600'000),
                static_cast<int>(in_day / 60'000 % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  return out;
}

bool IsOutcomeRule(std::string_view id) {
  if (id.size() != 6 ||
      !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return (id >= "949000" && id <= "949999") || (id >= "959000" && id <= "959999") ||
         (id >= "980000" && id <= "980999");
}

}  // namespace rampart::review
