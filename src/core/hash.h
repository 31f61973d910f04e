#pragma once
// StableHash: a fast 64-bit hash that is the same in every process and every run, for choices
// that must survive restarts (consistent hashing, sticky splits, ip_hash).

#include <cstdint>
#include <string_view>

namespace rampart::core {

// FNV-1a, finished with MurmurHash3's fmix64 avalanche: FNV's low bits alone spread short keys
// such as IP addresses poorly.
inline uint64_t StableHash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace rampart::core
