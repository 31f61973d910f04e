#include "core/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace rampart::core {

namespace {

pcre2_code* Code(void* p) { return static_cast<pcre2_code*>(p); }

// One match-data block per thread, big enough for any pattern's captures we allow.
pcre2_match_data* ThreadMatchData() {
  thread_local std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create(64, nullptr), &pcre2_match_data_free);
  return data.get();
}

}  // namespace

Result<std::shared_ptr<const Regex>> Regex::Compile(const std::string& pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                   &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    return MakeError(std::string(reinterpret_cast<char*>(message)) + " at offset " +
                     std::to_string(error_offset));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is absent
  std::shared_ptr<Regex> regex(new Regex());
  regex->pattern_ = pattern;
  regex->code_ = code;
  return std::shared_ptr<const Regex>(std::move(regex));
}

Regex::~Regex() { pcre2_code_free(Code(code_)); }

uint32_t Regex::capture_count() const {
  uint32_t count = 0;
  pcre2_pattern_info(Code(code_), PCRE2_INFO_CAPTURECOUNT, &count);
  return count;
}

bool Regex::Matches(std::string_view subject) const {
  const int rc = pcre2_match(Code(code_), reinterpret_cast<PCRE2_SPTR>(subject.data()),
                             subject.size(), 0, 0, ThreadMatchData(), nullptr);
  return rc >= 0;  // PCRE2_ERROR_NOMATCH and every error (bad UTF-8, limits) count as no match
}

bool Regex::Captures(std::string_view subject,
                     std::vector<std::optional<std::string>>* groups) const {
  pcre2_match_data* data = ThreadMatchData();
  const int rc = pcre2_match(Code(code_), reinterpret_cast<PCRE2_SPTR>(subject.data()),
                             subject.size(), 0, 0, data, nullptr);
  if (rc <= 0) return false;  // no match, an error, or more groups than the match data holds
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
  groups->clear();
  for (int i = 0; i < rc; ++i) {
    if (ovector[2 * i] == PCRE2_UNSET) {
      groups->emplace_back();
    } else {
      groups->emplace_back(
          std::string(subject.substr(ovector[2 * i], ovector[2 * i + 1] - ovector[2 * i])));
    }
  }
  return true;
}

bool Regex::Substitute(std::string_view subject, const std::string& replacement,
                       std::string* out) const {
  std::string buffer(subject.size() + replacement.size() + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    PCRE2_SIZE length = buffer.size();
    const int rc =
        pcre2_substitute(Code(code_), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                         0, PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, ThreadMatchData(), nullptr,
                         reinterpret_cast<PCRE2_SPTR>(replacement.data()), replacement.size(),
                         reinterpret_cast<PCRE2_UCHAR*>(buffer.data()), &length);
    if (rc == PCRE2_ERROR_NOMEMORY) {
      buffer.resize(length);  // `length` now holds the size needed
      continue;
    }
    if (rc <= 0) return false;  // 0: no match; negative: error
    buffer.resize(length);
    *out = std::move(buffer);
    return true;
  }
  return false;
}

}  // namespace rampart::core
