#include "compress/encoder.h"

#include <algorithm>

#include "compress/brotli_encoder.h"
#include "compress/gzip_encoder.h"
#include "compress/zstd_encoder.h"

namespace rampart::compress {
namespace {

int DefaultLevel(Encoding encoding) {
  switch (encoding) {
    case Encoding::kGzip:
      return kGzipDefaultLevel;
    case Encoding::kBrotli:
      return kBrotliDefaultLevel;
    case Encoding::kZstd:
      return kZstdDefaultLevel;
    case Encoding::kIdentity:
      break;
  }
  return 0;
}

}  // namespace

std::pair<int, int> LevelRange(Encoding encoding) {
  switch (encoding) {
    case Encoding::kGzip:
      return {kGzipMinLevel, kGzipMaxLevel};
    case Encoding::kBrotli:
      return {kBrotliMinLevel, kBrotliMaxLevel};
    case Encoding::kZstd:
      return {kZstdMinLevel, kZstdMaxLevel};
    case Encoding::kIdentity:
      break;
  }
  return {0, 0};
}

std::unique_ptr<Encoder> MakeEncoder(Encoding encoding, int level) {
  const auto [min_level, max_level] = LevelRange(encoding);
  const int effective =
      level == 0 ? DefaultLevel(encoding) : std::clamp(level, min_level, max_level);
  switch (encoding) {
    case Encoding::kGzip:
      return MakeGzipEncoder(effective);
    case Encoding::kBrotli:
      return MakeBrotliEncoder(effective);
    case Encoding::kZstd:
      return MakeZstdEncoder(effective);
    case Encoding::kIdentity:
      break;
  }
  return nullptr;
}

}  // namespace rampart::compress
