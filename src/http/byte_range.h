#pragma once
// Byte ranges (RFC 9110 §14): reading a Range request header against a representation's length,
// and writing the Content-Range values of a 206 and a 416. Pure functions; any thread.

#include <cstdint>
#include <string>

namespace rampart::http {

// `length` bytes starting at offset `first`.
struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// What a Range header asks for.
struct RangeRequest {
  enum class Kind : uint8_t {
    kNone,           // no Range, or one that is ignored: send 200 with the whole representation
    kSingle,         // send 206 with `range` (never empty, always within the representation)
    kUnsatisfiable,  // send 416 with Content-Range: UnsatisfiedRangeValue(size)
  } kind = Kind::kNone;
  ByteRange range;
};

// Reads `range_header` (the Range field's value, nullptr when absent) for a representation of
// `size` bytes. Accepts one "bytes=" range (unit case-insensitive) in the forms "a-b" (b past the
// end is clipped), "a-" and "-suffix" (the last `suffix` bytes, all of them when it is larger).
// A first position at or past the end, or a suffix of 0, is unsatisfiable. Ignored, as RFC 9110
// §14.2 allows: another unit, invalid syntax (including b < a), and more than one range (this
// server never sends multipart/byteranges; the whole representation is cheaper and always
// correct). A non-zero suffix of an empty representation is satisfiable but selects nothing, so
// it too is ignored.
RangeRequest ParseRange(const std::string* range_header, uint64_t size);

// The Content-Range value of a 206: "bytes 0-99/1000". Requires r.length > 0.
std::string ContentRangeValue(ByteRange r, uint64_t size);

// The Content-Range value of a 416: "bytes */1000".
std::string UnsatisfiedRangeValue(uint64_t size);

}  // namespace rampart::http
