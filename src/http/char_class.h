#pragma once
// Byte classes of RFC 9110 / RFC 9112 used by the HTTP/1.1 codec. Private to src/http/: the
// parser and the chunked decoder must agree byte for byte on what a token or a field value is,
// so both read these tables.

#include <array>
#include <cstdint>

namespace rampart::http::internal {

enum CharClass : uint8_t {
  kTchar = 1 << 0,        // token character: ALPHA / DIGIT / "!#$%&'*+-.^_`|~"
  kTargetChar = 1 << 1,   // request-target byte: VCHAR except '#'
  kFieldVchar = 1 << 2,   // field-value byte: HTAB / SP / VCHAR / obs-text
  kHexDigit = 1 << 3,     // HEXDIG, either case
  kRegNameChar = 1 << 4,  // reg-name byte without '%': unreserved / sub-delims
};

constexpr std::array<uint8_t, 256> MakeCharClassTable() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    uint8_t bits = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    bool tchar = alpha || digit;
    for (char s : {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'}) {
      tchar = tchar || c == s;
    }
    if (tchar) bits |= kTchar;
    if (c >= 0x21 && c <= 0x7e && c != '#') bits |= kTargetChar;
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) bits |= kFieldVchar;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) bits |= kHexDigit;
    bool reg = alpha || digit;
    for (char s : {'-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '='}) {
      reg = reg || c == s;
    }
    if (reg) bits |= kRegNameChar;
    table[static_cast<size_t>(c)] = bits;
  }
  return table;
}

inline constexpr std::array<uint8_t, 256> kCharClass = MakeCharClassTable();

constexpr bool Is(char c, CharClass cls) {
  return (kCharClass[static_cast<unsigned char>(c)] & cls) != 0;
}
constexpr bool IsTchar(char c) { return Is(c, kTchar); }
constexpr bool IsTargetChar(char c) { return Is(c, kTargetChar); }
constexpr bool IsFieldValueChar(char c) { return Is(c, kFieldVchar); }
constexpr bool IsHexDigit(char c) { return Is(c, kHexDigit); }
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

constexpr int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;  // callers checked IsHexDigit
}

}  // namespace rampart::http::internal
