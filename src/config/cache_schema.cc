// A route's `cache`, `compression` and `static`, and the top-level `cache` section.

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "config/schema.h"
#include "config/value_syntax.h"
#include "core/strings.h"

namespace rampart::config {

namespace {

constexpr std::string_view kAlgorithms[] = {"br", "zstd", "gzip"};

// A media type pattern: "type/subtype" or "type/*", as tokens ('*' only as a whole subtype:
// that is the one wildcard the compressor understands).
bool IsMediaTypePattern(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view type = text.substr(0, slash);
  const std::string_view subtype = text.substr(slash + 1);
  if (type.find('*') != std::string_view::npos) return false;
  return IsHttpToken(type) &&
         (subtype == "*" || (IsHttpToken(subtype) && subtype.find('*') == std::string_view::npos));
}

// Seconds from a duration ("30s", "10m", "1h"); rounds down to whole seconds.
std::optional<uint64_t> ReadSeconds(const Field& field) {
  if (auto ms = field.AsDurationMs()) return *ms / 1000;
  return std::nullopt;
}

void ReadLevels(const Field& field, CompressionConfig* out) {
  const MapReader map = SchemaMap(field, {"gzip", "br", "zstd"});
  map.ReadInteger("gzip", &out->gzip_level, 1, 9);
  map.ReadInteger("br", &out->brotli_level, 1, 11);
  map.ReadInteger("zstd", &out->zstd_level, 1, 19);
}

}  // namespace

std::optional<RouteCacheConfig> ReadRouteCache(const Field& field) {
  RouteCacheConfig cache;
  cache.mark = MarkOf(field);
  if (field.IsNull()) return cache;  // `cache:` alone: the defaults
  const MapReader map = SchemaMap(field, {"ttl", "max_object_size", "allow_authorization",
                                          "allow_set_cookie", "lock_timeout", "cache_status"});
  if (!map.is_map()) return std::nullopt;
  if (const Field* f = map.Find("ttl")) cache.ttl_s = ReadSeconds(*f);
  map.ReadSize("max_object_size", &cache.max_object_size, 1);
  map.ReadBool("allow_authorization", &cache.allow_authorization);
  map.ReadBool("allow_set_cookie", &cache.allow_set_cookie);
  map.ReadDurationMs("lock_timeout", &cache.lock_timeout_ms, 1);
  map.ReadBool("cache_status", &cache.cache_status);
  return cache;
}

std::optional<CompressionConfig> ReadCompression(const Field& field) {
  CompressionConfig compression;
  if (field.IsNull()) return compression;
  const MapReader map = SchemaMap(field, {"algorithms", "levels", "min_size", "types"});
  if (!map.is_map()) return std::nullopt;
  if (const Field* f = map.Find("algorithms")) {
    if (auto items = f->AsList()) {
      compression.algorithms.clear();
      if (items->empty()) f->Fail("expected at least one of br, zstd, gzip");
      for (const Field& item : *items) {
        auto name = item.AsString();
        if (!name) continue;
        if (*name == "brotli") *name = "br";
        if (std::find(std::begin(kAlgorithms), std::end(kAlgorithms), *name) ==
            std::end(kAlgorithms)) {
          item.Fail("expected one of: br, zstd, gzip");
        } else if (std::find(compression.algorithms.begin(), compression.algorithms.end(), *name) !=
                   compression.algorithms.end()) {
          item.Fail("listed twice");
        } else {
          compression.algorithms.push_back(*name);
        }
      }
    }
  }
  if (const Field* f = map.Find("levels")) ReadLevels(*f, &compression);
  map.ReadSize("min_size", &compression.min_size);
  if (const Field* f = map.Find("types")) {
    if (auto items = f->AsList()) {
      for (const Field& item : *items) {
        auto type = item.AsString();
        if (!type) continue;
        if (!IsMediaTypePattern(*type)) {
          item.Fail("expected a media type such as text/html or text/*");
          continue;
        }
        compression.types.push_back(core::ToLower(*type));
      }
    }
  }
  return compression;
}

std::optional<StaticConfig> ReadStatic(const Field& field) {
  StaticConfig config;
  const MapReader map = SchemaMap(field, {"root", "index", "expires", "allow_hidden"});
  if (!map.is_map()) return std::nullopt;
  bool ok = true;
  if (const Field* f = map.Require("root")) {
    auto root = ReadDirectoryPath(*f);
    if (root) {
      config.root = std::move(*root);
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const Field* f = map.Find("index")) {
    config.index.clear();
    auto read_name = [&](const Field& item) {
      auto name = item.AsString();
      if (!name) return;
      if (name->empty() || name->find('/') != std::string::npos || *name == "." || *name == "..") {
        item.Fail("expected a file name such as index.html");
        return;
      }
      config.index.push_back(std::move(*name));
    };
    if (f->IsScalar()) {
      read_name(*f);
    } else if (auto items = f->AsList()) {
      for (const Field& item : *items) read_name(item);
    }
  }
  if (const Field* f = map.Find("expires")) config.expires_s = ReadSeconds(*f);
  map.ReadBool("allow_hidden", &config.allow_hidden);
  if (!ok) return std::nullopt;
  return config;
}

void ReadCacheGlobal(const Field& field, CacheGlobalConfig* out) {
  out->mark = MarkOf(field);
  const MapReader map =
      SchemaMap(field, {"memory_size", "disk_path", "disk_size", "targeted_fields"});
  map.ReadSize("memory_size", &out->memory_size, 64 * 1024);
  if (const Field* f = map.Find("disk_path")) {
    if (auto path = f->AsString()) {
      if (path->empty() || HasLineBreakOrNul(*path)) {
        f->Fail("expected a directory path");
      } else {
        out->disk_path = ResolvePath(*f, *path);
      }
    }
  }
  map.ReadSize("disk_size", &out->disk_size, 1024 * 1024);
  if (const Field* f = map.Find("targeted_fields")) {
    if (auto items = f->AsList()) {
      out->targeted_fields.clear();
      for (const Field& item : *items) {
        auto name = item.AsString();
        if (!name) continue;
        if (!IsHttpToken(*name)) {
          item.Fail("expected a header name such as CDN-Cache-Control");
          continue;
        }
        out->targeted_fields.push_back(std::move(*name));
      }
    }
  }
}

}  // namespace rampart::config
