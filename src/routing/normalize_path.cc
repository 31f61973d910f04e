#include "routing/normalize_path.h"

#include <vector>

#include "core/strings.h"

namespace rampart::routing {

namespace {

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::optional<std::string> NormalizePath(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;

  // 1. Percent-decoding of unreserved characters only: %2F stays an escape, so the segment
  //    structure the client sent is kept.
  std::string decoded;
  decoded.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      decoded.push_back(path[i]);
      continue;
    }
    if (i + 2 >= path.size()) return std::nullopt;
    const int hi = core::HexDigitValue(path[i + 1]);
    const int lo = core::HexDigitValue(path[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char c = static_cast<char>(hi * 16 + lo);
    if (IsUnreserved(c)) {
      decoded.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      decoded.push_back('%');
      decoded.push_back(kHex[hi]);
      decoded.push_back(kHex[lo]);
    }
    i += 2;
  }

  // 2. Segments: "" (from "//") and "." dropped, ".." pops; a trailing "/" is kept.
  std::vector<std::string_view> segments;
  std::string_view rest(decoded);
  rest.remove_prefix(1);
  bool trailing_slash = false;
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    // "..;x" and ".;x" are dot segments to servlet containers (path parameters): refused
    // rather than guessed at.
    if (segment.substr(0, 3) == "..;" || segment.substr(0, 2) == ".;") return std::nullopt;
    if (segment == "..") {
      if (segments.empty()) return std::nullopt;
      segments.pop_back();
      trailing_slash = true;
    } else if (segment.empty() || segment == ".") {
      trailing_slash = true;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  std::string out;
  out.reserve(decoded.size());
  for (const auto& segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

}  // namespace rampart::routing
