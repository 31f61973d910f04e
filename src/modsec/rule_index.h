#pragma once
// RuleIndex: rule id -> (tags, file:line), read from the rule files themselves at load.
// Two uses: findings get their tags from here when libmodsecurity drops them (multiMatch rules
// lose their tags in 3.0.x, owasp-modsecurity/ModSecurity#2754), and a duplicate id is reported
// with both file:line places (libmodsecurity's own message names neither). Built on the loading
// thread, immutable afterwards and shared read-only by workers.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace rampart::modsec {

class RuleIndex {
 public:
  struct Entry {
    std::vector<std::string> tags;
    std::string file;
    int line = 0;
  };

  // Reads the SecRule / SecAction directives of `path` (continuation lines joined) and records
  // each id with its tags. Fails when the file cannot be read or an id is already recorded
  // (from this or an earlier file); the message names both file:line places.
  core::Status AddFile(const std::string& path);
  // Same as AddFile for text already in memory; `name` is used in messages.
  core::Status AddText(std::string_view text, const std::string& name);
  // Adds every entry of `other`; fails on the first id present in both.
  core::Status Merge(const RuleIndex& other);
  // Fails when an id of this index is also in `other`, naming this index's place first (the
  // user's file, when `other` is CRS).
  core::Status CheckDisjoint(const RuleIndex& other) const;

  // The entry of rule `id`, or nullptr.
  const Entry* Find(int id) const;
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<int, Entry> entries_;
};

}  // namespace rampart::modsec
