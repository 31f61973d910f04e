#pragma once
// The operators rampart evaluates exactly as libmodsecurity 3.0.9 does: string comparisons,
// numeric comparisons, byte ranges and libinjection (through libmodsecurity's own code). The
// parameter must be free of macros (the plan expands them first).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "fastpath/rule_program.h"

namespace rampart::modsec {
class LibRegex;
}

namespace rampart::fastpath {

// One operator, read once (its name, number, byte ranges or regex) so that each request value
// costs only the comparison itself.
class ExactOperator {
 public:
  explicit ExactOperator(const Operator& op);
  // Whether the operator (negation included) matches `value`; nullopt when it is not one
  // rampart evaluates.
  std::optional<bool> Evaluate(const std::string& value) const;
  // @rx: a regex, whose cost the caller may want to bound.
  bool is_regex() const { return kind_ == Kind::kRx; }

 private:
  enum class Kind : uint8_t {
    kUnknown,
    kStreq,
    kWithin,
    kBeginsWith,
    kEndsWith,
    kContains,
    kEq,
    kGe,
    kGt,
    kLe,
    kLt,
    kDetectSqli,
    kDetectXss,
    kValidateByteRange,
    kValidateUrlEncoding,
    kRx,
  };
  // The operator `name` (lower case, without '@') names; nullopt for one rampart does not
  // evaluate.
  static std::optional<Kind> KindNamed(const std::string& name);
  friend bool IsExactOperator(const std::string& name);
  std::optional<bool> Positive(const std::string& value) const;
  Kind kind_ = Kind::kUnknown;
  bool negated_ = false;
  std::string param_;
  long long number_ = 0;                   // @eq, @ge, @gt, @le, @lt: the parameter's number
  std::array<bool, 256> allowed_bytes_{};  // @validateByteRange
  std::shared_ptr<const modsec::LibRegex> regex_;  // @rx
};

// ExactOperator(op).Evaluate(value), for a single use. @rx runs libmodsecurity's own regex
// (modsec/lib_regex.h, shared by pattern): for the plan; a request's checks hold their regexes
// themselves.
std::optional<bool> EvaluateExactly(const Operator& op, const std::string& value);

// True when EvaluateExactly can decide `op` for request values (not @rx: the prefilter does).
bool IsExactOperator(const std::string& name);

}  // namespace rampart::fastpath
