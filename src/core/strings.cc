#include "core/strings.h"

#include <charconv>

namespace rampart::core {

namespace {

std::optional<uint64_t> ParseNumberWithUnit(std::string_view text, std::string_view* unit) {
  uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) return std::nullopt;
  *unit = std::string_view(ptr, static_cast<size_t>(end - ptr));
  return value;
}

std::optional<uint64_t> Multiply(uint64_t value, uint64_t factor) {
  if (factor != 0 && value > UINT64_MAX / factor) return std::nullopt;
  return value * factor;
}

}  // namespace

std::optional<uint64_t> ParseDurationMs(std::string_view text) {
  std::string_view unit;
  auto value = ParseNumberWithUnit(text, &unit);
  if (!value) return std::nullopt;
  if (unit == "ms") return *value;
  if (unit == "s") return Multiply(*value, 1000);
  if (unit == "m") return Multiply(*value, 60'000);
  if (unit == "h") return Multiply(*value, 3'600'000);
  return std::nullopt;
}

std::optional<uint64_t> ParseSize(std::string_view text) {
  std::string_view unit;
  auto value = ParseNumberWithUnit(text, &unit);
  if (!value) return std::nullopt;
  if (unit.empty() || unit == "B") return *value;
  if (unit == "KiB") return Multiply(*value, 1024);
  if (unit == "MiB") return Multiply(*value, 1024 * 1024);
  if (unit == "GiB") return Multiply(*value, 1024ULL * 1024 * 1024);
  if (unit == "KB" || unit == "k") return Multiply(*value, 1000);
  if (unit == "MB") return Multiply(*value, 1000 * 1000);
  if (unit == "GB") return Multiply(*value, 1000ULL * 1000 * 1000);
  return std::nullopt;
}

void AppendJsonEscaped(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      // Keep valid UTF-8 sequences; replace any other byte so the line stays valid JSON.
      size_t len = (c >= 0xf0 && c < 0xf5) ? 4 : (c >= 0xe0) ? 3 : (c >= 0xc2 && c < 0xe0) ? 2 : 0;
      bool valid = len > 0 && i + len <= value.size();
      for (size_t k = 1; valid && k < len; ++k) {
        valid = (static_cast<unsigned char>(value[i + k]) & 0xc0) == 0x80;
      }
      if (valid) {
        out.append(value.substr(i, len));
        i += len;
        continue;
      }
      out.append("\\ufffd");
    }
    ++i;
  }
}

}  // namespace rampart::core
