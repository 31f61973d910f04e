#pragma once
// The on-disk cache of compiled signature databases, so that a large pack set starts in
// milliseconds instead of seconds (10,000 signatures: ~4.6 s to compile). One file per
// signature set, named after a fingerprint of the set and of the Hyperscan version; its bytes
// are checked against a checksum of their own before use. Anything wrong with a file (missing,
// cut, corrupt, another version) only means compiling again; writing is best effort.

#include <optional>
#include <string>
#include <vector>

namespace rampart::signatures {

// One request part's serialized Hyperscan databases (empty: the part has none of that kind).
struct CachedPart {
  std::string key;
  std::string regexes;
  std::string literals;
};

// <dir>/signatures-<32 hex digits>.hsdb for the set whose canonical text is `fingerprint`.
std::string CachePath(const std::string& dir, const std::string& fingerprint);

std::optional<std::vector<CachedPart>> ReadCache(const std::string& path);
// Writes a temporary file beside `path`, then renames it over: readers never see half a file.
bool WriteCache(const std::string& path, const std::vector<CachedPart>& parts);

}  // namespace rampart::signatures
