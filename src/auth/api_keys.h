#pragma once
// ApiKeys: named API keys checked against a file of their SHA-256 hashes; the keys themselves are
// never stored. File format, one key a line (blank lines and '#' comments skipped):
//   name:sha256:<64 hex digits of SHA-256 of the key's bytes>
// name is [A-Za-z0-9_.-]+ and can serve as a rate-limit key. scripts/hash-api-key.sh NAME prints
// such a line for a key read from stdin.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace rampart::auth {

class ApiKeys {
 public:
  // Reads `path`. Errors name the file and line ("<path>:<line>: ..."): bad name, unknown
  // algorithm, a digest that is not 64 hex digits, a name or a hash that appears twice.
  static core::Result<std::shared_ptr<const ApiKeys>> Load(const std::string& path);

  // The name of the key `presented_key`, or nullopt when no key matches. Thread-safe.
  std::optional<std::string> Find(std::string_view presented_key) const;

  size_t size() const { return names_.size(); }
  const std::string& path() const { return path_; }

 private:
  ApiKeys() = default;
  std::string path_;
  // Raw 32-byte SHA-256 digest -> name. The lookup is on the hash of the presented key, not on
  // the secret, so a hash-table probe leaks no useful timing about any stored key.
  std::unordered_map<std::string, std::string> names_;
};

// The file line for key `key` named `name`: "name:sha256:<hex>" (no newline).
std::string HashApiKeyLine(std::string_view name, std::string_view key);

}  // namespace rampart::auth
