#pragma once
// Byte helpers shared by the fast path's tests: every byte percent-encoded (what a test puts in
// a query to reach libmodsecurity unchanged), and a hex dump for messages.

#include <cstdio>
#include <string>

namespace rampart::test {

inline std::string PercentEncodeAll(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    char buf[4];
    std::snprintf(buf, sizeof(buf), "%%%02X", c);
    out += buf;
  }
  return out;
}

inline std::string Hex(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    char buf[3];
    std::snprintf(buf, sizeof(buf), "%02x", c);
    out += buf;
  }
  return out;
}

}  // namespace rampart::test
