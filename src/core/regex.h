#pragma once
// Regex: the PCRE2 adapter (the only code that includes pcre2.h). Compiled once at load, JIT-ed,
// immutable and shared by workers; match data is per thread. PCRE2 rather than std::regex:
// std::regex recurses per character and can overflow the stack on attacker-sized input.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rampart::core {

class Regex {
 public:
  // Compiles `pattern`; the error names the offset and PCRE2's reason.
  static Result<std::shared_ptr<const Regex>> Compile(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // True when the pattern matches somewhere in `subject` (anchor with ^...$ for whole matches).
  bool Matches(std::string_view subject) const;
  // The groups of the first match (group 0 the whole match; an empty optional for a group that
  // did not take part); false on no match or a PCRE2 error.
  bool Captures(std::string_view subject, std::vector<std::optional<std::string>>* groups) const;
  // Replaces the first match of the pattern in `subject` with `replacement` ($1, ${name}).
  // Returns false (and leaves `out` alone) when nothing matched or on a PCRE2 error.
  bool Substitute(std::string_view subject, const std::string& replacement, std::string* out) const;
  const std::string& pattern() const { return pattern_; }
  // Number of capturing groups ($1 .. $N are valid in a replacement).
  uint32_t capture_count() const;

 private:
  Regex() = default;
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace rampart::core
