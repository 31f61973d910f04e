#include "proxy/client_ip.h"

#include <arpa/inet.h>

#include <optional>
#include <vector>

namespace rampart::proxy {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
    const char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "192.0.2.1", "192.0.2.1:80", "[2001:db8::1]:443", "2001:db8::1" → the address in canonical
// text; nullopt for anything else.
std::optional<std::string> AddressOf(std::string_view entry) {
  entry = Trim(entry);
  if (entry.size() >= 2 && entry.front() == '"' && entry.back() == '"') {
    entry = entry.substr(1, entry.size() - 2);
  }
  if (!entry.empty() && entry.front() == '[') {
    const size_t close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    entry = entry.substr(1, close - 1);
  } else if (entry.find(':') == entry.rfind(':') && entry.find('.') != std::string_view::npos) {
    entry = entry.substr(0, entry.find(':'));  // IPv4 with a port
  }
  if (entry.empty() || entry.size() > 45) return std::nullopt;
  const std::string text(entry);
  unsigned char bytes[16];
  char canon[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), bytes) == 1 &&
        inet_ntop(family, bytes, canon, sizeof(canon)) != nullptr) {
      return std::string(canon);
    }
  }
  return std::nullopt;
}

// The hops a header lists, left to right.
std::vector<std::string_view> Hops(const http::HeaderMap& headers, std::string_view name) {
  std::vector<std::string_view> hops;
  for (const http::Header& h : headers) {
    if (!EqualsNoCase(h.name, name)) continue;
    std::string_view rest = h.value;
    while (true) {
      const size_t comma = rest.find(',');
      hops.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return hops;
}

// RFC 7239: each element's for= parameter ("for=192.0.2.60;proto=http").
std::vector<std::string_view> ForwardedFor(const http::HeaderMap& headers) {
  std::vector<std::string_view> out;
  for (std::string_view element : Hops(headers, "Forwarded")) {
    std::string_view found;
    while (!element.empty()) {
      const size_t semi = element.find(';');
      const std::string_view pair = Trim(element.substr(0, semi));
      if (pair.size() > 4 && EqualsNoCase(pair.substr(0, 4), "for=")) found = pair.substr(4);
      if (semi == std::string_view::npos) break;
      element.remove_prefix(semi + 1);
    }
    out.push_back(found);  // empty: an element without for=, not an address
  }
  return out;
}

}  // namespace

std::string ResolveClientIp(std::string_view peer, const http::HeaderMap& headers,
                            const net::CidrSet& trusted) {
  std::string client(peer);
  if (!trusted.Contains(peer)) return client;
  std::vector<std::string_view> hops = Hops(headers, "X-Forwarded-For");
  if (hops.empty()) hops = ForwardedFor(headers);
  if (hops.empty()) hops = Hops(headers, "X-Real-IP");
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const std::optional<std::string> address = AddressOf(*it);
    if (!address) break;  // not an address: trust stops at the last trusted hop
    client = *address;
    if (!trusted.Contains(client)) break;
  }
  return client;
}

}  // namespace rampart::proxy
