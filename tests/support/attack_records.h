#pragma once
// Helpers of the WAF e2e tests: whether CRS is installed, and reading rule ids out of
// attack-log records (design.md's schema; see docs/operations.md#attack-log).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/json.h"

namespace rampart::test {

// Debian's modsecurity-crs, where rampart looks for it by default.
bool CrsInstalled();

// Skips the calling test when CRS is not installed.
#define REQUIRE_CRS()                                                                       \
  do {                                                                                      \
    if (!::rampart::test::CrsInstalled()) {                                                 \
      GTEST_SKIP() << "OWASP CRS not found in /usr/share/modsecurity-crs (apt-get install " \
                      "modsecurity-crs)";                                                   \
    }                                                                                       \
  } while (0)

// The ids of a record's "rules", in order ("" for a rule without one).
std::vector<std::string> RuleIds(const JsonValue& record);
bool RecordHasRule(const JsonValue& record, const std::string& id);

// The file's size in bytes; -1 when it does not exist.
long FileSize(const std::string& path);

}  // namespace rampart::test
