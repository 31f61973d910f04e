#include "cache/cache_control.h"

#include <algorithm>

#include "cache/structured_field.h"
#include "core/strings.h"

namespace rampart::cache {

namespace {

using core::EqualsIgnoreCase;

// RFC 9111 §1.2.2: a delta-seconds too large to represent is sent on as 2^31.
constexpr int64_t kMaxDelta = int64_t{1} << 31;

std::optional<int64_t> ParseDeltaSeconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value < kMaxDelta) value = value * 10 + (c - '0');
  }
  return std::min(value, kMaxDelta);
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

// One directive as written: its name and, when "=" followed, its argument (unquoted).
struct Directive {
  std::string_view name;
  bool has_argument = false;
  std::string argument;
};

// Splits one field line into directives. Commas inside quoted strings do not split; whatever
// follows a directive up to the next comma is ignored; an unterminated quoted string ends the
// line and drops that directive.
template <typename Fn>
void ForEachDirective(std::string_view line, Fn&& fn) {
  size_t pos = 0;
  const size_t n = line.size();
  while (pos < n) {
    while (pos < n && (IsOws(line[pos]) || line[pos] == ',')) ++pos;
    if (pos >= n) break;
    const size_t name_start = pos;
    while (pos < n && line[pos] != '=' && line[pos] != ',' && !IsOws(line[pos])) ++pos;
    Directive d;
    d.name = line.substr(name_start, pos - name_start);
    while (pos < n && IsOws(line[pos])) ++pos;
    bool valid = true;
    if (pos < n && line[pos] == '=') {
      ++pos;
      while (pos < n && IsOws(line[pos])) ++pos;
      d.has_argument = true;
      if (pos < n && line[pos] == '"') {
        ++pos;
        bool closed = false;
        while (pos < n) {
          const char c = line[pos++];
          if (c == '\\' && pos < n) {
            d.argument.push_back(line[pos++]);
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            d.argument.push_back(c);
          }
        }
        valid = closed;
      } else {
        const size_t arg_start = pos;
        while (pos < n && line[pos] != ',' && !IsOws(line[pos])) ++pos;
        d.argument.assign(line.substr(arg_start, pos - arg_start));
      }
    }
    while (pos < n && line[pos] != ',') ++pos;
    if (valid) fn(d);
  }
}

void SetDelta(std::optional<int64_t>& slot, const Directive& d) {
  if (slot || !d.has_argument) return;  // the first valid occurrence wins
  slot = ParseDeltaSeconds(d.argument);
}

void Apply(CacheControl& cc, const Directive& d) {
  const std::string_view name = d.name;
  if (EqualsIgnoreCase(name, "max-age")) {
    SetDelta(cc.max_age, d);
  } else if (EqualsIgnoreCase(name, "s-maxage")) {
    SetDelta(cc.s_maxage, d);
  } else if (EqualsIgnoreCase(name, "stale-while-revalidate")) {
    SetDelta(cc.stale_while_revalidate, d);
  } else if (EqualsIgnoreCase(name, "stale-if-error")) {
    SetDelta(cc.stale_if_error, d);
  } else if (EqualsIgnoreCase(name, "min-fresh")) {
    SetDelta(cc.min_fresh, d);
  } else if (EqualsIgnoreCase(name, "max-stale")) {
    // Without a value the client accepts any staleness (§5.2.1.2).
    if (!cc.max_stale && !d.has_argument) cc.max_stale = INT64_MAX;
    SetDelta(cc.max_stale, d);
  } else if (EqualsIgnoreCase(name, "no-store")) {
    cc.no_store = true;
  } else if (EqualsIgnoreCase(name, "no-cache")) {
    cc.no_cache = true;
    if (d.has_argument && !d.argument.empty()) cc.no_cache_with_fields = true;
  } else if (EqualsIgnoreCase(name, "private")) {
    cc.private_ = true;
    if (d.has_argument && !d.argument.empty()) cc.private_with_fields = true;
  } else if (EqualsIgnoreCase(name, "public")) {
    cc.public_ = true;
  } else if (EqualsIgnoreCase(name, "must-revalidate")) {
    cc.must_revalidate = true;
  } else if (EqualsIgnoreCase(name, "proxy-revalidate")) {
    cc.proxy_revalidate = true;
  } else if (EqualsIgnoreCase(name, "only-if-cached")) {
    cc.only_if_cached = true;
  } else if (EqualsIgnoreCase(name, "no-transform")) {
    cc.no_transform = true;
  } else if (EqualsIgnoreCase(name, "immutable")) {
    cc.immutable = true;
  }
}

