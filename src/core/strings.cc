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

// Length of the well-formed UTF-8 sequence at the start of `s` (2-4), or 0.
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto in = [&](size_t k, unsigned lo, unsigned hi) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  const unsigned c = byte(0);
  if (c >= 0xc2 && c <= 0xdf) return in(1, 0x80, 0xbf) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
    const unsigned hi = c == 0xed ? 0x9f : 0xbf;
    return in(1, lo, hi) && in(2, 0x80, 0xbf) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const unsigned lo = c == 0xf0 ? 0x90 : 0x80;
    const unsigned hi = c == 0xf4 ? 0x8f : 0xbf;
    return in(1, lo, hi) && in(2, 0x80, 0xbf) && in(3, 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
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
      // Keep well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF);
      // replace any other byte so the line stays valid JSON for strict readers.
      const size_t len = Utf8SequenceLength(value.substr(i));
      if (len > 0) {
        out.append(value.substr(i, len));
        i += len;
        continue;
      }
      out.append("\\ufffd");
    }
    ++i;
  }
}

size_t AppendJsonEscapedPrefix(std::string& out, std::string_view value, size_t max_bytes) {
  size_t i = 0;
  size_t written = 0;
  while (i < value.size()) {
    // One unit: an ASCII byte, a well-formed UTF-8 sequence, or a byte that is not valid UTF-8;
    // its escaped size as AppendJsonEscaped writes it.
    const auto c = static_cast<unsigned char>(value[i]);
    size_t in = 1;
    size_t escaped = 1;
    if (c == '"' || c == '\\') {
      escaped = 2;
    } else if (c < 0x20 || c == 0x7f) {
      escaped = 6;  // \u00XX
    } else if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(value.substr(i));
      in = len > 0 ? len : 1;
      escaped = len > 0 ? len : 6;  // kept as is, or \ufffd
    }
    if (written + escaped > max_bytes) break;
    AppendJsonEscaped(out, value.substr(i, in));
    written += escaped;
    i += in;
  }
  return i;
}

void AppendHtmlEscaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string PercentDecode(std::string_view in, bool plus_as_space, bool* invalid) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && plus_as_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size() && HexDigitValue(in[i + 1]) >= 0 &&
               HexDigitValue(in[i + 2]) >= 0) {
      out += static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2]));
      i += 2;
    } else {
      if (c == '%' && invalid != nullptr) *invalid = true;
      out += c;
    }
  }
  return out;
}

}  // namespace rampart::core
