#include "http/byte_range.h"

#include <limits>
#include <optional>
#include <string_view>

#include "core/strings.h"

namespace rampart::http {

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// A run of decimal digits; values past uint64_t saturate, since a position that large is past
// the end of any representation all the same. nullopt when `text` is empty or not all digits.
std::optional<uint64_t> ParseDigits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<uint64_t>(c - '0');
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
  }
  return value;
}

RangeRequest Single(uint64_t first, uint64_t length) {
  return RangeRequest{RangeRequest::Kind::kSingle, ByteRange{first, length}};
}

RangeRequest Unsatisfiable() { return RangeRequest{RangeRequest::Kind::kUnsatisfiable, {}}; }

// One range-spec (RFC 9110 §14.1.1) against `size`; kNone when it is not valid syntax.
RangeRequest ParseSpec(std::string_view spec, uint64_t size) {
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty()) {
    const std::optional<uint64_t> suffix = ParseDigits(last_text);
    if (!suffix) return {};
    if (*suffix == 0) return Unsatisfiable();
    if (size == 0) return {};
    const uint64_t length = *suffix < size ? *suffix : size;
    return Single(size - length, length);
  }
  const std::optional<uint64_t> first = ParseDigits(first_text);
  if (!first) return {};
  uint64_t last = kMax;
  if (!last_text.empty()) {
    const std::optional<uint64_t> parsed = ParseDigits(last_text);
    if (!parsed || *parsed < *first) return {};
    last = *parsed;
  }
  if (*first >= size) return Unsatisfiable();
  if (last >= size) last = size - 1;
  return Single(*first, last - *first + 1);
}

}  // namespace

RangeRequest ParseRange(const std::string* range_header, uint64_t size) {
  if (range_header == nullptr) return {};
  std::string_view value = core::TrimOws(*range_header);
  constexpr std::string_view kUnit = "bytes=";
  if (value.size() < kUnit.size() ||
      !core::EqualsIgnoreCase(value.substr(0, kUnit.size()), kUnit)) {
    return {};
  }
  value.remove_prefix(kUnit.size());
  // range-set = 1#range-spec: empty list elements are allowed and skipped (RFC 9110 §5.6.1).
  std::optional<std::string_view> only;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view spec = core::TrimOws(value.substr(start, comma - start));
    start = comma + 1;
    if (spec.empty()) continue;
    if (only) return {};  // several ranges: the whole representation instead
    only = spec;
  }
  if (!only) return {};
  return ParseSpec(*only, size);
}

std::string ContentRangeValue(ByteRange r, uint64_t size) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.first + r.length - 1) + "/" +
         std::to_string(size);
}

std::string UnsatisfiedRangeValue(uint64_t size) { return "bytes */" + std::to_string(size); }

}  // namespace rampart::http
