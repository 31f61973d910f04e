#include "modsec/findings.h"

#include <modsecurity/rule_message.h>
#include <modsecurity/rule_with_actions.h>

#include <string>
#include <string_view>

#include "modsec/rule_index.h"

namespace rampart::modsec {
namespace {

// libmodsecurity's match text: "Matched "Operator `Rx' with parameter `...' against variable
// `ARGS:id' (Value: `...' )". The parameter may itself contain the marker, so search from the
// end.
std::string VariableFromMatch(std::string_view match) {
  constexpr std::string_view kStart = "against variable `";
  constexpr std::string_view kEnd = "' (Value: `";
  size_t start = match.rfind(kStart);
  if (start == std::string_view::npos) return {};
  start += kStart.size();
  size_t end = match.find(kEnd, start);
  if (end == std::string_view::npos) return {};
  return std::string(match.substr(start, end - start));
}

// CRS's logdata: "Matched Data: X found within ARGS:id: value".
std::string VariableFromLogData(std::string_view data) {
  constexpr std::string_view kStart = " found within ";
  size_t start = data.find(kStart);
  if (start == std::string_view::npos) return {};
  start += kStart.size();
  size_t end = data.find(": ", start);
  if (end == std::string_view::npos) end = data.size();
  return std::string(data.substr(start, end - start));
}

}  // namespace

const char* SeverityName(int severity) {
  static constexpr const char* kNames[] = {"EMERGENCY", "ALERT",  "CRITICAL", "ERROR",
                                           "WARNING",   "NOTICE", "INFO",     "DEBUG"};
  if (severity < 0 || severity > 7) return "";
  return kNames[severity];
}

Finding MakeFinding(const modsecurity::RuleMessage& message, const RuleIndex& shared_index,
                    const RuleIndex& own_index) {
  Finding f;
  f.id = message.m_ruleId;
  f.msg = message.m_message;
  f.severity = message.m_severity;
  if (message.m_rule != nullptr && !message.m_rule->hasSeverity()) f.severity = -1;
  f.tags.assign(message.m_tags.begin(), message.m_tags.end());
  if (f.tags.empty()) {
    const RuleIndex::Entry* entry = own_index.Find(f.id);
    if (entry == nullptr) entry = shared_index.Find(f.id);
    if (entry != nullptr) f.tags = entry->tags;
  }
  f.var = VariableFromMatch(message.m_match);
  if (f.var.empty()) f.var = VariableFromLogData(message.m_data);
  f.data = message.m_data;
  f.phase = message.m_phase;  // getPhase() - 1: already SecLang numbering
  f.disruptive = message.m_isDisruptive;
  return f;
}

}  // namespace rampart::modsec
