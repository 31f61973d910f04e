#pragma once
// Deterministic test payloads and a streaming checksum, shared by the clients that generate
// large bodies and the origin that receives them, so neither side has to keep the bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::test {

// Fills out[0..n) with the payload bytes at stream offsets [offset, offset + n). The pattern is
// printable, position dependent (a shifted or dropped block changes it) and cheap to produce.
void FillPattern(uint64_t offset, char* out, size_t n);
std::string PatternBytes(uint64_t offset, size_t n);

// A 64-bit checksum over a byte stream that does not depend on how the stream was split into
// pieces, but does depend on byte order. Not cryptographic. One owner, no locking.
class StreamChecksum {
 public:
  void Update(std::string_view bytes);
  // The checksum of everything given so far (does not change the state).
  uint64_t Value() const;
  uint64_t bytes() const { return bytes_; }

 private:
  void Mix(uint64_t word);

  uint64_t hash_ = 0xcbf29ce484222325ULL;
  uint64_t bytes_ = 0;
  unsigned char pending_[8] = {};
  size_t pending_len_ = 0;
};

// Checksum of FillPattern bytes [0, n), computed in blocks.
uint64_t PatternChecksum(uint64_t n);

}  // namespace rampart::test
