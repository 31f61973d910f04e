#include "config/value_syntax.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace rampart::config {

namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// inet_pton needs a NUL-terminated string.
bool ParsesAs(int family, std::string_view text) {
  unsigned char buf[16];
  const std::string copy(text);
  return inet_pton(family, copy.c_str(), buf) == 1;
}

bool IsIpv4(std::string_view text) { return ParsesAs(AF_INET, text); }
bool IsIpv6(std::string_view text) { return ParsesAs(AF_INET6, text); }

// Digits and dots only: meant as an IPv4 literal, so it must be a valid one rather than a
// host name made of numeric labels.
bool LooksNumeric(std::string_view host) {
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

bool IsBracketedIpv6(std::string_view host) {
  return host.size() > 2 && host.front() == '[' && host.back() == ']' &&
         IsIpv6(host.substr(1, host.size() - 2));
}

}  // namespace

core::Status CheckHostPort(std::string_view address, bool allow_port_zero) {
  std::string_view host;
  std::string_view port;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return core::MakeError("expected host:port");
    }
    host = address.substr(0, close + 1);
    port = address.substr(close + 2);
    if (!IsBracketedIpv6(host)) return core::MakeError("invalid IPv6 address");
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return core::MakeError("expected host:port");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return core::MakeError("an IPv6 address needs brackets, e.g. [::1]:8080");
    }
    if (LooksNumeric(host)) {
      if (!IsIpv4(host)) return core::MakeError("invalid IPv4 address");
    } else if (!IsHostName(host)) {
      return core::MakeError("invalid host name");
    }
  }
  if (port.empty()) return core::MakeError("expected host:port");
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  const unsigned min_port = allow_port_zero ? 0 : 1;
  if (!IsDigits(port) || ec != std::errc() || ptr != port.data() + port.size() ||
      value < min_port || value > 65535) {
    return core::MakeError(allow_port_zero ? "port must be between 0 and 65535"
                                           : "port must be between 1 and 65535");
  }
  return {};
}

bool IsHostName(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    const std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    const bool ok = std::all_of(label.begin(), label.end(),
                                [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
    if (!ok) return false;
    start = end + 1;
  }
  return true;
}

bool IsHostPattern(std::string_view pattern) {
  if (pattern.starts_with("*.")) {
    const std::string_view suffix = pattern.substr(2);
    return !LooksNumeric(suffix) && IsHostName(suffix);
  }
  if (!pattern.empty() && pattern.front() == '[') return IsBracketedIpv6(pattern);
  if (LooksNumeric(pattern)) return IsIpv4(pattern);
  return IsHostName(pattern);
}

bool IsCidr(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view addr = text.substr(0, slash);
  const bool v4 = IsIpv4(addr);
  if (!v4 && !IsIpv6(addr)) return false;
  if (slash == std::string_view::npos) return true;
  const std::string_view prefix = text.substr(slash + 1);
  if (!IsDigits(prefix) || prefix.size() > 3) return false;
  unsigned bits = 0;
  std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
  return bits <= (v4 ? 32U : 128U);
}

bool IsHttpToken(std::string_view text) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return IsAlnum(c) || kSpecials.find(c) != std::string_view::npos;
  });
}

bool HasLineBreakOrNul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool HasSpaceOrControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x21 || b == 0x7f;
  });
}

core::Result<HashKeyConfig> ParseHashKey(std::string_view text) {
  using Kind = HashKeyConfig::Kind;
  if (text == "client_ip") return HashKeyConfig{Kind::kClientIp, ""};
  if (text == "path") return HashKeyConfig{Kind::kPath, ""};
  const size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  if (colon == std::string_view::npos || (kind != "header" && kind != "cookie")) {
    return core::MakeError("expected client_ip, path, header:<name> or cookie:<name>");
  }
  const std::string_view name = text.substr(colon + 1);
  if (!IsHttpToken(name)) {
    return core::MakeError("invalid " + std::string(kind) + " name '" + std::string(name) + "'");
  }
  return HashKeyConfig{kind == "header" ? Kind::kHeader : Kind::kCookie, std::string(name)};
}

}  // namespace rampart::config
