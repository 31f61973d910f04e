#pragma once
// LibRegex: libmodsecurity's own regex class (what @rx runs), so that rampart decides a regex
// exactly as libmodsecurity does: same PCRE build, same compile flags, same match call.
// Compiled once, then read-only and thread-safe (each match makes its own match data).

#include <memory>
#include <string>

#include "core/result.h"

namespace rampart::modsec {

class LibRegex {
 public:
  // An error when the pattern does not compile (libmodsecurity itself loads such a rule: its
  // regex then never matches, negated it always does) or libmodsecurity's constructor throws.
  static core::Result<std::shared_ptr<const LibRegex>> Compile(const std::string& pattern);
  // The same, shared with every holder still using the regex of `pattern` (a reload of
  // unchanged rules compiles none again). Thread-safe.
  static core::Result<std::shared_ptr<const LibRegex>> Shared(const std::string& pattern);
  ~LibRegex();
  LibRegex(const LibRegex&) = delete;
  LibRegex& operator=(const LibRegex&) = delete;

  // Whether @rx `pattern` matches `subject`.
  bool Matches(const std::string& subject) const;

 private:
  LibRegex() = default;
  // Room for libmodsecurity's object, whose class it does not install a header for (its size is
  // a pattern string and two PCRE pointers; checked at compile time against a generous bound).
  alignas(16) unsigned char storage_[256];
  bool constructed_ = false;
};

}  // namespace rampart::modsec
