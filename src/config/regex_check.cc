#include "config/regex_check.h"

#include <string>

#include "core/regex.h"

namespace rampart::config {

core::Result<uint32_t> CheckRegex(std::string_view pattern) {
  auto regex = core::Regex::Compile(std::string(pattern));
  if (!regex.ok()) return regex.error();
  return regex.value()->capture_count();
}

core::Status CheckReplacement(std::string_view replacement, uint32_t capture_count) {
  for (size_t i = 0; i + 1 < replacement.size(); ++i) {
    if (replacement[i] != '$') continue;
    if (replacement[i + 1] == '$') {
      ++i;
      continue;
    }
    const bool braced = replacement[i + 1] == '{';
    const size_t start = braced ? i + 2 : i + 1;
    size_t end = start;
    uint64_t group = 0;
    while (end < replacement.size() && replacement[end] >= '0' && replacement[end] <= '9') {
      // Saturate: any number past UINT32_MAX is out of range anyway.
      if (group <= UINT32_MAX) group = group * 10 + static_cast<uint64_t>(replacement[end] - '0');
      ++end;
    }
    if (end == start || (braced && (end >= replacement.size() || replacement[end] != '}'))) {
      continue;  // not a group reference: kept literally
    }
    if (group > capture_count) {
      return core::MakeError("replacement refers to $" +
                             std::string(replacement.substr(start, end - start)) +
                             " but the regex has " + std::to_string(capture_count) +
                             " capture group" + (capture_count == 1 ? "" : "s"));
    }
    i = braced ? end : end - 1;
  }
  return {};
}

}  // namespace rampart::config
