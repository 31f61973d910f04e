#pragma once
// The process's memory of recently compiled signature sets, so that a reload whose packs did
// not change deserializes its Hyperscan databases in milliseconds instead of compiling them
// again (the shipped packs: ~2 s, far more under a sanitizer). Keyed by the set's fingerprint
// (database.cc), which names every field that shapes the compiled bytes; holds the serialized
// databases only, never a Database, whose actions and descriptions may differ between two sets
// with one fingerprint. Bounded: the oldest set is forgotten first.

#include <optional>
#include <string>
#include <vector>

#include "signatures/database_cache.h"

namespace rampart::signatures {

// The serialized databases compiled for `fingerprint` by this process, if still remembered.
std::optional<std::vector<CachedPart>> RecallCompiled(const std::string& fingerprint);
// Remembers them, forgetting the least recently used set past the bound.
void RememberCompiled(const std::string& fingerprint, std::vector<CachedPart> parts);

}  // namespace rampart::signatures
