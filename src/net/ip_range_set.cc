#include "net/ip_range_set.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>

namespace rampart::net {
namespace {

uint64_t Load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// [hi:lo] with the bits past `prefix` cleared (first) or set (last).
void Bounds128(uint64_t hi, uint64_t lo, int prefix, uint64_t& hi_first, uint64_t& lo_first,
               uint64_t& hi_last, uint64_t& lo_last) {
  const auto mask_hi = prefix >= 64 ? ~0ULL : (prefix == 0 ? 0ULL : ~0ULL << (64 - prefix));
  const auto mask_lo = prefix <= 64 ? 0ULL : (prefix == 128 ? ~0ULL : ~0ULL << (128 - prefix));
  hi_first = hi & mask_hi;
  lo_first = lo & mask_lo;
  hi_last = hi | ~mask_hi;
  lo_last = lo | ~mask_lo;
}

bool Less128(uint64_t ahi, uint64_t alo, uint64_t bhi, uint64_t blo) {
  return ahi < bhi || (ahi == bhi && alo < blo);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.size() > 45) return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    a.ip4 = ntohl(v4.s_addr);
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  const uint8_t* b = v6.s6_addr;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) {
    a.ip4 = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
    return a;
  }
  a.v4 = false;
  a.hi = Load64(b);
  a.lo = Load64(b + 8);
  return a;
}

core::Status IpRangeSet::Builder::Add(std::string_view cidr) {
  const size_t slash = cidr.find('/');
  const auto ip = IpAddress::Parse(cidr.substr(0, slash));
  if (!ip) return core::MakeError("not an IP address or CIDR: '" + std::string(cidr) + "'");
  const int family_bits = ip->v4 ? 32 : 128;
  int len = family_bits;
  if (slash != std::string_view::npos) {
    const std::string_view t = cidr.substr(slash + 1);
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), len);
    if (ec != std::errc() || end != t.data() + t.size() || len < 0 || len > family_bits) {
      return core::MakeError("bad prefix length in '" + std::string(cidr) + "'");
    }
  }
  if (ip->v4) {
    const uint32_t mask = len == 0 ? 0 : ~0U << (32 - len);
    v4_.emplace_back(ip->ip4 & mask, ip->ip4 | ~mask);
  } else {
    V6 r{};
    Bounds128(ip->hi, ip->lo, len, r.hi_first, r.lo_first, r.hi_last, r.lo_last);
    v6_.push_back(r);
  }
  return {};
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v4) {
    in_addr a{};
    a.s_addr = htonl(ip4);
    inet_ntop(AF_INET, &a, buf, sizeof buf);
  } else {
    in6_addr a{};
    for (int i = 0; i < 8; ++i) {
      a.s6_addr[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
      a.s6_addr[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
    }
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
  }
  return buf;
}

IpRangeSet IpRangeSet::Builder::Build() {
  IpRangeSet set;
  std::sort(v4_.begin(), v4_.end());
  for (const auto& [first, last] : v4_) {
    // Merge overlapping and adjacent ranges.
    if (!set.v4_last_.empty() &&
        (first <= set.v4_last_.back() || first - 1 == set.v4_last_.back())) {
      set.v4_last_.back() = std::max(set.v4_last_.back(), last);
    } else {
      set.v4_first_.push_back(first);
      set.v4_last_.push_back(last);
    }
  }
  std::sort(v6_.begin(), v6_.end(), [](const V6& a, const V6& b) {
    return Less128(a.hi_first, a.lo_first, b.hi_first, b.lo_first);
  });
  for (const V6& r : v6_) {
    if (!set.v6_.empty()) {
      V6Range& prev = set.v6_.back();
      if (!Less128(prev.hi_last, prev.lo_last, r.hi_first, r.lo_first)) {  // overlap
        if (Less128(prev.hi_last, prev.lo_last, r.hi_last, r.lo_last)) {
          prev.hi_last = r.hi_last;
          prev.lo_last = r.lo_last;
        }
        continue;
      }
    }
    set.v6_.push_back({r.hi_first, r.lo_first, r.hi_last, r.lo_last});
  }
  set.v4_first_.shrink_to_fit();
  set.v4_last_.shrink_to_fit();
  set.v6_.shrink_to_fit();
  // The builder's vectors are as large as the input (8 MB for a million entries): free them.
  std::vector<std::pair<uint32_t, uint32_t>>().swap(v4_);
  std::vector<V6>().swap(v6_);
  return set;
}

bool IpRangeSet::Contains(const IpAddress& ip) const {
  if (ip.v4) {
    // The last range starting at or before the address.
    auto it = std::upper_bound(v4_first_.begin(), v4_first_.end(), ip.ip4);
    if (it == v4_first_.begin()) return false;
    const size_t i = static_cast<size_t>(it - v4_first_.begin()) - 1;
    return ip.ip4 <= v4_last_[i];
  }
  auto it = std::upper_bound(v6_.begin(), v6_.end(), ip, [](const IpAddress& a, const V6Range& r) {
    return Less128(a.hi, a.lo, r.hi_first, r.lo_first);
  });
  if (it == v6_.begin()) return false;
  --it;
  return !Less128(it->hi_last, it->lo_last, ip.hi, ip.lo);
}

bool IpRangeSet::Contains(std::string_view ip) const {
  const auto parsed = IpAddress::Parse(ip);
  return parsed && Contains(*parsed);
}

size_t IpRangeSet::memory_bytes() const {
  return (v4_first_.capacity() + v4_last_.capacity()) * sizeof(uint32_t) +
         v6_.capacity() * sizeof(V6Range);
}

core::Status AddListFile(const std::string& path, IpRangeSet::Builder& builder) {
  std::ifstream in(path);
  if (!in) return core::MakeError(path + ":0: cannot read the file");
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view entry(line);
    entry = entry.substr(0, std::min(entry.find('#'), entry.find(';')));
    entry = Trim(entry);
    if (entry.empty()) continue;
    entry = entry.substr(0, entry.find_first_of(" \t"));
    if (core::Status s = builder.Add(entry); !s.ok()) {
      return core::MakeError(path + ":" + std::to_string(number) + ": " + s.error().message);
    }
  }
  return {};
}

// The top `bits` of a 64-bit half set (0..64).
static uint64_t Mask64(uint32_t bits) { return bits == 0 ? 0 : ~uint64_t{0} << (64 - bits); }

std::string NetworkPrefixText(IpAddress ip, uint32_t prefix_v4, uint32_t prefix_v6) {
  uint32_t bits;
  if (ip.v4) {
    bits = std::min<uint32_t>(prefix_v4, 32);
    ip.ip4 &= static_cast<uint32_t>(Mask64(bits) >> 32);
  } else {
    bits = std::min<uint32_t>(prefix_v6, 128);
    ip.hi &= Mask64(std::min<uint32_t>(bits, 64));
    ip.lo &= Mask64(bits > 64 ? bits - 64 : 0);
  }
  return ip.ToString() + "/" + std::to_string(bits);
}

}  // namespace rampart::net
