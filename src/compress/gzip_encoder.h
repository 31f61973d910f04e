#pragma once
// gzip (zlib's deflate with a gzip header and trailer). Only gzip_encoder.cc includes zlib.

#include <memory>

#include "compress/encoder.h"

namespace rampart::compress {

inline constexpr int kGzipMinLevel = 1;
inline constexpr int kGzipMaxLevel = 9;
inline constexpr int kGzipDefaultLevel = 6;

// A gzip encoder at `level` (kGzipMinLevel..kGzipMaxLevel) with a 32 KiB window and zlib's
// default memory level (about 256 KiB of state); nullptr when zlib cannot allocate it.
std::unique_ptr<Encoder> MakeGzipEncoder(int level);

}  // namespace rampart::compress
