#include "config/regex_check.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <string>

namespace rampart::config {

namespace {

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};

}  // namespace

core::Result<uint32_t> CheckRegex(std::string_view pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  std::unique_ptr<pcre2_code, CodeDeleter> code(
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                    &error_code, &error_offset, nullptr));
  if (code == nullptr) {
    PCRE2_UCHAR buffer[256];
    const int length = pcre2_get_error_message(error_code, buffer, sizeof(buffer));
    std::string message = length > 0 ? std::string(reinterpret_cast<const char*>(buffer),
                                                   static_cast<size_t>(length))
                                     : "error " + std::to_string(error_code);
    return core::MakeError(message + " at offset " + std::to_string(error_offset));
  }
  uint32_t captures = 0;
  if (pcre2_pattern_info(code.get(), PCRE2_INFO_CAPTURECOUNT, &captures) != 0) {
    return core::MakeError("cannot read the capture count");
  }
  return captures;
}

core::Status CheckReplacement(std::string_view replacement, uint32_t capture_count) {
  for (size_t i = 0; i < replacement.size(); ++i) {
    if (replacement[i] != '$' || i + 1 >= replacement.size()) continue;
    if (replacement[i + 1] == '$') {
      ++i;
      continue;
    }
    const bool braced = replacement[i + 1] == '{';
    size_t j = braced ? i + 2 : i + 1;
    uint64_t group = 0;
    size_t digits = 0;
    while (j < replacement.size() && replacement[j] >= '0' && replacement[j] <= '9') {
      if (group <= UINT32_MAX) group = group * 10 + static_cast<uint64_t>(replacement[j] - '0');
      ++j;
      ++digits;
    }
    if (digits == 0 || (braced && (j >= replacement.size() || replacement[j] != '}'))) continue;
    if (group > capture_count) {
      return core::MakeError("replacement refers to $" + std::to_string(group) +
                             " but the regex has " + std::to_string(capture_count) +
                             " capture group" + (capture_count == 1 ? "" : "s"));
    }
    i = j - (braced ? 0 : 1);
  }
  return {};
}

}  // namespace rampart::config
