#pragma once
// PatternSet: many patterns in one Hyperscan database, scanned in one pass per value. Regexes
// are compiled in prefilter mode with dot-all and multi-line semantics, so the set can only
// report more matches than PCRE would, never fewer: a pattern that does not match here cannot
// match in libmodsecurity. Built on the loading thread, then read-only; scratch is per thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct hs_database;
struct hs_scratch;

namespace rampart::fastpath {

class PatternSet {
 public:
  struct Pattern {
    std::string expression;  // a PCRE regex, or the literal phrase itself when `literal`
    uint32_t id = 0;         // reported on a match; several patterns may share one
    bool literal = false;    // a @pm phrase: matched anywhere, in any case
  };
  // Compiles every pattern Hyperscan accepts; the ids of those it refuses go to `refused` (the
  // caller must then treat their rules as "may match"). A set of the same patterns still in use
  // (by the running configuration, while a reload compiles the next) is shared, not rebuilt.
  static core::Result<std::shared_ptr<const PatternSet>> Compile(
      const std::vector<Pattern>& patterns, std::vector<uint32_t>& refused);
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  // Appends the id of every pattern that may match `value` (an id may repeat). An empty value is
  // answered from what each pattern can match at all (no scan). False when the scan failed: the
  // caller must then assume every pattern matched.
  bool Scan(std::string_view value, hs_scratch* scratch, std::vector<uint32_t>& ids) const;
  // Grows `scratch` (or makes it, when null) to fit this set. False on allocation failure.
  bool FitScratch(hs_scratch** scratch) const;
  bool empty() const { return database_ == nullptr && matches_empty_.empty(); }

 private:
  PatternSet() = default;
  static core::Result<std::shared_ptr<const PatternSet>> CompileNew(
      const std::vector<Pattern>& patterns, std::vector<uint32_t>& refused);
  hs_database* database_ = nullptr;
  std::vector<uint32_t> ids_;            // Hyperscan's pattern index -> caller's id
  std::vector<uint32_t> matches_empty_;  // ids of patterns that can match an empty value
};

// Frees a scratch made by FitScratch.
void FreeScratch(hs_scratch* scratch);

}  // namespace rampart::fastpath
