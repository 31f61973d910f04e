#pragma once
// The operators rampart evaluates exactly as libmodsecurity 3.0.9 does: string comparisons,
// numeric comparisons, byte ranges and libinjection (through libmodsecurity's own code). The
// parameter must be free of macros (the plan expands them first).

#include <optional>
#include <string>

#include "fastpath/rule_program.h"

namespace rampart::fastpath {

// Whether `op` (negation included) matches `value`; nullopt when the operator is not one of
// these. @rx runs libmodsecurity's own regex (modsec/lib_regex.h, shared by pattern): for the
// plan; a request's checks hold their regexes themselves.
std::optional<bool> EvaluateExactly(const Operator& op, const std::string& value);

// True when EvaluateExactly can decide `op` for request values (not @rx: the prefilter does).
bool IsExactOperator(const std::string& name);

}  // namespace rampart::fastpath
