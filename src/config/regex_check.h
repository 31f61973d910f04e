#pragma once
// Validation of the configuration's PCRE2 patterns (match.path_regex, rewrite.regex) through
// core::Regex, the same adapter the router compiles them with.

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace rampart::config {

// Compiles `pattern` with PCRE2 (no options) and returns its number of capture groups, or an
// error such as "missing closing parenthesis at offset 5".
core::Result<uint32_t> CheckRegex(std::string_view pattern);

// Checks that every "$N" or "${N}" in a rewrite replacement names an existing group
// (0..capture_count); "$$" is a literal dollar and is skipped.
core::Status CheckReplacement(std::string_view replacement, uint32_t capture_count);

}  // namespace rampart::config
