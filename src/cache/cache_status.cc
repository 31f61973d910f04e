#include "cache/cache_status.h"

#include <algorithm>

namespace rampart::cache {

namespace {

// RFC 9651 §3.3.4: sf-token = ( ALPHA / "*" ) *( tchar / ":" / "/" ).
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(s[0]) && s[0] != '*') return false;
  for (char c : s) {
    if (alpha(c) || (c >= '0' && c <= '9')) continue;
    if (std::string_view("!#$%&'*+-.^_`|~:/").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// A token as is, anything else as an sf-string (§3.3.3).
void AppendTokenOrString(std::string& out, std::string_view s) {
  if (IsToken(s)) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c < 0x20 || c > 0x7e) {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// RFC 9651 integers have at most 15 digits.
constexpr int64_t kMaxSfInteger = 999'999'999'999'999;

}  // namespace

std::string FormatCacheStatus(const CacheStatusInfo& info) {
  std::string out;
  AppendTokenOrString(out, info.cache_name);
  if (info.hit) {
    out.append("; hit");
  } else if (!info.fwd.empty()) {
    out.append("; fwd=");
    AppendTokenOrString(out, info.fwd);
  }
  if (info.fwd_status) {
    out.append("; fwd-status=");
    out.append(std::to_string(std::clamp(*info.fwd_status, 0, 999)));
  }
  if (info.stored) out.append("; stored");
  if (info.collapsed) out.append("; collapsed");
  if (info.ttl) {
    out.append("; ttl=");
    out.append(std::to_string(std::clamp(*info.ttl, -kMaxSfInteger, kMaxSfInteger)));
  }
  if (!info.detail.empty()) {
    out.append("; detail=");
    AppendTokenOrString(out, info.detail);
  }
  return out;
}

}  // namespace rampart::cache
