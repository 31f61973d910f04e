#pragma once
// Small ASCII string helpers shared by the parser, the config loader and the router.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::core {

inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Header names as CGI-style backends see them: case-insensitive, with '_' the same as '-'
// (X_User and x-user both become HTTP_X_USER).
inline bool EqualsAsCgiHeaderName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] == '_' ? '-' : AsciiLower(a[i]);
    const char y = b[i] == '_' ? '-' : AsciiLower(b[i]);
    if (x != y) return false;
  }
  return true;
}

// The value of a hexadecimal digit (either case); -1 for any other character.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends code point `cp` (at most U+10FFFF) in UTF-8.
inline void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Percent-decoding: %XY with two hex digits becomes that byte, with `plus_as_space` a '+' becomes
// a space, and everything else stays as written; `*invalid` (when given) is set when a '%' is
// not followed by two hex digits.
std::string PercentDecode(std::string_view in, bool plus_as_space, bool* invalid = nullptr);

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Parses a duration such as "500ms", "5s", "10m", "1h" into milliseconds.
std::optional<uint64_t> ParseDurationMs(std::string_view text);

// Parses a size such as "512", "64KiB", "1MiB", "2GiB", "10KB", "1MB" into bytes.
std::optional<uint64_t> ParseSize(std::string_view text);

// Escapes a value for a JSON string body (no surrounding quotes); control bytes become \u00XX
// and bytes >= 0x80 are kept only when they form valid UTF-8.
void AppendJsonEscaped(std::string& out, std::string_view value);

// Escapes, as AppendJsonEscaped does, the longest prefix of `value` whose escaped form fits in
// `max_bytes`, never splitting a UTF-8 character or an escape. Returns how many bytes of `value`
// that prefix holds (value.size() when all of it fits).
size_t AppendJsonEscapedPrefix(std::string& out, std::string_view value, size_t max_bytes);

// Appends `text` escaped for HTML text and quoted attribute values (& < > " ').
void AppendHtmlEscaped(std::string& out, std::string_view text);

}  // namespace rampart::core
