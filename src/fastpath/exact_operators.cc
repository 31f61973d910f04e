#include "fastpath/exact_operators.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <map>

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

// @validateByteRange's list ("1-255", "32-126,9,10") into a table; false when libmodsecurity
// would refuse it.
bool ParseByteRanges(const std::string& ranges, std::array<bool, 256>* allowed) {
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
    if (lo < 0 || hi > 255 || lo > hi) return false;
    for (long b = lo; b <= hi; ++b) (*allowed)[static_cast<size_t>(b)] = true;
  }
  return true;
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

}  // namespace

std::optional<ExactOperator::Kind> ExactOperator::KindNamed(const std::string& name) {
  static const std::map<std::string, Kind> kKinds = {
      {"streq", Kind::kStreq},
      {"within", Kind::kWithin},
      {"beginswith", Kind::kBeginsWith},
      {"endswith", Kind::kEndsWith},
      {"contains", Kind::kContains},
      {"eq", Kind::kEq},
      {"ge", Kind::kGe},
      {"gt", Kind::kGt},
      {"le", Kind::kLe},
      {"lt", Kind::kLt},
      {"detectsqli", Kind::kDetectSqli},
      {"detectxss", Kind::kDetectXss},
      {"validatebyterange", Kind::kValidateByteRange},
      {"validateurlencoding", Kind::kValidateUrlEncoding},
      {"rx", Kind::kRx},
  };
  auto it = kKinds.find(name);
  if (it == kKinds.end()) return std::nullopt;
  return it->second;
}

ExactOperator::ExactOperator(const Operator& op) : negated_(op.negated), param_(op.param) {
  const std::optional<Kind> kind = KindNamed(op.name);
  if (!kind) return;
  kind_ = *kind;
  if (kind_ == Kind::kEq) number_ = StoiOrZero(param_);
  if (kind_ == Kind::kGe || kind_ == Kind::kGt || kind_ == Kind::kLe || kind_ == Kind::kLt) {
    number_ = Atoll(param_);
  }
  if (kind_ == Kind::kValidateByteRange && !ParseByteRanges(param_, &allowed_bytes_)) {
    kind_ = Kind::kUnknown;  // libmodsecurity refuses the list
  }
  if (kind_ == Kind::kRx) {
    auto re = modsec::LibRegex::Shared(param_);
    if (re) {
      regex_ = re.value();
    } else {
      kind_ = Kind::kUnknown;
    }
  }
}

std::optional<bool> ExactOperator::Positive(const std::string& v) const {
  const std::string& p = param_;
  switch (kind_) {
    case Kind::kUnknown:
      return std::nullopt;
    case Kind::kStreq:
      return v == p;
    case Kind::kWithin:
      return p.find(v) != std::string::npos;
    case Kind::kBeginsWith:
      return v.compare(0, p.size(), p) == 0 && v.size() >= p.size();
    case Kind::kEndsWith:
      return v.size() >= p.size() && v.compare(v.size() - p.size(), p.size(), p) == 0;
    case Kind::kContains:
      return v.find(p) != std::string::npos;
    case Kind::kEq:
      return StoiOrZero(v) == number_;
    case Kind::kGe:
      return Atoll(v) >= number_;
    case Kind::kGt:
      return Atoll(v) > number_;
    case Kind::kLe:
      return Atoll(v) <= number_;
    case Kind::kLt:
      return Atoll(v) < number_;
    case Kind::kDetectSqli:
      return modsec::DetectsSqli(v);
    case Kind::kDetectXss:
      return modsec::DetectsXss(v);
    case Kind::kValidateByteRange:
      for (unsigned char c : v) {
        if (!allowed_bytes_[c]) return true;
      }
      return false;
    case Kind::kValidateUrlEncoding:
      return InvalidUrlEncoding(v);
    case Kind::kRx:
      return regex_->Matches(v);
  }
  return std::nullopt;
}

std::optional<bool> ExactOperator::Evaluate(const std::string& value) const {
  std::optional<bool> matched = Positive(value);
  if (!matched) return std::nullopt;
  return negated_ ? !*matched : *matched;
}

std::optional<bool> EvaluateExactly(const Operator& op, const std::string& value) {
  return ExactOperator(op).Evaluate(value);
}

bool IsExactOperator(const std::string& name) {
  const std::optional<ExactOperator::Kind> kind = ExactOperator::KindNamed(name);
  return kind && *kind != ExactOperator::Kind::kRx;
}

}  // namespace rampart::fastpath
