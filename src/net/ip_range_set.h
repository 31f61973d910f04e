#pragma once
// IpRangeSet: a large set of IPv4 and IPv6 ranges (reputation allow and deny lists: FireHOL,
// Spamhaus DROP, a million entries), looked up in O(log n) without allocation. Built once from
// CIDRs, sorted and merged into disjoint ranges: 8 bytes per IPv4 range, 32 per IPv6 range.
// Immutable after Build; shared read-only by every worker.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rampart::net {

// An address parsed once per request. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4.
struct IpAddress {
  bool v4 = true;
  uint32_t ip4 = 0;
  uint64_t hi = 0;  // IPv6, most significant half
  uint64_t lo = 0;

  static std::optional<IpAddress> Parse(std::string_view text);
  // The canonical text ("192.0.2.7", "2001:db8::1"): the one form bans and keys use, so an
  // IPv4-mapped client is its IPv4 address.
  std::string ToString() const;
};

class IpRangeSet {
 public:
  class Builder {
   public:
    // "10.0.0.0/8", "2001:db8::/32" or a plain address. The bits past the prefix may be set
    // ("10.1.2.3/8" is 10.0.0.0/8), as the published lists sometimes have them.
    core::Status Add(std::string_view cidr);
    IpRangeSet Build();

   private:
    struct V6 {
      uint64_t hi_first, lo_first, hi_last, lo_last;
    };
    std::vector<std::pair<uint32_t, uint32_t>> v4_;
    std::vector<V6> v6_;
  };

  bool Contains(const IpAddress& ip) const;
  bool Contains(std::string_view ip) const;

  size_t range_count() const { return v4_first_.size() + v6_.size(); }
  // Bytes held by the lookup tables.
  size_t memory_bytes() const;

 private:
  struct V6Range {
    uint64_t hi_first, lo_first, hi_last, lo_last;
  };
  // Disjoint, sorted, merged: the ranges' first addresses, and their last ones.
  std::vector<uint32_t> v4_first_;
  std::vector<uint32_t> v4_last_;
  std::vector<V6Range> v6_;
};

// The client's network as text: "192.0.2.0/24" for 192.0.2.7 with prefix_v4 24,
// "2001:db8::/64" with prefix_v6 64 (prefixes past the address size are capped).
std::string NetworkPrefixText(IpAddress ip, uint32_t prefix_v4, uint32_t prefix_v6);

// Reads a list file with one entry a line: "1.2.3.0/24", "1.2.3.0/24 ; SBL123" (Spamhaus DROP),
// comments after '#' or ';', blank lines. Errors name the file and line.
core::Status AddListFile(const std::string& path, IpRangeSet::Builder& builder);

}  // namespace rampart::net
