#pragma once
// StoredResponse: one response as the cache keeps it (in memory, or serialised on disk), and
// its versioned binary serialisation. Immutable once stored: stores hand out
// shared_ptr<const StoredResponse>, so readers on any thread never see it change.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/header_map.h"

namespace rampart::cache {

struct StoredResponse {
  int status = 200;  // 0..999 (the proxy uses 0 for its Vary markers)
  std::string reason;
  http::HeaderMap headers;  // as stored: hop-by-hop fields already removed by the caller
  // Exactly the bytes clients get (already content-encoded when Content-Encoding is set).
  std::string body;
  int64_t request_time = 0;       // unix seconds: when the request that produced it was sent
  int64_t response_time = 0;      // unix seconds: when its head was received
  std::vector<std::string> vary;  // lower-case names listed by the response's Vary (sorted, unique)
  std::string variant;            // the variant key it was stored under (see VariantKey)

  // Approximate bytes it costs in memory: body, strings, headers and a fixed overhead for the
  // object, its allocations and the shared_ptr control block.
  size_t Size() const;
};

// The disk format: "RMPC", a version byte, the record's total length, the key, the response's
// fields (each string length-prefixed, integers little-endian) and a 64-bit checksum of all
// that precedes it, so truncation and bit flips are detected.
std::string Serialize(const std::string& key, const StoredResponse& response);

// nullopt on any corruption, truncation, trailing bytes or unknown version; never reads past
// `bytes`.
std::optional<std::pair<std::string /*key*/, StoredResponse>> Deserialize(std::string_view bytes);

// The start of a serialised record: enough to index a file without reading its body.
struct SerializedHead {
  std::string key;
  uint64_t total_size = 0;  // the whole record's length as written
};
// The smallest prefix ParseSerializedHead can decide on (the key's bytes come on top).
inline constexpr size_t kSerializedHeadBytes = 4 + 1 + 8 + 4;
// Parses the magic, version, total length and key from the first bytes of a record; nullopt
// when they are invalid or `prefix` is too short to hold the key. The checksum is NOT verified
// (Deserialize does that).
std::optional<SerializedHead> ParseSerializedHead(std::string_view prefix);

}  // namespace rampart::cache
