#include "signatures/normalize.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/strings.h"

namespace rampart::signatures {
namespace {

// The value of `n` hex digits at s[at], or nullopt.
std::optional<uint32_t> Hex(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const int d = core::HexDigitValue(s[at + i]);
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  return v;
}

}  // namespace

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else if (auto byte = Hex(in, i + 1, 2)) {
      out += static_cast<char>(*byte);
      i += 2;
    } else if (i + 1 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
      if (auto cp = Hex(in, i + 2, 4)) {
        core::AppendUtf8(out, *cp);
        i += 5;
      } else {
        out += c;
      }
    } else {
      out += c;
    }
  }
  return out;
}

void RemoveNul(std::string& s) { s.erase(std::remove(s.begin(), s.end(), '\0'), s.end()); }

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::string slashed(path);
  std::replace(slashed.begin(), slashed.end(), '\\', '/');
  const std::string_view p(slashed);
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    const std::string_view seg = p.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  out.reserve(path.size());
  for (std::string_view seg : segments) {
    out += '/';
    out.append(seg);
  }
  // A trailing slash (or a trailing "." / "..") names a directory: keep it visible.
  const bool trailing = !p.empty() && (p.back() == '/' || p.ends_with("/.") || p.ends_with("/.."));
  if (out.empty() || trailing) out += '/';
  return out;
}

std::string DecodeHtmlEntities(std::string_view in) {
  struct Named {
    std::string_view name;
    char value;
  };
  static constexpr Named kNamed[] = {{"lt", '<'},   {"gt", '>'},    {"amp", '&'},
                                     {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}};
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&') {
      out += in[i];
      continue;
    }
    if (i + 1 < in.size() && in[i + 1] == '#') {
      const bool hex = i + 2 < in.size() && (in[i + 2] == 'x' || in[i + 2] == 'X');
      size_t j = i + (hex ? 3 : 2);
      uint32_t cp = 0;
      size_t digits = 0;
      while (j < in.size() && digits < 8) {
        const int d =
            hex ? core::HexDigitValue(in[j]) : (in[j] >= '0' && in[j] <= '9' ? in[j] - '0' : -1);
        if (d < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        ++j;
        ++digits;
      }
      if (digits > 0 && cp <= 0x10FFFF) {
        core::AppendUtf8(out, cp);
        if (j < in.size() && in[j] == ';') ++j;
        i = j - 1;
        continue;
      }
      out += '&';
      continue;
    }
    bool decoded = false;
    for (const Named& n : kNamed) {
      const std::string_view rest = in.substr(i + 1);
      if (rest.size() > n.name.size() && rest.substr(0, n.name.size()) == n.name &&
          rest[n.name.size()] == ';') {
        out += n.value;
        i += n.name.size() + 1;
        decoded = true;
        break;
      }
    }
    if (!decoded) out += '&';
  }
  return out;
}

}  // namespace rampart::signatures
