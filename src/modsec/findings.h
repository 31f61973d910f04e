#pragma once
// Finding: one rule that matched during an Inspection, in the shape the attack log records
// (design.md: rules: [{id, msg, severity, tags, var, data}]). AnomalyScores: CRS's totals.
// Plain values, copied out of libmodsecurity so they outlive the transaction.

#include <string>
#include <vector>

namespace modsecurity {
class RuleMessage;
class Transaction;
}  // namespace modsecurity

namespace rampart::modsec {

class RuleIndex;

struct Finding {
  int id = 0;
  std::string msg;
  // Syslog levels as CRS uses them: 0 EMERGENCY .. 2 CRITICAL .. 5 NOTICE; -1 when the rule
  // sets none.
  int severity = -1;
  std::vector<std::string> tags;
  // The variable that matched, e.g. "ARGS:id" or "REQUEST_HEADERS:User-Agent"; empty when
  // libmodsecurity does not say (e.g. an unconditional rule); kAmbiguousVariable when the
  // name cannot be told apart from the attacker's text around it.
  std::string var;
  // The rule's logdata, expanded (CRS: "Matched Data: ... found within ARGS:id: ..."). Attacker
  // controlled: escape and cut before logging.
  std::string data;
  int phase = 0;            // 1 request headers .. 5 logging
  bool disruptive = false;  // this rule's action caused the intervention
};

// Finding::var when the matched variable's name cannot be told apart from the request text
// libmodsecurity quotes around it (a crafted argument, header or cookie name). Not a variable
// name, so nothing may be excluded by it.
inline constexpr char kAmbiguousVariable[] = "(ambiguous)";

// CRS anomaly scores at the blocking paranoia level: what REQUEST-949 / RESPONSE-959 compare
// against the thresholds.
struct AnomalyScores {
  int inbound = 0;
  int outbound = 0;
};

// "CRITICAL" for 2 and so on; "" for -1 or out of range.
const char* SeverityName(int severity);

// Adapter-internal: converts one libmodsecurity rule message, taking tags from `index` when the
// message has none (multiMatch rules, ModSecurity#2754). `transaction` is the one the message
// belongs to: its request variables decide which reading of the message's text names a
// variable that really exists.
Finding MakeFinding(const modsecurity::RuleMessage& message,
                    const modsecurity::Transaction& transaction, const RuleIndex& shared_index,
                    const RuleIndex& own_index);

}  // namespace rampart::modsec
