#include "net/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <string>

namespace rampart::net {

namespace {

// Parses an address into 16 bytes (IPv4 mapped into ::ffff:0:0/96). Returns the bit length
// of the original family (32 or 128), or nullopt.
std::optional<int> ParseIp(std::string_view text, std::array<uint8_t, 16>* out) {
  const std::string s(text);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out->fill(0);
    (*out)[10] = 0xff;
    (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &v4, 4);
    return 32;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out->data(), &v6, 16);
    return 128;
  }
  return std::nullopt;
}

bool PrefixMatches(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  const int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(full)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[static_cast<size_t>(full)] & mask) == (b[static_cast<size_t>(full)] & mask);
}

}  // namespace

core::Status CidrSet::Add(std::string_view cidr) {
  Range r;
  const size_t slash = cidr.find('/');
  auto family_bits = ParseIp(cidr.substr(0, slash), &r.bytes);
  if (!family_bits)
    return core::MakeError("not an IP address or CIDR: '" + std::string(cidr) + "'");
  int len = *family_bits;
  if (slash != std::string_view::npos) {
    std::string_view len_text = cidr.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len < 0 ||
        len > *family_bits) {
      return core::MakeError("bad prefix length in '" + std::string(cidr) + "'");
    }
  }
  r.prefix_len = *family_bits == 32 ? len + 96 : len;
  ranges_.push_back(r);
  return {};
}

bool CidrSet::Contains(std::string_view ip) const {
  if (ranges_.empty()) return false;
  std::array<uint8_t, 16> bytes{};
  if (!ParseIp(ip, &bytes)) return false;
  for (const auto& r : ranges_) {
    if (PrefixMatches(bytes, r.bytes, r.prefix_len)) return true;
  }
  return false;
}

}  // namespace rampart::net
