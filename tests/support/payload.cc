#include "support/payload.h"

#include <algorithm>
#include <cstring>

namespace rampart::test {
namespace {

constexpr size_t kSegment = 64 * 1024;  // the pattern's phase shifts at each 64 KiB boundary
constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz";
constexpr size_t kLetters = 26;

// kRing holds the alphabet repeated enough that any phase can be copied for a whole segment.
const std::string& Ring() {
  static const std::string ring = [] {
    std::string r;
    r.reserve(kSegment + kLetters);
    while (r.size() < kSegment + kLetters) r.append(kAlphabet, kLetters);
    return r;
  }();
  return ring;
}

}  // namespace

void FillPattern(uint64_t offset, char* out, size_t n) {
  const std::string& ring = Ring();
  while (n > 0) {
    uint64_t in_segment = offset % kSegment;
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, kSegment - in_segment));
    size_t phase =
        static_cast<size_t>((offset % kLetters + (offset / kSegment) % kLetters) % kLetters);
    std::memcpy(out, ring.data() + phase, take);
    out += take;
    offset += take;
    n -= take;
  }
}

std::string PatternBytes(uint64_t offset, size_t n) {
  std::string out(n, '\0');
  FillPattern(offset, out.data(), n);
  return out;
}

void StreamChecksum::Mix(uint64_t word) {
  hash_ ^= word;
  hash_ *= 0x100000001b3ULL;
  hash_ ^= hash_ >> 29;
}

void StreamChecksum::Update(std::string_view bytes) {
  bytes_ += bytes.size();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  while (pending_len_ != 0 && n > 0) {
    pending_[pending_len_++] = *p++;
    --n;
    if (pending_len_ == 8) {
      uint64_t w;
      std::memcpy(&w, pending_, 8);
      Mix(w);
      pending_len_ = 0;
    }
  }
  if (n == 0) return;  // everything went into pending_
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    Mix(w);
    p += 8;
    n -= 8;
  }
  std::memcpy(pending_, p, n);
  pending_len_ = n;
}

uint64_t StreamChecksum::Value() const {
  StreamChecksum copy = *this;
  uint64_t tail = 0;
  std::memcpy(&tail, copy.pending_, copy.pending_len_);
  copy.Mix(tail ^ (static_cast<uint64_t>(copy.pending_len_) << 56));
  copy.Mix(bytes_);
  return copy.hash_;
}

uint64_t PatternChecksum(uint64_t n) {
  StreamChecksum sum;
  std::string block(kSegment, '\0');
  for (uint64_t offset = 0; offset < n; offset += kSegment) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(kSegment, n - offset));
    FillPattern(offset, block.data(), take);
    sum.Update(std::string_view(block.data(), take));
  }
  return sum.Value();
}

}  // namespace rampart::test
