#pragma once
// brotli (RFC 7932). Only brotli_encoder.cc includes the brotli library.

#include <memory>

#include "compress/encoder.h"

namespace rampart::compress {

inline constexpr int kBrotliMinLevel = 1;
inline constexpr int kBrotliMaxLevel = 11;
inline constexpr int kBrotliDefaultLevel = 5;
// A 256 KiB window instead of brotli's default 4 MiB: it bounds the ring buffer each response
// holds, and a response's matches are mostly near.
inline constexpr int kBrotliWindowBits = 18;

// A brotli encoder at quality `level` (kBrotliMinLevel..kBrotliMaxLevel) with a window of
// 2^kBrotliWindowBits bytes; nullptr when brotli cannot allocate it.
std::unique_ptr<Encoder> MakeBrotliEncoder(int level);

}  // namespace rampart::compress
