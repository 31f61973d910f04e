#include "modsec/quoted_strings.h"

#include <cstdint>

#include "core/strings.h"

namespace rampart::modsec {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;

// The four hex digits at `at`, or -1.
int32_t Hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const int d = core::HexDigitValue(s[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

}  // namespace

std::string DecodeStringEscapes(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 == raw.size()) {
      out += raw[i];
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        const int32_t unit = Hex4(raw, i + 1);
        if (unit < 0) {
          out += "\\u";
          break;
        }
        i += 4;
        auto cp = static_cast<uint32_t>(unit);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const int32_t low = raw.substr(i + 1, 2) == "\\u" ? Hex4(raw, i + 3) : -1;
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
            i += 6;
          } else {
            cp = kReplacement;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = kReplacement;
        }
        core::AppendUtf8(out, cp);
        break;
      }
      default:  // \" \\ \/ and anything else: the character itself
        out += e;
    }
  }
  return out;
}

std::vector<std::string> EscapedQuotedStrings(std::string_view text) {
  std::vector<std::string> strings;
  size_t i = 0;
  while ((i = text.find('"', i)) != std::string_view::npos) {
    size_t end = i + 1;
    bool escaped = false;
    while (end < text.size() && text[end] != '"' && text[end] != '\n') {
      if (text[end] == '\\') {
        escaped = true;
        ++end;
      }
      ++end;
    }
    end = std::min(end, text.size());
    if (escaped) strings.push_back(DecodeStringEscapes(text.substr(i + 1, end - i - 1)));
    i = end + 1;
    if (i >= text.size()) break;
  }
  return strings;
}

}  // namespace rampart::modsec