void SetTargetedDelta(std::optional<int64_t>& slot, const SfValue& v) {
  if (v.type == SfValue::Type::kInteger && v.integer >= 0) slot = std::min(v.integer, kMaxDelta);
}

// A boolean directive: true sets it, false (?0) leaves it unset; a String or Inner List is the
// qualified form of no-cache/private (`with_fields`, when given); any other type is ignored.
void SetTargetedFlag(bool& flag, const SfValue& v, bool* with_fields = nullptr) {
  if (v.type == SfValue::Type::kBoolean) {
    if (v.boolean) flag = true;
  } else if (with_fields != nullptr &&
             (v.type == SfValue::Type::kString || v.type == SfValue::Type::kInnerList)) {
    flag = true;
    *with_fields = true;
  }
}

CacheControl FromDictionary(const SfDictionary& dict) {
  CacheControl cc;
  for (const auto& [key, v] : dict) {
    if (key == "max-age") {
      SetTargetedDelta(cc.max_age, v);
    } else if (key == "s-maxage") {
      SetTargetedDelta(cc.s_maxage, v);
    } else if (key == "stale-while-revalidate") {
      SetTargetedDelta(cc.stale_while_revalidate, v);
    } else if (key == "stale-if-error") {
      SetTargetedDelta(cc.stale_if_error, v);
    } else if (key == "no-store") {
      SetTargetedFlag(cc.no_store, v);
    } else if (key == "no-cache") {
      SetTargetedFlag(cc.no_cache, v, &cc.no_cache_with_fields);
    } else if (key == "private") {
      SetTargetedFlag(cc.private_, v, &cc.private_with_fields);
    } else if (key == "public") {
      SetTargetedFlag(cc.public_, v);
    } else if (key == "must-revalidate") {
      SetTargetedFlag(cc.must_revalidate, v);
    } else if (key == "proxy-revalidate") {
      SetTargetedFlag(cc.proxy_revalidate, v);
    } else if (key == "no-transform") {
      SetTargetedFlag(cc.no_transform, v);
    } else if (key == "immutable") {
      SetTargetedFlag(cc.immutable, v);
    }
  }
  return cc;
}

}  // namespace

CacheControl ParseCacheControl(const http::HeaderMap& headers, std::string_view field_name) {
  CacheControl cc;
  for (const auto& field : headers) {
    if (!EqualsIgnoreCase(field.name, field_name)) continue;
    ForEachDirective(field.value, [&](const Directive& d) { Apply(cc, d); });
  }
  return cc;
}

CacheControl ResponseCacheControl(const http::HeaderMap& headers,
                                  std::span<const std::string> targeted_fields, std::string* used) {
  for (const std::string& name : targeted_fields) {
    // The field's lines combined as one list (RFC 9651 §4.2); empty lines add nothing.
    std::string combined;
    for (const auto& field : headers) {
      if (!EqualsIgnoreCase(field.name, name)) continue;
      const std::string_view value = core::TrimOws(field.value);
      if (value.empty()) continue;
      if (!combined.empty()) combined += ", ";
      combined += value;
    }
    if (combined.empty()) continue;  // absent or empty: ignored (RFC 9213 §2.1)
    std::optional<SfDictionary> dict = ParseSfDictionary(combined);
    if (!dict) continue;  // invalid: ignored as if absent
    if (used != nullptr) *used = name;
    return FromDictionary(*dict);
  }
  if (used != nullptr) used->clear();
  return ParseCacheControl(headers);
}

}  // namespace rampart::cache
