#pragma once
// Loading the configuration the process runs with: a file, or the embedded default.

#include <string>

#include "config/loader.h"

namespace rampart::server {

// LoadFile(path), or the embedded default when `path` is empty.
inline config::LoadResult LoadConfiguration(const std::string& path) {
  if (path.empty()) return config::LoadString(config::EmbeddedDefaultYaml(), "<embedded>");
  return config::LoadFile(path);
}

}  // namespace rampart::server
