#pragma once
// YAML configuration loader (yaml-cpp). Reads a file, checks every key and value, and returns
// either a Config or every error found, each as "file:line: key: reason".

#include <string>
#include <variant>
#include <vector>

#include "config/config.h"

namespace rampart::config {

struct LoadErrors {
  std::vector<std::string> errors;  // "file:line: key.path: reason", in file order
};

using LoadResult = std::variant<Config, LoadErrors>;

// Loads and validates the YAML file at `path`.
LoadResult LoadFile(const std::string& path);

// Loads YAML text; `name` stands in for the file name in error messages.
LoadResult LoadString(const std::string& yaml, const std::string& name);

// The configuration rampart runs with when no file is given (the README's first command):
// 127.0.0.1:8080 in front of the built-in demo backend on 127.0.0.1:8081.
const std::string& EmbeddedDefaultYaml();

}  // namespace rampart::config
