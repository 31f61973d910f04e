#pragma once
// zstd (RFC 8878). Only zstd_encoder.cc includes libzstd.

#include <memory>

#include "compress/encoder.h"

namespace rampart::compress {

inline constexpr int kZstdMinLevel = 1;
inline constexpr int kZstdMaxLevel = 19;
inline constexpr int kZstdDefaultLevel = 3;
// A 512 KiB window at every level (the levels' own go from 512 KiB at 1 through 2 MiB at 3 to
// 8 MiB at 19, the most RFC 9659 allows in HTTP): it bounds what each response holds.
inline constexpr int kZstdWindowLog = 19;

// A zstd encoder at `level` (kZstdMinLevel..kZstdMaxLevel), window 2^kZstdWindowLog and match
// tables no larger than that window uses, frames with a content checksum; nullptr when libzstd
// cannot allocate it.
std::unique_ptr<Encoder> MakeZstdEncoder(int level);

}  // namespace rampart::compress
