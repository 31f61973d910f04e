// The `signatures` keys: a route's use of the signature packs, and the top-level section that
// says where the packs are, which are loaded and where their compiled form is cached.

#include <optional>
#include <string>

#include "config/schema.h"

namespace rampart::config {

std::optional<RouteSignaturesConfig> ReadRouteSignatures(const Field& field) {
  const MapReader map = SchemaMap(field, {"enabled", "challenge_score", "block_score"});
  if (!map.is_map()) return std::nullopt;
  RouteSignaturesConfig s;
  s.mark = MarkOf(field);
  map.ReadBool("enabled", &s.enabled);
  map.ReadInteger("challenge_score", &s.challenge_score, 0, 1000000);
  map.ReadInteger("block_score", &s.block_score, 0, 1000000);
  return s;
}

void ReadSignaturesGlobal(const Field& field, SignaturesGlobalConfig* out) {
  const MapReader map = SchemaMap(field, {"dir", "packs", "cache_dir", "body_limit"});
  if (const Field* f = map.Find("dir")) {
    if (auto dir = ReadDirectoryPath(*f)) out->dir = std::move(*dir);
  }
  if (const Field* f = map.Find("cache_dir")) {
    if (auto dir = ReadDirectoryPath(*f)) out->cache_dir = std::move(*dir);
  }
  if (const Field* f = map.Find("packs")) {
    if (auto items = f->AsList()) {
      for (const Field& item : *items) {
        if (auto name = item.AsString()) out->packs.push_back(std::move(*name));
      }
    }
  }
  map.ReadSize("body_limit", &out->body_limit, 1);
}

}  // namespace rampart::config
