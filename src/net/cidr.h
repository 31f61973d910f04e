#pragma once
// A small set of IPv4/IPv6 CIDR ranges (trusted proxies). Linear scan: these lists are short;
// the large reputation lists get their own prefix structure in their stage.

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rampart::net {

class CidrSet {
 public:
  // Adds "10.0.0.0/8", "::1/128" or a plain address. Returns an error for anything else.
  core::Status Add(std::string_view cidr);
  // True when the textual address `ip` ("127.0.0.1", "::1") falls in one of the ranges.
  bool Contains(std::string_view ip) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
    int prefix_len = 0;               // in IPv6 bits
  };
  std::vector<Range> ranges_;
};

}  // namespace rampart::net
