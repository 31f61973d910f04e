#include "fastpath/exact_operators.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "modsec/lib_regex.h"
#include "modsec/libinjection.h"

namespace rampart::fastpath {
namespace {

// @eq reads both sides with std::stoi, taking 0 when it throws (no digits, out of int range).
long long StoiOrZero(const std::string& s) {
  errno = 0;
  const char* begin = s.c_str();
  char* end = nullptr;
  const long n = std::strtol(begin, &end, 10);
  if (end == begin || errno == ERANGE || n > INT_MAX || n < INT_MIN) return 0;
  return n;
}

// @gt, @ge, @lt, @le read both sides with atoll (saturating, 0 without digits).
long long Atoll(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

// @validateByteRange's list: "1-255", "32-126,9,10".
std::optional<bool> OutsideByteRange(const std::string& ranges, const std::string& value) {
  bool allowed[256] = {};
  size_t pos = 0;
  while (pos < ranges.size()) {
    size_t comma = ranges.find(',', pos);
    if (comma == std::string::npos) comma = ranges.size();
    std::string item = ranges.substr(pos, comma - pos);
    pos = comma + 1;
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) continue;
    const size_t dash = item.find('-');
    char* end = nullptr;
    const long lo = std::strtol(item.c_str(), &end, 10);
    long hi = lo;
    if (dash != std::string::npos) hi = std::strtol(item.c_str() + dash + 1, &end, 10);
    if (lo < 0 || hi > 255 || lo > hi) return std::nullopt;  // libmodsecurity refuses these
    for (long b = lo; b <= hi; ++b) allowed[b] = true;
  }
  for (unsigned char c : value) {
    if (!allowed[c]) return true;
  }
  return false;
}

// @rx through libmodsecurity's own regex.
std::optional<bool> RegexMatches(const std::string& pattern, const std::string& value) {
  auto re = modsec::LibRegex::Shared(pattern);
  if (!re) return std::nullopt;
  return re.value()->Matches(value);
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// @validateUrlEncoding: a '%' without two hex digits after it.
std::optional<bool> InvalidUrlEncoding(const std::string& v) {
  size_t i = 0;
  while (i < v.size()) {
    if (v[i] != '%') {
      ++i;
      continue;
    }
    if (i + 2 >= v.size()) return true;
    if (!IsHex(v[i + 1]) || !IsHex(v[i + 2])) return true;
    i += 3;
  }
  return false;
}

std::optional<bool> Positive(const Operator& op, const std::string& v) {
  const std::string& p = op.param;
  const std::string& n = op.name;
  if (n == "streq") return v == p;
  if (n == "within") return p.find(v) != std::string::npos;
  if (n == "beginswith") return v.compare(0, p.size(), p) == 0 && v.size() >= p.size();
  if (n == "endswith")
    return v.size() >= p.size() && v.compare(v.size() - p.size(), p.size(), p) == 0;
  if (n == "contains") return v.find(p) != std::string::npos;
  if (n == "eq") return StoiOrZero(v) == StoiOrZero(p);
  if (n == "ge") return Atoll(v) >= Atoll(p);
  if (n == "gt") return Atoll(v) > Atoll(p);
  if (n == "le") return Atoll(v) <= Atoll(p);
  if (n == "lt") return Atoll(v) < Atoll(p);
  if (n == "detectsqli") return modsec::DetectsSqli(v);
  if (n == "detectxss") return modsec::DetectsXss(v);
  if (n == "validatebyterange") return OutsideByteRange(p, v);
  if (n == "validateurlencoding") return InvalidUrlEncoding(v);
  if (n == "rx") return RegexMatches(p, v);
  return std::nullopt;
}

}  // namespace

std::optional<bool> EvaluateExactly(const Operator& op, const std::string& value) {
  std::optional<bool> matched = Positive(op, value);
  if (!matched) return std::nullopt;
  return op.negated ? !*matched : *matched;
}

bool IsExactOperator(const std::string& name) {
  return name == "streq" || name == "within" || name == "beginswith" || name == "endswith" ||
         name == "contains" || name == "eq" || name == "ge" || name == "gt" || name == "le" ||
         name == "lt" || name == "detectsqli" || name == "detectxss" ||
         name == "validatebyterange" || name == "validateurlencoding";
}

}  // namespace rampart::fastpath
