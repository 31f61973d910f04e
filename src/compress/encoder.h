#pragma once
// The streaming compressor of one response body. An Encoder is owned by the response it
// encodes and used by that response's thread only; it holds the library's state until it is
// destroyed: 0.1 to 35 MiB by algorithm and level (bench/README.md, "Compression").

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "compress/encoding.h"

namespace rampart::compress {

class Encoder {
 public:
  virtual ~Encoder() = default;

  // Compresses `in`, appending whatever output is ready to `out` (possibly nothing: the
  // library may hold data back to compress it better). False on a library error, or when
  // called after Finish or after an error.
  [[nodiscard]] virtual bool Update(std::string_view in, std::string& out) = 0;

  // Appends to `out` what makes everything given so far decodable from the output so far (a
  // sync flush: for when the backend pauses, not after every piece, since each flush costs
  // some ratio). False on error, after Finish or after an error.
  [[nodiscard]] virtual bool Flush(std::string& out) = 0;

  // Ends the stream, appending the rest of the output and the trailer to `out`. False on
  // error, or when called twice or after an error.
  [[nodiscard]] virtual bool Finish(std::string& out) = 0;
};

// An encoder for `encoding` at `level`, the library's own scale (gzip 1-9, brotli 1-11, zstd
// 1-19); 0 picks the algorithm's default (gzip 6, brotli 5, zstd 3), and a level outside the
// range is clamped to it. nullptr for kIdentity, or when the library cannot allocate its state.
std::unique_ptr<Encoder> MakeEncoder(Encoding encoding, int level);

// The levels MakeEncoder accepts for `encoding` besides 0, for config validation; {0, 0} for
// kIdentity. Brotli's quality 0 is not reachable: level 0 means the default everywhere.
std::pair<int, int> LevelRange(Encoding encoding);

}  // namespace rampart::compress
