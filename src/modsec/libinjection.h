#pragma once
// libinjection as libmodsecurity runs it for @detectSQLi and @detectXSS: the operators' own
// code, called without a transaction, so the fast path decides exactly as libmodsecurity does.

#include <string>

namespace rampart::modsec {

bool DetectsSqli(const std::string& value);
bool DetectsXss(const std::string& value);

}  // namespace rampart::modsec
