#include "acme/names.h"

#include "core/strings.h"

namespace rampart::acme {
namespace {

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

core::Result<std::string> NormalizeDnsName(std::string_view name) {
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (core::StartsWith(name, "*.")) {
    return core::MakeError(quoted + ": wildcard names need the DNS-01 challenge, not supported");
  }
  std::string lower = core::ToLower(name);
  if (lower.empty() || lower.size() > 253) {
    return core::MakeError(quoted + ": not a DNS name (1 to 253 bytes)");
  }
  bool last_label_numeric = true;
  size_t label_start = 0;
  for (size_t i = 0; i <= lower.size(); ++i) {
    if (i < lower.size() && lower[i] != '.') {
      const char c = lower[i];
      if (!IsAlnum(c) && c != '-') {
        return core::MakeError(quoted + ": not a DNS name (letters, digits, '-' and '.' only)");
      }
      continue;
    }
    const std::string_view label = std::string_view(lower).substr(label_start, i - label_start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return core::MakeError(quoted +
                             ": not a DNS name (a label is empty, too long, or starts "
                             "or ends with '-')");
    }
    last_label_numeric = label.find_first_not_of("0123456789") == std::string_view::npos;
    label_start = i + 1;
  }
  if (last_label_numeric) {
    return core::MakeError(quoted + ": an IP address (ACME certificates here are for DNS names)");
  }
  return lower;
}

}  // namespace rampart::acme
