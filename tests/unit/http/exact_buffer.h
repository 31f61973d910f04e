#pragma once
// Test helper: a heap copy of a byte string with no slack after its last byte, so that
// AddressSanitizer reports any parser read past the bytes it was given (std::string keeps a
// NUL and spare capacity there, which would hide such reads).

#include <string_view>
#include <vector>

namespace rampart::http::testing {

class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view bytes) : bytes_(bytes.begin(), bytes.end()) {}
  std::string_view view() const { return {bytes_.data(), bytes_.size()}; }

 private:
  std::vector<char> bytes_;  // constructed from a range: capacity == size
};

}  // namespace rampart::http::testing
